//! Fuzzing the spec parser (proptest-driven, so it runs in `cargo test`): random bytes, and
//! mutations of valid specs (spans deleted, tokens inserted or swapped in, lines duplicated).
//!
//! The property: parsing never panics; a spec that parses also builds its network in either
//! dtype, its inline data loads, one epoch of training either runs or stops with a NaN/infinity
//! error, and a finite trained network survives a model-file round trip unchanged.

use backprop::{model_file, AnyModel, Dataset, Dtype, Error, Float, ModelFile, Spec, Trainer};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};

/// Keeps the networks a mutation can ask for small (a mutated `units = 2` can become 4294967296).
const MEMORY_LIMIT: u64 = 64 << 20;

const SEEDS: [&str; 5] = [
    r#"inputs = 4
loss = "cross_entropy"
[optimizer]
kind = "adam"
learning_rate = 0.01
[[layers]]
units = 5
activation = "tanh"
[[layers]]
units = 3
activation = "softmax"
[training]
batch_size = 16
seed = 3
[data]
path = "builtin:iris"
target = "label"
validation = 0.1
test = 0.2
classes = ["setosa", "versicolor", "virginica"]
"#,
    backprop::spec::WORKED_EXAMPLE,
    r#"inputs = 3
loss = "cross_entropy"
dtype = "f32"
[optimizer]
kind = "adam"
learning_rate = 0.01
[[layers]]
units = 4
activation = "relu"
init = "he"
[[layers]]
units = 2
activation = "softmax"
bias = "per_unit"
[training]
batch_size = 2
seed = 3
[data]
inputs = [[1.0, 2.0, 3.0], [0.0, -1.0, 0.5], [4.0, 4.0, 4.0]]
targets = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
"#,
    r#"inputs = 2
loss = "bce"
[optimizer]
kind = "momentum"
learning_rate = 0.1
momentum = 0.5
[[layers]]
units = 2
activation = "tanh"
weights = [[0.1, -0.2], [0.3, 0.4]]
bias = [0.5, -0.5]
[[layers]]
units = 1
activation = "sigmoid"
bias = "shared"
[data]
inputs = [[0.0, 1.0], [1.0, 0.0]]
targets = [[1.0], [0.0]]
"#,
    r#"inputs = 1
loss = "mse"
[optimizer]
learning_rate = 0.5
[[layers]]
units = 1
activation = "leaky_relu"
init = "uniform"
"#,
];

const TOKENS: [&str; 48] = [
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "inf",
    "-inf",
    "1000000",
    "4294967296",
    "18446744073709551615",
    "99999999999999999999",
    "0.0",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "\"",
    "=",
    ",",
    "\n",
    "#",
    "units",
    "weights",
    "bias",
    "activation",
    "loss",
    "softmax",
    "sigmoid",
    "relu",
    "\"cross_entropy\"",
    "\"bce\"",
    "\"per_unit\"",
    "\"shared\"",
    "[]",
    "[[]]",
    "\n[[layers]]\nunits = 1\nactivation = \"linear\"\n",
    "\n[data]\n",
    "\n[training]\n",
    "true",
    "\"\"",
    "é",
    "\u{0}",
    "batch_size = 0",
    "epochs",
    "init = \"he\"",
];

/// Numbers swapped in for numbers of a seed: edge cases of every numeric field.
const NUMBERS: [&str; 16] = [
    "0",
    "1",
    "-1",
    "2",
    "3",
    "0.0",
    "-0.5",
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "inf",
    "1000000",
    "4294967296",
    "18446744073709551615",
    "99999999999999999999",
];

/// Names swapped in for the quoted names of a seed (activations, losses, optimizers, inits …).
const NAMES: [&str; 18] = [
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "linear",
    "softmax",
    "half_sse",
    "mse",
    "cross_entropy",
    "bce",
    "sgd",
    "momentum",
    "adam",
    "xavier",
    "he",
    "shared",
    "f32",
    "swish",
];

