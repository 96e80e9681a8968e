//! `check` on the seed notes' own figures (tests/data/seed_notes.txt): the notes' slips are
//! found, the values that inherit them are marked as carried, and the right values pass.

use backprop::check::{check_derivation as check_notes, Report, Verdict};
use backprop::derivation::Derivation;
use backprop::Spec;
use std::process::Command;

fn report() -> Report {
    let d = Derivation::from_spec(&Spec::worked_example(), None).unwrap();
    let text = include_str!("data/seed_notes.txt");
    check_notes(text, "seed_notes.txt", &d).unwrap()
}

#[test]
fn the_notes_slips_are_slips() {
    let r = report();
    // z_h1 = 0.15×0.05 + 0.20×0.10 + 0.35 = 0.0075 + 0.02 + 0.35 = 0.3775, not 0.375.
    // E_1 = ½(0.01 − 0.75136)² = ½·0.74136² = 0.274807…, not 0.27483 (by the notes' own a_o).
    // δ_o(2): sample 2 is not written out; its exact δ_o is −0.042571…, not −0.04267.
    for name in ["s1.z_h1", "s1.E", "s2.delta_o"] {
        assert_eq!(r.claim(name).unwrap().verdict, Verdict::Slip, "{name}");
    }
}

#[test]
fn values_built_on_a_slip_are_carried_from_it() {
    let r = report();
    // E_total = (0.27483 + 0.02692)/2 = 0.150875: right arithmetic on the wrong E_1.
    let c = r.claim("E_total").unwrap();
    assert_eq!(c.verdict, Verdict::Carried);
    assert_eq!(
        (c.from.clone(), c.rounding),
        (vec!["s1.E".to_string()], false)
    );
    // ∂E/∂b2 = ½(0.13849 − 0.04267) = 0.04791: right arithmetic on the wrong δ_o(2).
    let c = r.claim("grad.b2").unwrap();
    assert_eq!(c.verdict, Verdict::Carried);
    assert_eq!(
        (c.from.clone(), c.rounding),
        (vec!["s2.delta_o".to_string()], false)
    );
}

#[test]
fn the_notes_right_values_are_correct() {
    let r = report();
    for name in [
        "s1.a_h1",
        "s1.z_h2",
        "s1.a_h2",
        "s1.z_o",
        "s1.a_o",
        "s2.E",
        "s1.delta_o",
        "grad.w6",
    ] {
        assert_eq!(r.claim(name).unwrap().verdict, Verdict::Correct, "{name}");
    }
    assert_eq!(r.claims.len(), 15);
    assert_eq!(r.summary.text, "9 correct, 4 slips, 2 carried");
}

#[test]
fn rounding_and_truncation_both_pass_but_one_digit_more_off_does_not() {
    let d = Derivation::from_spec(&Spec::worked_example(), None).unwrap();
    // a_h1 of sample 1 = σ(0.3775) = 0.5932699921…: 0.59327 (rounded) and 0.59326 (truncated)
    // are within 0.00001; 0.59325 is not, and it does not follow from anything written.
    let verdict = |line: &str| check_notes(line, "notes", &d).unwrap().claims[0].verdict;
    assert_eq!(verdict("s1.a_h1 = 0.59327"), Verdict::Correct);
    assert_eq!(verdict("s1.a_h1 = 0.59326"), Verdict::Correct);
    assert_eq!(verdict("s1.a_h1 = 0.59325"), Verdict::Slip);
    assert_eq!(verdict("s1.a_h1 = 0.6"), Verdict::Correct);
}

#[test]
fn the_cli_prints_a_summary_and_exits_1_when_something_is_wrong() {
    let out = Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(["check", "tests/data/seed_notes.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("carried from s1.E"), "{stdout}");
    assert!(stdout.trim_end().ends_with("9 correct, 4 slips, 2 carried"));

    let dir = tempfile::tempdir().unwrap();
    let right = dir.path().join("right.txt");
    // Hand-computed: z_h1 = 0.3775; σ(0.3775) = 1/(1 + 0.685611…) = 0.593270.
    std::fs::write(&right, "s1.z_h1 = 0.3775\ns1.a_h1: 0.593270\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(["check", right.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("2 correct, 0 slips, 0 carried"));
}

#[test]
fn a_value_that_follows_only_from_early_rounding_names_the_rounded_value() {
    let d = Derivation::from_spec(&Spec::worked_example(), None).unwrap();
    // a_h1 = 0.6 is right to one decimal (0.5933 rounds to 0.6). Carried on with five decimals:
    // z_o = 0.40×0.6 + 0.45×0.596884… + 0.60 = 1.108598 → 1.10860, while the exact z_o is
    // 1.105906: wrong, but only because a_h1 was rounded too early.
    let r = check_notes("s1.a_h1 = 0.6\ns1.z_o = 1.10860\n", "notes", &d).unwrap();
    assert_eq!(r.claims[0].verdict, Verdict::Correct);
    assert_eq!(r.claims[1].verdict, Verdict::Carried);
    assert_eq!(
        (r.claims[1].from.clone(), r.claims[1].rounding),
        (vec!["s1.a_h1".to_string()], true)
    );
}

#[test]
fn a_batch_of_one_sample_needs_no_sample_prefix() {
    let d = Derivation::from_spec(&Spec::worked_example(), Some(2)).unwrap();
    // Sample 2 alone: z_h1 = 0.15×0.8 + 0.20×0.2 + 0.35 = 0.51; E = ½(0.99 − a_o)² is E_total.
    let r = check_notes("z_h1 = 0.51\nE_2 = 0.0269226\n", "notes", &d).unwrap();
    assert!(r.all_correct());
    assert_eq!(r.claims[0].quantity.as_deref(), Some("s2.z_h1"));
    // With both samples it is ambiguous, and the error says what to write.
    let both = Derivation::from_spec(&Spec::worked_example(), None).unwrap();
    let e = check_notes("z_h1 = 0.51\n", "notes", &both).unwrap_err();
    assert!(e.to_string().contains("write s1.z_h1 or s2.z_h1"), "{e}");
}

#[test]
fn the_marks_can_be_in_chinese() {
    let out = Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(["check", "tests/data/seed_notes.txt", "--lang", "zh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("沿用了前面 s1.E 的错误"), "{stdout}");
    assert!(stdout.contains("此处笔误"), "{stdout}");
    assert!(stdout
        .trim_end()
        .ends_with("9 个正确，4 处笔误，2 处沿用前面的错误"));
}
