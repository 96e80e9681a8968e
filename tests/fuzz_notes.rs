//! Fuzzing the notes parser of `check` (proptest-driven, so it runs in `cargo test`): random
//! bytes, soups of names, numbers and separators, and mutations of valid notes.
//!
//! The property: checking never panics; notes that parse are marked line by line, and every
//! mark can be described.

use backprop::check::{check_derivation as check_notes, render};
use backprop::derivation::Derivation;
use backprop::Spec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};

const SEED_NOTES: &str = include_str!("data/seed_notes.txt");

/// A second network with other names: two hidden layers, per-unit biases, softmax outputs.
const SOFTMAX_SPEC: &str = r#"inputs = 2
loss = "cross_entropy"
[optimizer]
kind = "momentum"
learning_rate = 0.1
[[layers]]
units = 2
activation = "tanh"
weights = [[0.1, -0.2], [0.3, 0.4]]
bias = [0.5, -0.5]
[[layers]]
units = 2
activation = "relu"
weights = [[0.2, 0.1], [-0.3, 0.6]]
bias = 0.1
[[layers]]
units = 2
activation = "softmax"
weights = [[0.7, -0.1], [0.2, 0.3]]
bias = [0.0, 0.1]
[data]
inputs = [[1.0, 2.0], [0.5, -1.0]]
targets = [[1.0, 0.0], [0.0, 1.0]]
"#;

const PIECES: [&str; 30] = [
    "=",
    ":",
    "==",
    "#",
    "\n",
    " ",
    "\t",
    "0.3775",
    "-4.2e-2",
    "−0.04",
    "1e9999",
    "1e-9999",
    "0.",
    ".5",
    "+",
    "-",
    "1e",
    "00000000000000000000000000000000001",
    "nan",
    "inf",
    "٣",
    "s1.",
    "s0.",
    "s99.",
    "grad.",
    "new.",
    "delta_",
    "z_",
    "\u{feff}",
    "\r",
];

fn derivations() -> Vec<Derivation> {
    let softmax = Spec::parse(SOFTMAX_SPEC, "softmax.toml").unwrap();
    vec![
        Derivation::from_spec(&Spec::worked_example(), None).unwrap(),
        Derivation::from_spec(&softmax, None).unwrap(),
        Derivation::from_spec(&softmax, Some(2)).unwrap(),
    ]
}

/// Every quantity of the derivation written out right: notes that get full marks.
fn full_notes(d: &Derivation) -> String {
    d.graph
        .nodes()
        .iter()
        .map(|n| format!("{} = {}\n", n.name, n.value))
        .collect()
}

/// Checks the notes; returns whether they parsed.
fn exercise(text: &str, d: &Derivation) -> bool {
    let Ok(report) = check_notes(text, "fuzz.txt", d) else {
        return false;
    };
    for claim in &report.claims {
        assert!(!render::describe(claim).is_empty());
    }
    assert!(!report.summary.text.is_empty());
    true
}

fn run<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    text: impl Fn(S::Value, &Derivation) -> String,
) {
    let ds = derivations();
    let parsed = std::cell::Cell::new(0usize);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(0..ds.len(), strategy), |(k, value)| {
            if exercise(&text(value, &ds[k]), &ds[k]) {
                parsed.set(parsed.get() + 1);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    println!("fuzz notes {name}: {cases} cases, {} parsed", parsed.get());
}

#[test]
fn the_seeds_check() {
    let ds = derivations();
    assert!(exercise(SEED_NOTES, &ds[0]));
    for d in &ds {
        let report = check_notes(&full_notes(d), "full.txt", d).unwrap();
        assert!(report.all_correct());
    }
}

#[test]
fn random_bytes_never_panic() {
    run(
        "random bytes",
        3000,
        proptest::collection::vec(any::<u8>(), 0..300),
        |bytes, _| String::from_utf8_lossy(&bytes).into_owned(),
    );
}

/// Names of the derivation and hostile pieces, strung together.
#[test]
fn soups_of_names_and_numbers_never_panic() {
    run(
        "soups",
        3000,
        proptest::collection::vec((any::<Index>(), any::<bool>()), 0..30),
        |parts, d| {
            let nodes = d.graph.nodes();
            parts
                .iter()
                .map(|(i, name)| {
                    if *name {
                        nodes[i.index(nodes.len())].name.clone()
                    } else {
                        PIECES[i.index(PIECES.len())].to_string()
                    }
                })
                .collect()
        },
    );
}

/// Valid notes (the seed notes, or every value right) with lines deleted, duplicated or cut,
/// and pieces inserted.
#[test]
fn mutated_notes_never_panic() {
    let edit = prop_oneof![
        (any::<Index>(), Just(0u8), any::<Index>()),
        (any::<Index>(), Just(1u8), any::<Index>()),
        (any::<Index>(), Just(2u8), any::<Index>()),
        (any::<Index>(), Just(3u8), any::<Index>()),
    ];
    run(
        "mutated",
        5000,
        (any::<bool>(), proptest::collection::vec(edit, 1..5)),
        |(seed, edits), d| {
            let text = if seed {
                SEED_NOTES.to_string()
            } else {
                full_notes(d)
            };
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            for (at, kind, what) in edits {
                if lines.is_empty() {
                    break;
                }
                let k = at.index(lines.len());
                match kind {
                    0 => {
                        lines.remove(k);
                    }
                    1 => {
                        let line = lines[k].clone();
                        lines.insert(k, line);
                    }
                    2 => {
                        let cut = what.index(lines[k].len() + 1);
                        let keep: String = lines[k].bytes().take(cut).map(char::from).collect();
                        lines[k] = keep;
                    }
                    _ => {
                        let p = what.index(PIECES.len());
                        lines[k] = format!("{}{}", lines[k], PIECES[p]);
                    }
                }
            }
            lines.join("\n")
        },
    );
}