/// One edit at a position of the text.
#[derive(Clone, Debug)]
enum Edit {
    Delete(Index, usize),
    Insert(Index, usize),
    Replace(Index, usize),
    DuplicateLine(Index),
    /// Replace the i-th number of the text.
    Number(Index, usize),
    /// Replace the i-th quoted name of the text.
    Name(Index, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), 1..12usize).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<Index>(), 0..TOKENS.len()).prop_map(|(i, t)| Edit::Insert(i, t)),
        (any::<Index>(), 0..TOKENS.len()).prop_map(|(i, t)| Edit::Replace(i, t)),
        any::<Index>().prop_map(Edit::DuplicateLine),
        (any::<Index>(), 0..NUMBERS.len()).prop_map(|(i, t)| Edit::Number(i, t)),
        (any::<Index>(), 0..NUMBERS.len()).prop_map(|(i, t)| Edit::Number(i, t)),
        (any::<Index>(), 0..NAMES.len()).prop_map(|(i, t)| Edit::Name(i, t)),
    ]
}

fn apply(seed: &str, edits: &[Edit]) -> String {
    let mut text = seed.as_bytes().to_vec();
    for e in edits {
        let at = |i: &Index| i.index(text.len() + 1);
        match e {
            Edit::Delete(i, n) => {
                let start = at(i);
                let end = (start + n).min(text.len());
                text.drain(start..end);
            }
            Edit::Insert(i, t) => {
                let p = at(i);
                text.splice(p..p, TOKENS[*t].bytes());
            }
            Edit::Replace(i, t) => {
                // The word (run of non-space, non-bracket bytes) at the position.
                let p = at(i).min(text.len());
                let word = |b: &u8| !b" \n=[],\"".contains(b);
                let start = text[..p]
                    .iter()
                    .rposition(|b| !word(b))
                    .map_or(0, |s| s + 1);
                let end = text[p..]
                    .iter()
                    .position(|b| !word(b))
                    .map_or(text.len(), |e| p + e);
                text.splice(start..end, TOKENS[*t].bytes());
            }
            Edit::DuplicateLine(i) => {
                let p = at(i).min(text.len());
                let start = text[..p]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |s| s + 1);
                let end = text[p..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(text.len(), |e| p + e + 1);
                let line = text[start..end].to_vec();
                text.splice(end..end, line);
            }
            Edit::Number(i, t) => {
                let spans = spans(
                    &text,
                    |b| b.is_ascii_digit() || b"-+.e".contains(&b),
                    |b| b.is_ascii_digit(),
                );
                if !spans.is_empty() {
                    let (a, b) = spans[i.index(spans.len())];
                    text.splice(a..b, NUMBERS[*t].bytes());
                }
            }
            Edit::Name(i, t) => {
                let spans = spans(
                    &text,
                    |b| b.is_ascii_alphanumeric() || b == b'_',
                    |b| b.is_ascii_lowercase(),
                );
                let quoted: Vec<_> = spans
                    .into_iter()
                    .filter(|&(a, b)| a > 0 && text[a - 1] == b'"' && text.get(b) == Some(&b'"'))
                    .collect();
                if !quoted.is_empty() {
                    let (a, b) = quoted[i.index(quoted.len())];
                    text.splice(a..b, NAMES[*t].bytes());
                }
            }
        }
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// How far an input got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reached {
    Refused,
    Parsed,
    Trained,
}

/// The maximal runs of bytes in `inside` that start with a byte in `first`.
fn spans(
    text: &[u8],
    inside: impl Fn(u8) -> bool,
    first: impl Fn(u8) -> bool,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < text.len() {
        let starts_word = k == 0 || !inside(text[k - 1]);
        if starts_word && first(text[k]) {
            let end = (k..text.len())
                .find(|&e| !inside(text[e]))
                .unwrap_or(text.len());
            out.push((k, end));
            k = end;
        } else {
            k += 1;
        }
    }
    out
}

/// Everything a parsed spec promises.
fn exercise(text: &str) -> Reached {
    let Ok(spec) = Spec::parse(text, "fuzz.toml") else {
        return Reached::Refused;
    };
    match spec.dtype {
        Dtype::F32 => exercise_typed::<f32>(&spec),
        Dtype::F64 => exercise_typed::<f64>(&spec),
    }
}

fn exercise_typed<F: Float>(spec: &Spec) -> Reached {
    let mut net = spec
        .network::<F>()
        .expect("a spec that validates builds its network");
    // The data: a built-in set through the whole preparation (split, standardisation, class
    // encoding), or the inline rows.
    let data = if spec
        .data
        .as_ref()
        .and_then(|d| d.path.as_deref())
        .is_some_and(|p| p.starts_with("builtin:"))
    {
        match spec.prepare::<F>(std::path::Path::new("")) {
            Ok(prepared) => prepared.train,
            Err(_) => return Reached::Parsed,
        }
    } else {
        let Ok(Some((x, t, _))) = spec.inline_data() else {
            return Reached::Parsed;
        };
        match Dataset::<F>::from_f64(&x, &t, net.inputs, net.outputs()) {
            Ok(d) => d,
            Err(e) => panic!("inline data that loads makes a dataset: {e}"),
        }
    };
    let n = data.len();
    let mut trainer = Trainer::new(&net, &spec.trainer_config(), n);
    match trainer.epoch(&mut net, &data) {
        Ok(_) | Err(Error::NonFinite(_)) => {}
        Err(e) => panic!("training a valid spec failed with {e}"),
    }
    if net.params.iter().all(|p| p.is_finite()) {
        let model = ModelFile::new(net.clone());
        let bytes = model_file::to_bytes_model(&model).expect("a finite model serialises");
        let back = match model_file::from_bytes(&bytes).expect("its own bytes load") {
            AnyModel::F32(m) => m.network.cast::<F>(),
            AnyModel::F64(m) => m.network.cast::<F>(),
        };
        assert_eq!(back, net);
    }
    Reached::Trained
}

/// Runs `cases` inputs from `strategy` through [`exercise`]; returns how many were refused,
/// parsed, and trained (printed with `--nocapture`).
fn fuzz<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    text: impl Fn(S::Value) -> String,
) -> [usize; 3] {
    backprop::io::limits::set_memory_limit(Some(MEMORY_LIMIT));
    let counts = std::cell::Cell::new([0usize; 3]);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |value| {
        let reached = exercise(&text(value));
        let mut c = counts.get();
        c[reached as usize] += 1;
        counts.set(c);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    let c = counts.get();
    println!(
        "fuzz {name}: {cases} cases: {} refused, {} parsed, {} trained",
        c[0], c[1], c[2]
    );
    c
}

#[test]
fn random_bytes_never_panic() {
    fuzz(
        "random bytes",
        3000,
        proptest::collection::vec(any::<u8>(), 0..400),
        |bytes| String::from_utf8_lossy(&bytes).into_owned(),
    );
}

#[test]
fn random_text_from_spec_tokens_never_panics() {
    fuzz(
        "spec tokens",
        3000,
        proptest::collection::vec(0..TOKENS.len(), 0..40),
        |parts| {
            parts
                .iter()
                .map(|&k| TOKENS[k])
                .collect::<Vec<_>>()
                .join(" ")
        },
    );
}

#[test]
fn mutated_specs_never_panic() {
    let [_, parsed, trained] = fuzz(
        "mutated specs",
        10_000,
        (0..SEEDS.len(), proptest::collection::vec(edit(), 1..4)),
        |(seed, edits)| apply(SEEDS[seed], &edits),
    );
    // The mutations must not all be refused by the parser, or they test nothing past it.
    assert!(
        parsed + trained >= 250,
        "{} of 5000 parsed",
        parsed + trained
    );
    assert!(trained >= 100, "{trained} of 5000 trained");
}

/// The seeds themselves are valid, so the mutations start from specs that get all the way
/// through `exercise`.
#[test]
fn the_seeds_parse() {
    for seed in SEEDS {
        let expected = if seed.contains("[data]") {
            Reached::Trained
        } else {
            Reached::Parsed
        };
        assert_eq!(exercise(seed), expected);
    }
}
