//! Model files: a round trip, the safetensors layout any reader expects, atomic writes.

use backprop::model_file::{self, AnyModel, ModelFile};
use backprop::{
    Activation, BiasKind, LayerShape, Loss, Network, Optimizer, OptimizerConfig, OptimizerKind,
    Spec,
};

fn net<F: backprop::Float>() -> Network<F> {
    let shapes = [
        LayerShape {
            units: 3,
            activation: Activation::Relu,
            bias: BiasKind::PerUnit,
        },
        LayerShape {
            units: 2,
            activation: Activation::Softmax,
            bias: BiasKind::Shared,
        },
    ];
    let mut n = Network::<F>::new(4, &shapes, Loss::CrossEntropy).unwrap();
    for (k, p) in n.params.iter_mut().enumerate() {
        *p = F::from_f64(k as f64 * 0.125 - 1.0);
    }
    n
}

#[test]
fn round_trip_f64_and_f32_with_optimizer_state_and_extras() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    let mut m = ModelFile::new(net::<f64>());
    let mut opt = Optimizer::new(
        OptimizerConfig::new(OptimizerKind::Adam, 0.01),
        m.network.params.len(),
    );
    opt.first
        .iter_mut()
        .enumerate()
        .for_each(|(k, v)| *v = k as f64);
    opt.second
        .iter_mut()
        .enumerate()
        .for_each(|(k, v)| *v = 2.0 * k as f64);
    opt.steps = 17;
    m.optimizer = Some(opt);
    m.tensors.insert(
        "standardize.mean".into(),
        (vec![4], vec![1.0, 2.0, 3.0, 4.0]),
    );
    m.metadata.insert("classes".into(), "[\"a\",\"b\"]".into());
    model_file::save(&path, &m).unwrap();
    assert_eq!(model_file::load(&path).unwrap(), AnyModel::F64(m));

    let m32 = ModelFile::new(net::<f32>());
    model_file::save(&path, &m32).unwrap();
    assert_eq!(model_file::load(&path).unwrap(), AnyModel::F32(m32));
    // nothing but the model file is left in the folder
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn file_follows_the_safetensors_layout() {
    // The format: 8-byte little-endian header length, a JSON header mapping each tensor to its
    // dtype, shape and byte offsets (plus __metadata__), then the raw little-endian data.
    let spec = Spec::worked_example();
    let n = spec.network::<f64>().unwrap();
    let bytes = model_file::to_bytes_model(&ModelFile::new(n)).unwrap();
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + len]).unwrap();
    let data = &bytes[8 + len..];
    let w0 = &header["layers.0.weight"];
    assert_eq!(w0["dtype"], "F64");
    assert_eq!(w0["shape"], serde_json::json!([2, 2]));
    let b0 = &header["layers.0.bias"];
    assert_eq!(
        b0["shape"],
        serde_json::json!([1]),
        "a shared bias is one value"
    );
    let read = |t: &serde_json::Value| -> Vec<f64> {
        let s = t["data_offsets"][0].as_u64().unwrap() as usize;
        let e = t["data_offsets"][1].as_u64().unwrap() as usize;
        data[s..e]
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    assert_eq!(read(w0), vec![0.15, 0.20, 0.25, 0.30]);
    assert_eq!(read(b0), vec![0.35]);
    assert_eq!(read(&header["layers.1.weight"]), vec![0.40, 0.45]);
    let meta = &header["__metadata__"];
    assert_eq!(meta["format"], "backprop");
    assert_eq!(meta["loss"], "half_sse");
    assert_eq!(meta["dtype"], "f64");
    assert_eq!(meta["inputs"], "2");
    let layers: serde_json::Value = serde_json::from_str(meta["layers"].as_str().unwrap()).unwrap();
    assert_eq!(layers[0]["activation"], "sigmoid");
    assert_eq!(layers[0]["bias"], "shared");
}

#[test]
fn predict_from_a_saved_model_uses_the_stored_architecture() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.safetensors");
    let spec = Spec::worked_example();
    model_file::save(&path, &ModelFile::new(spec.network::<f64>().unwrap())).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(["predict", path.to_str().unwrap(), "--input", "0.05,0.10"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // a_o of sample 1, by hand: σ(0.4·σ(0.3775) + 0.45·σ(0.3925) + 0.6)
    let s = |x: f64| 1.0 / (1.0 + (-x).exp());
    let want = s(0.4 * s(0.3775) + 0.45 * s(0.3925) + 0.6);
    let got: f64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((got - want).abs() < 1e-6, "{got} vs {want}");
}

#[test]
fn a_save_removes_what_a_killed_writer_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    // A temporary file of a writer that no longer runs (no process has pid u32::MAX − 1 on
    // Linux, whose pids stay below 2²²) goes; the user's other files stay.
    let dead = dir
        .path()
        .join(format!(".m.safetensors.tmp-{}", u32::MAX - 1));
    let other = dir.path().join("notes.txt");
    std::fs::write(&dead, b"half a model").unwrap();
    std::fs::write(&other, b"the user's file").unwrap();
    model_file::save(&path, &ModelFile::new(net::<f64>())).unwrap();
    assert!(!dead.exists(), "the stale temporary file is still there");
    assert!(other.exists(), "a file of the user's was removed");
    assert!(path.exists());
}

/// The same run gives the same file, byte for byte: two `backprop train` processes (each with
/// its own hash-map order) on the same spec and seed write identical model files, and the
/// header's keys are in sorted order.
#[test]
fn the_same_run_writes_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/03-iris.toml");
    let mut files = Vec::new();
    for k in 0..3 {
        let path = dir.path().join(format!("m{k}.safetensors"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_backprop"))
            .args(["train", spec, "--quiet", "--epochs", "3", "--save"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        files.push(std::fs::read(&path).unwrap());
    }
    assert_eq!(files[0], files[1]);
    assert_eq!(files[0], files[2]);
    let len = u64::from_le_bytes(files[0][..8].try_into().unwrap()) as usize;
    assert_eq!(len % 8, 0, "the header is padded to 8 bytes");
    let header = std::str::from_utf8(&files[0][8..8 + len]).unwrap();
    let keys: Vec<&str> = [
        "\"__metadata__\"",
        "\"data.classes\"",
        "\"data.features\"",
        "\"version\"",
    ]
    .into_iter()
    .collect();
    let places: Vec<usize> = keys.iter().map(|k| header.find(k).unwrap()).collect();
    assert!(
        places.windows(2).all(|w| w[0] < w[1]),
        "sorted keys: {header}"
    );
    // Python's reader and ours both still read it.
    assert!(model_file::from_bytes(&files[0]).is_ok());
}
