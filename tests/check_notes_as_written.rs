//! `check` on notes as learners write them: the seed's own Markdown + LaTeX in Chinese, Mazur's
//! 2-2-2 example in Markdown, plain text in English and in Chinese. Every verdict below is
//! derived by hand from the notes (the arithmetic is written out in the comments); the exact
//! values are those of the worked example (examples/01) and of Mazur's published figures.

use backprop::check::{check_notes, Options, Report, Setup, SlipKind, Verdict};
use backprop::derivation::Lang;
use backprop::Spec;
use std::process::Command;

fn check(file: &str) -> Report {
    let text = std::fs::read_to_string(format!("tests/data/notes/{file}")).unwrap();
    check_notes(&text, file, Setup::FromNotes, Options::default()).unwrap()
}

/// (line, quantity, verdict) of every claim.
fn marks(r: &Report) -> Vec<(usize, String, Verdict)> {
    r.claims
        .iter()
        .map(|c| (c.line, c.quantity.clone().unwrap_or_default(), c.verdict))
        .collect()
}

fn on(r: &Report, line: usize) -> &backprop::check::Claim {
    let c = r.on_line(line);
    assert_eq!(c.len(), 1, "line {line}: {c:?}");
    c[0]
}

#[test]
fn the_seed_notes_as_written() {
    let r = check("seed.md");
    // The setup the notes state is the worked example's, exactly.
    let spec = Spec::parse(r.setup.spec.as_deref().unwrap(), "read").unwrap();
    assert_eq!(spec, Spec::worked_example());
    assert_eq!(r.setup.source, "notes");
    use Verdict::*;
    assert_eq!(
        marks(&r),
        vec![
            // 0.15×0.05 + 0.2×0.10 + 0.35 = 0.0075 + 0.02 + 0.35 = 0.3775, not 0.375
            (21, "s1.z_h1".into(), Slip),
            // σ(0.3775) = 0.5932700: 0.59326 is within 1e-5
            (23, "s1.a_h1".into(), Correct),
            // 0.25×0.05 + 0.30×0.10 + 0.35 = 0.0125 + 0.03 + 0.35 = 0.3925
            (25, "s1.z_h2".into(), Correct),
            // σ(0.3925) = 0.5968844
            (27, "s1.a_h2".into(), Correct),
            // 0.40×0.5932700 + 0.45×0.5968844 + 0.60 = 1.1059060: 1.10590 is within 1e-5
            (32, "s1.z_o".into(), Correct),
            // no name: the formula 1/(1+e^−1.1059) reads z_o; σ(1.1059060) = 0.7513651
            (34, "s1.a_o".into(), Correct),
            // "样本一误差": ½(0.01 − 0.75136)² = ½·0.74136² = 0.2748073, not 0.27483; the
            // exact E₁ is 0.2748111, also more than 1e-5 away
            (36, "s1.E".into(), Slip),
            // "样本二误差": E₂ = ½(0.99 − 0.7579542)² = 0.0269226
            (40, "s2.E".into(), Correct),
            // "总误差": (0.27483 + 0.02692)/2 = 0.150875 exactly, from the wrong E₁; the exact
            // E_total is 0.1508669
            (42, "E_total".into(), Carried),
            // `= 0.74136` continues ∂E₁/∂w₅ = …: the step has no ∂E₁/∂w₅ (only the batch
            // mean); 0.74136 is a_o − t = 0.7413651, ∂E₁/∂a_o
            (56, "".into(), Misnamed),
            // ∂E₁/∂z_{01} (0 for o): δ_o = 0.7413651 × 0.1868156 = 0.1384986
            (58, "s1.delta_o".into(), Correct),
            // "样本2 同理": sample 2's δ_o = −0.2320458 × 0.1834596 = −0.0425710, not −0.04267,
            // and nothing the notes wrote gives −0.04267
            (60, "s2.delta_o".into(), Slip),
            // ½(0.13849·0.593626 + (−0.04267)·0.62983) = ½(0.0822113 − 0.0268749) = 0.0276682,
            // not 0.02777; 0.593626 is not the a_h1 written (0.59326) and 0.62983 is not
            // sample 2's a_h1 (0.6248065); the exact ∂E/∂w5 is 0.0277842
            (64, "grad.w5".into(), Slip),
            // "w_6 同理": ∂E/∂w6 = ½(0.1384986×0.5968844 + (−0.0425710)×0.6479408) = 0.0275421
            (66, "grad.w6".into(), Correct),
            // ½(0.13849 − 0.04267) = 0.04791 exactly, from the wrong δ_o of sample 2; the exact
            // value is 0.0479638
            (70, "grad.b2".into(), Carried),
        ]
    );
    assert_eq!(on(&r, 21).slip, Some(SlipKind::Arithmetic));
    assert!((on(&r, 21).yours.unwrap() - 0.3775).abs() < 1e-12);
    assert_eq!(on(&r, 36).slip, Some(SlipKind::Arithmetic));
    assert_eq!(on(&r, 42).from, vec!["s1.E"]);
    assert_eq!(on(&r, 56).is.as_deref(), Some("s1.dE_da_o"));
    assert_eq!(on(&r, 60).slip, Some(SlipKind::NoWorking));
    let w5 = on(&r, 64);
    assert_eq!(w5.slip, Some(SlipKind::WrongNumber));
    let wrong: Vec<(f64, &str)> = w5
        .wrong_numbers
        .iter()
        .map(|w| (w.written, w.nearest.as_str()))
        .collect();
    assert_eq!(wrong, vec![(0.593626, "s1.a_h1"), (0.62983, "s2.a_h1")]);
    assert_eq!(w5.wrong_numbers[0].line, Some(23));
    assert_eq!(on(&r, 70).from, vec!["s2.delta_o"]);
    assert_eq!(r.summary.text, "8 correct, 4 slips, 2 carried, 1 misnamed");
}

