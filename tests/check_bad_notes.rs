//! `check` never panics on any notes: random bytes, random near-valid lines and pathological
//! numbers all end in a mark or a typed error.

use backprop::check::check_derivation as check_notes;
use backprop::derivation::Derivation;
use backprop::Spec;
use proptest::prelude::*;

fn derivation() -> Derivation {
    Derivation::from_spec(&Spec::worked_example(), None).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn any_text_gives_a_report_or_an_error(text in "\\PC{0,200}") {
        let d = derivation();
        let _ = check_notes(&text, "notes.txt", &d);
    }

    #[test]
    fn near_valid_lines_give_a_report_or_an_error(
        lines in prop::collection::vec(
            (
                prop::sample::select(vec![
                    "s1.z_h1", "E1", "E_total", "δ_o(2)", "∂E/∂w5", "w5⁺", "z_h1", "s9.E",
                    "grad.b1", "", "s1.", "(", "E_", "new.", "s1.z_h1(2)",
                ]),
                prop::sample::select(vec![" = ", ": ", "=", " == ", " : = "]),
                prop::sample::select(vec![
                    "0.3775", "-0.04267", "−0.5", "1e308", "1e-320", "1e99999", ".", "-",
                    "0.1.2", "1,5", "+.5", "5.", "٣", "",
                ]),
            ),
            0..8,
        )
    ) {
        let d = derivation();
        let text: String = lines
            .iter()
            .map(|(n, s, v)| format!("{n}{s}{v}\n"))
            .collect();
        if let Ok(report) = check_notes(&text, "notes.txt", &d) {
            prop_assert!(!report.claims.is_empty());
        }
    }
}
