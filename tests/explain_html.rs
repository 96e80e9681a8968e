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