#[test]
fn mazurs_example_in_markdown() {
    let r = check("mazur.md");
    // 2 inputs, 2 hidden, 2 outputs, one sample: 8 weights, 2 biases.
    assert!(
        r.setup
            .summary
            .starts_with("2 inputs, layers 2-2 (sigmoid)"),
        "{}",
        r.setup.summary
    );
    use Verdict::*;
    let expected: Vec<(usize, &str, Verdict)> = vec![
        (11, "s1.z_h1", Correct),     // 0.0075 + 0.02 + 0.35 = 0.3775
        (13, "s1.a_h1", Correct),     // 1/(1 + e^−0.3775) = 0.5932699921
        (15, "s1.a_h2", Correct),     // σ(0.3925) = 0.5968843783
        (17, "s1.z_o1", Correct),     // 0.4×0.5932699921 + 0.45×0.5968843783 + 0.6 = 1.1059059671
        (19, "s1.a_o1", Correct),     // σ(1.1059059671) = 0.7513650696
        (21, "s1.a_o2", Correct), // σ(0.5×0.59327 + 0.55×0.59688 + 0.6) = σ(1.2249214) = 0.7729284653
        (23, "E_total", Correct), // ½(0.01 − 0.75137)² + ½(0.99 − 0.77293)² = 0.2983711088
        (27, "s1.dE_da_o1", Correct), // 0.7513650696 − 0.01
        (29, "s1.da_dz_o1", Correct), // 0.7513650696 × 0.2486349304 = 0.1868156018
        (31, "grad.w5", Correct), // 0.7413650696 × 0.1868156018 × 0.5932699921 = 0.0821670406
        (33, "new.w5", Correct),  // 0.4 − 0.5 × 0.0821670406 = 0.3589164797
        (35, "s1.dE_da_h1", Correct), // w5·δ_o1 + w7·δ_o2 = 0.0363503064
        // 0.036350306 × 0.241300709 × 0.05 = 0.000438568, not 0.000483568 (digits swapped)
        (37, "grad.w1", Slip),
    ];
    let expected: Vec<(usize, String, Verdict)> = expected
        .into_iter()
        .map(|(l, q, v)| (l, q.to_string(), v))
        .collect();
    assert_eq!(marks(&r), expected);
    assert_eq!(on(&r, 37).slip, Some(SlipKind::Arithmetic));
}

