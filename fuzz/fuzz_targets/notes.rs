//! The notes parser of `check`: any text is marked or refused; every mark can be described.
#![no_main]

use backprop::derivation::check::{check_notes, learner_world};
use backprop::derivation::Derivation;
use backprop::Spec;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static WORKED: OnceLock<Derivation> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let d = WORKED.get_or_init(|| Derivation::from_spec(&Spec::worked_example(), None).unwrap());
    let Ok(report) = check_notes(&String::from_utf8_lossy(data), "fuzz.txt", d) else {
        return;
    };
    let world = learner_world(d, &report);
    for mark in &report.marks {
        assert!(!mark.describe(d, &world).is_empty());
    }
});
