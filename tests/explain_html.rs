//! The HTML page in a real browser: headless Chromium loads the page (from a file, with the
//! network off), its DOM must hold the SVG drawing and the MathML, and its screenshot must not
//! be blank. `.ci/run` installs Debian's chromium when /usr/bin/chromium is absent.

use backprop::derivation::{render, Derivation, Format, RenderOptions};
use backprop::Spec;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("BACKPROP_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.exists().then_some(path)
}

/// Runs headless Chromium on `page` with `mode` (`--dump-dom` or `--screenshot=…`), at most a
/// minute, with a fresh profile and nothing fetched from the network.
fn run_chromium(browser: &Path, profile: &Path, page: &Path, mode: &str) -> String {
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(mode)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_page_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("BACKPROP_REQUIRE_BROWSER").is_none(),
            "/usr/bin/chromium is missing (`apt-get install chromium`; .ci/run installs it)"
        );
        eprintln!("skipped: /usr/bin/chromium is not installed");
        return;
    };
    let d = Derivation::from_spec(&Spec::worked_example(), None).unwrap();
    let html = render(&d, Format::Html, RenderOptions::default());
    // Self-contained: the SVG namespace is its only URL, and there is no script.
    assert_eq!(html.matches("http").count(), 1);
    assert!(!html.contains("<script"));
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("step.html");
    std::fs::write(&page, &html).unwrap();

    // The DOM after parsing: the drawing and the mathematics are there.
    let dom = run_chromium(
        &browser,
        &dir.path().join("profile-dom"),
        &page,
        "--dump-dom",
    );
    assert!(dom.contains("<svg"), "no SVG in the DOM");
    assert!(dom.contains("<line"), "no edges in the SVG");
    assert!(dom.contains("<math"), "no MathML in the DOM");
    assert!(dom.contains("<mfrac>"), "no fractions in the MathML");
    // One math element per quantity and per chain rule at least.
    assert!(dom.matches("<math").count() >= d.graph.len() - 12);

    // The screenshot: a PNG with real content (not one flat colour).
    let shot = dir.path().join("step.png");
    run_chromium(
        &browser,
        &dir.path().join("profile-shot"),
        &page,
        &format!("--screenshot={}", shot.display()),
    );
    let decoder = png::Decoder::new(std::fs::File::open(&shot).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<f64> = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| {
            p[..3.min(channels)]
                .iter()
                .map(|&c| f64::from(c))
                .sum::<f64>()
                / 3.0
        })
        .collect();
    assert!(info.width >= 800 && info.height >= 600);
    let mean = pixels.iter().sum::<f64>() / pixels.len() as f64;
    let variance =
        pixels.iter().map(|p| (p - mean) * (p - mean)).sum::<f64>() / pixels.len() as f64;
    let dark = pixels.iter().filter(|&&p| p < 128.0).count() as f64 / pixels.len() as f64;
    assert!(
        variance > 100.0,
        "screenshot nearly uniform (variance {variance})"
    );
    assert!(
        dark > 0.005,
        "almost no dark pixels (text) in the screenshot: {dark}"
    );
}

/// The network drawings' texts, measured by the browser itself (`getBBox`, the font it really
/// uses): no two overlap, for the worked example and a 3-4-3-2 network, in English and Chinese.
#[test]
fn no_two_texts_of_the_drawing_overlap_in_the_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("BACKPROP_REQUIRE_BROWSER").is_none(),
            "/usr/bin/chromium is missing (`apt-get install chromium`; .ci/run installs it)"
        );
        eprintln!("skipped: /usr/bin/chromium is not installed");
        return;
    };
    let n3432 = Spec::parse(
        r#"
inputs = 3
loss = "cross_entropy"
[optimizer]
kind = "adam"
learning_rate = 0.1
[[layers]]
units = 4
activation = "tanh"
bias = "per_unit"
[[layers]]
units = 3
activation = "relu"
bias = "per_unit"
[[layers]]
units = 2
activation = "softmax"
bias = "per_unit"
[training]
batch_size = 2
shuffle = false
seed = 3
[data]
inputs = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
targets = [[1.0, 0.0], [0.0, 1.0]]
"#,
        "3-4-3-2",
    )
    .unwrap();
    // Appended to a copy of the page: every pair of texts in the drawing, by their boxes.
    let probe = r#"<script>
const texts = [...document.querySelectorAll('svg.network text')];
const boxes = texts.map(t => [t.getBBox(), t.textContent]);
const bad = [];
for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
  const [a, ta] = boxes[i], [b, tb] = boxes[j];
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w > 0.5 && h > 0.5) bad.push(ta + ' / ' + tb);
}
const p = document.createElement('pre');
p.id = 'overlaps';
p.textContent = 'texts=' + boxes.length + ';overlaps=' + bad.length + ';' + bad.join(';');
document.body.appendChild(p);
</script>"#;
    let dir = tempfile::tempdir().unwrap();
    for (name, spec) in [("worked", Spec::worked_example()), ("3-4-3-2", n3432)] {
        let d = Derivation::from_spec(&spec, None).unwrap();
        for lang in [
            backprop::derivation::Lang::En,
            backprop::derivation::Lang::Zh,
        ] {
            let html = render(&d, Format::Html, RenderOptions { lang, digits: 6 });
            let page = dir.path().join(format!("{name}-{}.html", lang.code()));
            std::fs::write(&page, html.replace("</body>", &format!("{probe}\n</body>"))).unwrap();
            let dom = run_chromium(
                &browser,
                &dir.path().join(format!("profile-{name}-{}", lang.code())),
                &page,
                "--dump-dom",
            );
            let marker = "<pre id=\"overlaps\">";
            let start = dom.find(marker).expect("the probe ran") + marker.len();
            let report = &dom[start..start + dom[start..].find("</pre>").unwrap()];
            let texts: usize = report["texts=".len()..report.find(';').unwrap()]
                .parse()
                .unwrap();
            assert!(texts > 20, "{name}: only {texts} texts measured");
            assert!(
                report.contains(";overlaps=0;"),
                "{name} {lang:?}: overlapping texts: {report}"
            );
        }
    }
}