#[test]
fn plain_english_a_slip_early_in_sample_2_is_carried_through_every_later_figure() {
    let r = check("plain_en.txt");
    use Verdict::*;
    let expected: Vec<(usize, &str, Verdict)> = vec![
        (10, "s1.a_o", Correct), // σ(1.1059060) = 0.7513651 → 0.75137
        (11, "s1.E", Correct),   // ½(0.74137)² = 0.2748147; exact 0.2748111: both round to 0.27481
        // 0.12 + 0.04 + 0.35 = 0.51, not 0.53 (0.52 would pass: within one unit of 0.51)
        (14, "s2.z_h1", Slip),
        (15, "s2.a_h1", Carried), // σ(0.53) = 0.629483, from the wrong z_h1 (exact σ(0.51) = 0.624806)
        (16, "s2.z_h2", Correct), // 0.2 + 0.06 + 0.35 = 0.61
        (17, "s2.a_h2", Correct), // σ(0.61) = 0.647941
        // 0.4×0.62948 + 0.45×0.64794 + 0.6 = 1.143365, from the wrong a_h1 (exact 1.141496)
        (18, "s2.z_o", Carried),
        (19, "s2.a_o", Carried), // σ(1.14337) = 0.758298 (exact 0.757954)
        (20, "s2.E", Carried),   // ½(0.99 − 0.75830)² = ½·0.2317² = 0.0268424 (exact 0.0269226)
        // (0.27481 + 0.02684)/2 = 0.150825 (exact 0.1508669)
        (22, "E_total", Carried),
    ];
    let expected: Vec<(usize, String, Verdict)> = expected
        .into_iter()
        .map(|(l, q, v)| (l, q.to_string(), v))
        .collect();
    assert_eq!(marks(&r), expected);
    assert_eq!(on(&r, 14).slip, Some(SlipKind::Arithmetic));
    for (line, from) in [
        (15, "s2.z_h1"),
        (18, "s2.a_h1"),
        (19, "s2.z_o"),
        (20, "s2.a_o"),
        (22, "s2.E"),
    ] {
        assert_eq!(on(&r, line).from, vec![from], "line {line}");
    }
}

#[test]
fn plain_chinese_a_wrong_number_copied_and_a_misnamed_value() {
    let text = std::fs::read_to_string("tests/data/notes/plain_zh.txt").unwrap();
    let options = Options {
        lang: Lang::Zh,
        sample: None,
    };
    let r = check_notes(&text, "plain_zh.txt", Setup::FromNotes, options).unwrap();
    use Verdict::*;
    let expected: Vec<(usize, &str, Verdict)> = vec![
        (9, "s1.z_h1", Correct),
        (10, "s1.a_h1", Correct), // σ(0.3775) = 0.5932700
        (11, "s1.z_h2", Correct),
        (12, "s1.a_h2", Correct), // σ(0.3925) = 0.5968844
        // 0.40×0.59327 + 0.45×0.59868 + 0.60 = 0.237308 + 0.269406 + 0.6 = 1.106714: the
        // arithmetic is right, but 0.59868 is a_h2 = 0.59688 (line 12) copied with two digits
        // swapped; the exact z_o is 1.105906
        (13, "s1.z_o", Slip),
        (14, "s1.a_o", Carried), // σ(1.10671) = 0.751515, from the wrong z_o (exact 0.751365)
        // δ_o is 0.1384986; 0.74137 is ∂E₁/∂a_o = a_o − t = 0.7413651
        (15, "s1.delta_o", Misnamed),
        // "样本二同理": 0.12 + 0.04 + 0.35 = 0.51
        (17, "s2.z_h1", Correct),
        (18, "s2.E", Correct), // "样本二的误差": ½(0.99 − 0.7579542)² = 0.0269226
        (19, "E_total", Correct), // "总误差": 0.1508669 → 0.15087
    ];
    let expected: Vec<(usize, String, Verdict)> = expected
        .into_iter()
        .map(|(l, q, v)| (l, q.to_string(), v))
        .collect();
    assert_eq!(marks(&r), expected);
    let z_o = on(&r, 13);
    assert_eq!(z_o.slip, Some(SlipKind::WrongNumber));
    assert_eq!(z_o.wrong_numbers.len(), 1);
    assert_eq!(z_o.wrong_numbers[0].nearest, "s1.a_h2");
    assert_eq!(z_o.wrong_numbers[0].line, Some(12));
    assert!(z_o.because.contains("用错了数"), "{}", z_o.because);
    assert_eq!(on(&r, 14).from, vec!["s1.z_o"]);
    assert_eq!(on(&r, 15).is.as_deref(), Some("s1.dE_da_o"));
    assert_eq!(
        r.summary.text,
        "7 个正确，1 处笔误，1 处沿用前面的错误，1 处名称不符"
    );
}

