//! Fuzzing the model-file loader (proptest-driven, so it runs in `cargo test`): random bytes,
//! every truncation of valid files, bit flips, and metadata values swapped for hostile ones.
//!
//! The property: loading never panics and never allocates past the memory limit; a file that
//! loads is usable (a forward pass runs) and holds only finite numbers.

use backprop::data::{DataInfo, Encoding, InputColumn, Missing, Standardizer, Task};
use backprop::{
    model_file, Activation, AnyModel, BiasKind, Float, LayerShape, Loss, ModelFile, Network,
    Optimizer, OptimizerConfig, OptimizerKind, Workspace,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};

const MEMORY_LIMIT: u64 = 64 << 20;

/// Valid model files of both dtypes, with and without optimizer state and extra tensors.
fn valid_files() -> Vec<Vec<u8>> {
    let shape = |units, activation, bias| LayerShape {
        units,
        activation,
        bias,
    };
    let mut files = Vec::new();
    let mut worked = Network::<f64>::new(
        2,
        &[
            shape(2, Activation::Sigmoid, BiasKind::Shared),
            shape(1, Activation::Sigmoid, BiasKind::Shared),
        ],
        Loss::HalfSse,
    )
    .unwrap();
    for (k, p) in worked.params.iter_mut().enumerate() {
        *p = 0.05 * k as f64 + 0.15;
    }
    files.push(model_file::to_bytes_model(&ModelFile::new(worked)).unwrap());

    let mut net = Network::<f32>::new(
        3,
        &[
            shape(4, Activation::Relu, BiasKind::PerUnit),
            shape(3, Activation::Softmax, BiasKind::PerUnit),
        ],
        Loss::CrossEntropy,
    )
    .unwrap();
    for (k, p) in net.params.iter_mut().enumerate() {
        *p = (k as f32 * 0.37).sin();
    }
    let mut model = ModelFile::new(net.clone());
    let mut adam = Optimizer::new(
        OptimizerConfig::new(OptimizerKind::Adam, 0.01),
        net.params.len(),
    );
    adam.steps = 7;
    adam.first.iter_mut().for_each(|v| *v = 0.5);
    model.optimizer = Some(adam);
    model
        .tensors
        .insert("standardize.mean".into(), (vec![3], vec![1.0, 2.0, 3.0]));
    model.metadata.insert("note".into(), "fuzz seed".into());
    files.push(model_file::to_bytes_model(&model).unwrap());

    // With the data description `train` stores: class names, feature names, standardisation,
    // a one-hot column and the values that fill missing ones.
    let mut model = ModelFile::new(net);
    let encoding = Encoding {
        columns: vec![
            InputColumn {
                name: "x".into(),
                categories: None,
            },
            InputColumn {
                name: "c".into(),
                categories: Some(vec!["p".into(), "q".into()]),
            },
        ],
        missing: Missing::Mean,
        fill: Some(vec![1.5, 0.0, 1.0]),
    };
    let info = DataInfo {
        task: Task::Classification {
            classes: vec!["a".into(), "b".into(), "c".into()],
        },
        feature_names: encoding.feature_names(),
        encoding,
        target_names: vec!["label".into()],
        features: Some(Standardizer {
            mean: vec![1.0, 2.0, 3.0],
            std: vec![0.5, 1.0, 2.0],
        }),
        targets: None,
    };
    model.store_data_info(&info);
    files.push(model_file::to_bytes_model(&model).unwrap());
    files
}

/// Loads `bytes`; if they load, runs the model once. Returns whether they loaded.
fn exercise(bytes: &[u8]) -> bool {
    match model_file::from_bytes(bytes) {
        Ok(AnyModel::F32(m)) => use_model(&m),
        Ok(AnyModel::F64(m)) => use_model(&m),
        Err(_) => return false,
    }
    true
}

fn use_model<F: Float>(m: &ModelFile<F>) {
    let net = &m.network;
    assert!(net.params.iter().all(|p| p.is_finite()), "a loaded NaN");
    let mut raw = vec![0.5; net.inputs];
    // What `predict` does with the data description, when the file's is usable.
    if let Ok(info) = m.data_info() {
        assert_eq!(info.feature_names.len(), net.inputs);
        info.scale_features(&mut raw);
    }
    let x: Vec<F> = raw.iter().map(|&v| F::from_f64(v)).collect();
    let mut ws = Workspace::new(net, 1);
    assert_eq!(net.forward(&x, 1, &mut ws).len(), net.outputs());
}

