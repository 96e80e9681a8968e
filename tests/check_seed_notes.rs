//! `check` on the seed notes' own figures (tests/data/seed_notes.txt): the notes' slips are
//! found, the values that inherit them are marked as carried, and the right values pass.

use backprop::derivation::check::{check_notes, Verdict};
use backprop::derivation::Derivation;
use backprop::Spec;
use std::process::Command;

fn report() -> (Derivation, backprop::derivation::CheckReport) {
    let d = Derivation::from_spec(&Spec::worked_example(), None).unwrap();
    let text = include_str!("data/seed_notes.txt");
    let r = check_notes(text, "seed_notes.txt", &d).unwrap();
    (d, r)
}

#[test]
fn the_notes_slips_are_slips() {
    let (d, r) = report();
    // z_h1 = 0.15×0.05 + 0.20×0.10 + 0.35 = 0.0075 + 0.02 + 0.35 = 0.3775, not 0.375.
    // E_1 = ½(0.01 − 0.75136)² = ½·0.74136² = 0.274807…, not 0.27483 (by the notes' own a_o).
    // δ_o(2): sample 2 is not written out; its exact δ_o is −0.042571…, not −0.04267.
    for name in ["s1.z_h1", "s1.E", "s2.delta_o"] {
        assert_eq!(r.mark(name, &d).unwrap().verdict, Verdict::Slip, "{name}");
    }
}

#[test]
fn values_built_on_a_slip_are_carried_from_it() {
    let (d, r) = report();
    // E_total = (0.27483 + 0.02692)/2 = 0.150875: right arithmetic on the wrong E_1.
    assert_eq!(
        r.mark("E_total", &d).unwrap().verdict,
        Verdict::Carried {
            from: vec!["s1.E".into()],
            rounding: false
        }
    );
    // ∂E/∂b2 = ½(0.13849 − 0.04267) = 0.04791: right arithmetic on the wrong δ_o(2).
    assert_eq!(
        r.mark("grad.b2", &d).unwrap().verdict,
        Verdict::Carried {
            from: vec!["s2.delta_o".into()],
            rounding: false
        }
    );
}

#[test]
fn the_notes_right_values_are_correct() {
    let (d, r) = report();
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
        assert_eq!(
            r.mark(name, &d).unwrap().verdict,
            Verdict::Correct,
            "{name}"
        );
    }
    assert_eq!(r.marks.len(), 15);
    assert_eq!(r.summary(), "9 correct, 4 slips, 2 carried");
}

#[test]
fn rounding_and_truncation_both_pass_but_one_digit_more_off_does_not() {
    let d = Derivation::from_spec(&Spec::worked_example(), None).unwrap();
    // a_h1 of sample 1 = σ(0.3775) = 0.5932699921…: 0.59327 (rounded) and 0.59326 (truncated)
    // are within 0.00001; 0.59325 is not, and it does not follow from anything written.
    let verdict = |line: &str| {
        check_notes(line, "notes", &d).unwrap().marks[0]
            .verdict
            .clone()
    };
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