fn cli(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_cli_prints_the_setup_and_the_marks_and_the_json_record() {
    let (code, out, _) = cli(&["check", "tests/data/notes/seed.md"]);
    assert_eq!(code, Some(1));
    assert!(out.starts_with("Setup read from the notes: 2 inputs, layers 2-1 (sigmoid), loss half_sse, η = 0.5, 2 samples (batch 2)"), "{out}");
    assert!(
        out.contains("line 21: ✗ z_{h1} (s1.z_h1) = 0.375 — a slip in the arithmetic"),
        "{out}"
    );
    assert!(out
        .trim_end()
        .ends_with("8 correct, 4 slips, 2 carried, 1 misnamed"));

    let (code, json, _) = cli(&["check", "tests/data/notes/seed.md", "--format", "json"]);
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let claims = v["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 15);
    let first = &claims[0];
    assert_eq!(first["line"], 21);
    assert_eq!(first["written"], "0.375");
    assert_eq!(first["quantity"], "s1.z_h1");
    assert_eq!(first["verdict"], "slip");
    assert_eq!(first["slip"], "arithmetic");
    assert!((first["expected"].as_f64().unwrap() - 0.3775).abs() < 1e-12);
    assert!(first["because"].as_str().unwrap().contains("0.3775"));
    assert_eq!(claims[9]["quantity"], serde_json::Value::Null);
    assert_eq!(claims[9]["verdict"], "misnamed");
    assert_eq!(v["setup"]["source"], "notes");
    assert_eq!(v["summary"]["correct"], 8);
    assert_eq!(v["summary"]["carried"], 2);
}

#[test]
fn markdown_and_html_give_the_notes_back_unchanged_with_marks() {
    let notes = std::fs::read_to_string("tests/data/notes/seed.md").unwrap();
    let (_, md, _) = cli(&["check", "tests/data/notes/seed.md", "--format", "markdown"]);
    // every line of the notes is there, whole and in order
    let mut at = 0;
    for line in notes.lines().filter(|l| !l.trim().is_empty()) {
        let found = md[at..]
            .find(line)
            .unwrap_or_else(|| panic!("missing: {line}"));
        at += found + line.len();
    }
    assert!(md.contains("**✗ 0.375**"), "{md}");
    assert!(md.contains("> ✗ 0.375: a slip in the arithmetic"));
    let (_, html, _) = cli(&[
        "check",
        "tests/data/notes/seed.md",
        "--format",
        "html",
        "--lang",
        "zh",
    ]);
    assert!(html.contains("<span class=\"slip\""), "{html}");
    assert!(html.contains("0.59326&nbsp;✓"));
    assert!(html.contains("此处笔误（计算）"));
}

#[test]
fn emit_spec_writes_the_setup_read() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("read.toml");
    let (code, _, err) = cli(&[
        "check",
        "tests/data/notes/plain_en.txt",
        "--emit-spec",
        spec.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    let read = Spec::from_file(&spec).unwrap();
    assert_eq!(read, Spec::worked_example());
    // and with that spec as --spec, the marks are the same
    let (code, out, err) = cli(&[
        "check",
        "tests/data/notes/plain_en.txt",
        "--spec",
        spec.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        out.trim_end().ends_with("4 correct, 1 slip, 5 carried"),
        "{out}"
    );
}