fn run<S: Strategy>(name: &str, cases: u32, strategy: S, bytes: impl Fn(S::Value) -> Vec<u8>) {
    backprop::io::limits::set_memory_limit(Some(MEMORY_LIMIT));
    let loaded = std::cell::Cell::new(0usize);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |v| {
            if exercise(&bytes(v)) {
                loaded.set(loaded.get() + 1);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    println!("fuzz {name}: {cases} cases, {} loaded", loaded.get());
}

#[test]
fn the_valid_files_load() {
    for f in valid_files() {
        assert!(exercise(&f));
    }
}

#[test]
fn random_bytes_never_panic() {
    run(
        "random bytes",
        3000,
        proptest::collection::vec(any::<u8>(), 0..600),
        |b| b,
    );
}

/// A plausible header (8-byte length, then JSON) over random tensor entries.
#[test]
fn random_headers_never_panic() {
    let entry = (
        "[a-z.0-9]{1,12}",
        prop_oneof![Just("F32"), Just("F64"), Just("I64"), Just("BF16")],
        proptest::collection::vec(0..5usize, 0..3),
        0..64usize,
        0..64usize,
    );
    run(
        "random headers",
        3000,
        (proptest::collection::vec(entry, 0..4), 0..256usize),
        |(entries, data)| {
            let tensors: Vec<String> = entries
                .iter()
                .map(|(name, dtype, shape, a, b)| {
                    format!(
                        "\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape:?},\"data_offsets\":[{a},{b}]}}"
                    )
                })
                .collect();
            let header = format!(
                "{{\"__metadata__\":{{\"format\":\"backprop\",\"inputs\":\"2\",\"loss\":\"mse\",\"dtype\":\"f64\",\"layers\":\"[{{\\\"units\\\":1,\\\"activation\\\":\\\"linear\\\",\\\"bias\\\":\\\"shared\\\"}}]\"}}{}{}}}",
                if tensors.is_empty() { "" } else { "," },
                tensors.join(",")
            );
            let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
            bytes.extend_from_slice(header.as_bytes());
            bytes.extend(std::iter::repeat_n(0x3f, data));
            bytes
        },
    );
}

/// Every proper prefix of a valid file is refused (and none panics).
#[test]
fn every_truncation_is_refused() {
    for file in valid_files() {
        for len in 0..file.len() {
            assert!(!exercise(&file[..len]), "a prefix of {len} bytes loaded");
        }
    }
}

#[test]
fn bit_flips_never_panic() {
    let files = valid_files();
    run(
        "bit flips",
        5000,
        (
            0..files.len(),
            proptest::collection::vec((any::<Index>(), 0..8u8), 1..5),
        ),
        |(f, flips)| {
            let mut bytes = files[f].clone();
            for (i, bit) in flips {
                let k = i.index(bytes.len());
                bytes[k] ^= 1 << bit;
            }
            bytes
        },
    );
}

/// Metadata values replaced by hostile ones: huge or zero sizes, bad JSON, unknown names.
#[test]
fn hostile_metadata_never_panics() {
    const VALUES: [&str; 17] = [
        "regression",
        "[\"a\",\"b\"]",
        "[\"x\",\"y\",\"z\"]",
        "0",
        "-1",
        "18446744073709551615",
        "1e400",
        "",
        "[]",
        "{",
        "[{\"units\":1000000000,\"activation\":\"relu\",\"bias\":\"per_unit\"},{\"units\":1000000000,\"activation\":\"linear\",\"bias\":\"shared\"}]",
        "[{\"units\":0,\"activation\":\"relu\",\"bias\":\"per_unit\"}]",
        "[{\"units\":3,\"activation\":\"softmax\",\"bias\":\"per_unit\"},{\"units\":1,\"activation\":\"linear\",\"bias\":\"shared\"}]",
        "{\"kind\":\"adam\",\"learning_rate\":-1,\"momentum\":0.9,\"beta1\":0.9,\"beta2\":0.999,\"eps\":1e-8,\"steps\":1}",
        "{\"kind\":\"adam\",\"learning_rate\":0.1,\"momentum\":0.9,\"beta1\":0.9,\"beta2\":0.999,\"eps\":1e-8,\"steps\":18446744073709551615}",
        "f16",
        "cross_entropy",
    ];
    const KEYS: [&str; 11] = [
        "format",
        "inputs",
        "loss",
        "dtype",
        "layers",
        "optimizer",
        "version",
        "data.task",
        "data.classes",
        "data.features",
        "data.targets",
    ];
    let files = valid_files();
    run(
        "hostile metadata",
        3000,
        (0..files.len(), 0..KEYS.len(), 0..VALUES.len()),
        |(f, k, v)| with_metadata(&files[f], KEYS[k], VALUES[v]),
    );
}

/// The file with one metadata value replaced (the header is re-encoded, the data kept).
fn with_metadata(file: &[u8], key: &str, value: &str) -> Vec<u8> {
    let n = u64::from_le_bytes(file[..8].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&file[8..8 + n]).unwrap();
    header["__metadata__"][key] = serde_json::Value::String(value.into());
    let text = serde_json::to_string(&header).unwrap();
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&file[8 + n..]);
    out
}

/// Regression: a file whose Adam state claims u64::MAX steps must resume without an overflow
/// (the step counter used to wrap, and `t as i32` to turn negative, making β^t blow up).
#[test]
fn an_absurd_step_count_resumes_with_finite_updates() {
    let file = with_metadata(
        &valid_files()[1],
        "optimizer",
        "{\"kind\":\"adam\",\"learning_rate\":0.1,\"momentum\":0.9,\"beta1\":0.9,\"beta2\":0.999,\"eps\":1e-8,\"steps\":18446744073709551615}",
    );
    let Ok(AnyModel::F32(mut m)) = model_file::from_bytes(&file) else {
        panic!("the file loads")
    };
    let mut opt = m.optimizer.take().expect("optimizer state");
    let grads = vec![1.0f32; m.network.params.len()];
    let before = m.network.params.clone();
    opt.step(&mut m.network.params, &grads);
    // With β₁ᵗ = β₂ᵗ = 0 (t huge) Adam's corrections are 1: m = 0.9·0.5 + 0.1·1 = 0.55 (the
    // file's first moment is 0.5), v = 0.999·0 + 0.001·1² = 0.001, so every parameter moves by
    // η·m/(√v + ε) = 0.1·0.55/(√0.001 + 1e-8) ≈ 1.73925.
    let expected = 0.1 * 0.55 / (0.001f64.sqrt() + 1e-8);
    for (a, b) in before.iter().zip(&m.network.params) {
        let moved = (a - b) as f64;
        assert!((moved / expected - 1.0).abs() < 1e-4, "{a} → {b}"); // f32 round-off
    }
}
