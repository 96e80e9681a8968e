//! Model files in the safetensors format: the network's parameters as tensors, its architecture
//! in the metadata, so that a file alone is enough to predict. Loadable by Python's
//! `safetensors` and PyTorch.
//!
//! Tensors: `layers.{i}.weight` `[units, inputs]`, `layers.{i}.bias` `[units]` (or `[1]` when the
//! layer shares one bias), `i` counted from 0; optionally `optimizer.first`/`optimizer.second`
//! (momentum velocity, Adam moments, flat in parameter order) and any extra tensors a caller adds
//! (e.g. standardisation statistics). Metadata (all strings): `format = "backprop"`, `version`,
//! `inputs`, `loss`, `dtype`, `layers` (JSON: `[{"units":2,"activation":"sigmoid","bias":"shared"}]`),
//! `optimizer` (JSON, when the state is saved) and any extra keys.
//!
//! Writes are atomic: a temporary file in the same folder, fsync, rename, fsync of the folder.

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::float::{Dtype, Float};
use crate::limits;
use crate::loss::Loss;
use crate::network::{BiasKind, LayerShape, Network};
use crate::optim::{Optimizer, OptimizerConfig, OptimizerKind};
use safetensors::tensor::{SafeTensorError, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

pub const FORMAT: &str = "backprop";
pub const VERSION: &str = "1";

/// A network with what travels with it.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelFile<F> {
    pub network: Network<F>,
    /// Optimizer state, so that training can resume exactly.
    pub optimizer: Option<Optimizer<F>>,
    /// Other tensors: name → (shape, values), in the network's dtype.
    pub tensors: BTreeMap<String, (Vec<usize>, Vec<F>)>,
    /// Other metadata: key → string.
    pub metadata: BTreeMap<String, String>,
}

impl<F: Float> ModelFile<F> {
    pub fn new(network: Network<F>) -> Self {
        ModelFile {
            network,
            optimizer: None,
            tensors: BTreeMap::new(),
            metadata: BTreeMap::new(),
        }
    }
}

/// A model file of either dtype, as loaded.
#[derive(Clone, Debug, PartialEq)]
pub enum AnyModel {
    F32(ModelFile<f32>),
    F64(ModelFile<f64>),
}

#[derive(Serialize, Deserialize)]
struct LayerMeta {
    units: usize,
    activation: Activation,
    bias: BiasKind,
}

#[derive(Serialize, Deserialize)]
struct OptimizerMeta {
    kind: OptimizerKind,
    learning_rate: f64,
    momentum: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    steps: u64,
    #[serde(default)]
    nesterov: bool,
    #[serde(default = "default_alpha")]
    alpha: f64,
    #[serde(default)]
    weight_decay: f64,
    #[serde(default)]
    decay_biases: bool,
    #[serde(default)]
    clip_norm: Option<f64>,
}

/// RMSprop's α in files written before it existed.
fn default_alpha() -> f64 {
    0.99
}

fn safetensors_dtype(d: Dtype) -> safetensors::Dtype {
    match d {
        Dtype::F32 => safetensors::Dtype::F32,
        Dtype::F64 => safetensors::Dtype::F64,
    }
}

fn to_bytes<F: Float>(values: &[F]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * F::DTYPE.size_of());
    for &v in values {
        v.write_le(&mut out);
    }
    out
}

/// The file's bytes.
pub fn to_bytes_model<F: Float>(model: &ModelFile<F>) -> Result<Vec<u8>> {
    let net = &model.network;
    let mut named: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (i, layer) in net.layers.iter().enumerate() {
        named.push((
            format!("layers.{i}.weight"),
            vec![layer.units, layer.inputs],
            to_bytes(net.weights(i)),
        ));
        named.push((
            format!("layers.{i}.bias"),
            vec![layer.bias_count()],
            to_bytes(net.bias(i)),
        ));
    }
    let mut meta: HashMap<String, String> = model
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    meta.insert("format".into(), FORMAT.into());
    meta.insert("version".into(), VERSION.into());
    meta.insert("inputs".into(), net.inputs.to_string());
    meta.insert("loss".into(), net.loss.name().into());
    meta.insert("dtype".into(), F::DTYPE.name().into());
    let layers: Vec<LayerMeta> = net
        .layers
        .iter()
        .map(|l| LayerMeta {
            units: l.units,
            activation: l.activation,
            bias: l.bias,
        })
        .collect();
    meta.insert(
        "layers".into(),
        serde_json::to_string(&layers).expect("serialisable"),
    );
    if let Some(opt) = &model.optimizer {
        let c = &opt.config;
        let m = OptimizerMeta {
            kind: c.kind,
            learning_rate: c.learning_rate,
            momentum: c.momentum,
            beta1: c.beta1,
            beta2: c.beta2,
            eps: c.eps,
            steps: opt.steps,
            nesterov: c.nesterov,
            alpha: c.alpha,
            weight_decay: c.weight_decay,
            decay_biases: c.decay_biases,
            clip_norm: c.clip_norm,
        };
        meta.insert(
            "optimizer".into(),
            serde_json::to_string(&m).expect("serialisable"),
        );
        for (name, state) in [
            ("optimizer.first", &opt.first),
            ("optimizer.second", &opt.second),
        ] {
            if !state.is_empty() {
                named.push((name.into(), vec![state.len()], to_bytes(state)));
            }
        }
    }
    for (name, (shape, values)) in &model.tensors {
        named.push((name.clone(), shape.clone(), to_bytes(values)));
    }
    let dtype = safetensors_dtype(F::DTYPE);
    let views: Vec<(String, TensorView)> = named
        .iter()
        .map(|(n, s, b)| {
            let view = TensorView::new(dtype, s.clone(), b)
                .map_err(|e| Error::Config(format!("tensor {n}: {e}")))?;
            Ok((n.clone(), view))
        })
        .collect::<Result<_>>()?;
    safetensors::serialize(views, &Some(meta)).map_err(|e| Error::Config(e.to_string()))
}

/// Writes the model atomically. A network holding a NaN or an infinity is refused, so that a
/// diverged run never replaces a good model or checkpoint.
pub fn save<F: Float>(path: &Path, model: &ModelFile<F>) -> Result<()> {
    let net = &model.network;
    if let Some(k) = net.params.iter().position(|p| !p.is_finite()) {
        let names = crate::notation::parameter_names(&net.layers);
        return Err(Error::NonFinite(format!(
            "{}: not written (any previous file is kept): parameter {} is {}",
            path.display(),
            names[k],
            net.params[k]
        )));
    }
    let bytes = to_bytes_model(model)?;
    write_atomically(path, &bytes)
}

/// Checks, before a long run, that [`write_atomically`] will be able to write `path`: its folder
/// exists and takes a new file, and `path` is not a folder. Creates and removes the temporary
/// file, nothing else.
pub fn check_writable(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::File {
            file: path.display().to_string(),
            message: "is a directory, expected the name of a file to write".into(),
        });
    }
    let tmp = temporary_path(path)?;
    std::fs::File::create(&tmp).map_err(|e| Error::io(path, e))?;
    std::fs::remove_file(&tmp).map_err(|e| Error::io(&tmp, e))
}

/// The temporary file beside `path` that a write goes through: `.NAME.tmp-PID`.
fn temporary_path(path: &Path) -> Result<std::path::PathBuf> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Config(format!("{}: not a file name", path.display())))?;
    Ok(dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    )))
}

/// Writes `bytes` to `path` so that a reader (or a crash) sees either the old file or the new
/// one, whole: a temporary file beside it, fsync, rename over, fsync of the folder.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temporary_path(path)?;
    let dir = tmp
        .parent()
        .map_or(std::path::PathBuf::from("."), Path::to_path_buf);
    remove_stale_temporaries(path, &dir);
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Removes the temporary files an earlier writer of `path` left when it was killed mid-write:
/// `.NAME.tmp-PID` beside it, whose process no longer runs (known on Linux from `/proc`;
/// elsewhere nothing is removed).
fn remove_stale_temporaries(path: &Path, dir: &Path) {
    let Some(name) = path.file_name() else { return };
    let prefix = format!(".{}.tmp-", name.to_string_lossy());
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let alive = Path::new("/proc").join(pid).exists();
        if pid.parse::<u32>().is_ok() && !alive {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Reads a model file of either dtype.
pub fn load(path: &Path) -> Result<AnyModel> {
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    limits::check_file(path.display(), "reading this model file", size as u128)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(&bytes).map_err(|e| e.in_file(path.display()))
}

/// Parses a model file's bytes; errors are `Error::Config` (the caller adds the file name).
pub fn from_bytes(bytes: &[u8]) -> Result<AnyModel> {
    let bad = |m: String| Error::Config(m);
    // A model file starts with a binary length; a text file in its place is most likely a
    // spec, a CSV or notes given where the model goes.
    if bytes.len() >= 8
        && bytes[..8]
            .iter()
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
    {
        return Err(bad(
            "a text file, not a model: expected a safetensors file written by `backprop train --save`"
                .into(),
        ));
    }
    let invalid =
        |e: SafeTensorError| bad(format!("not a valid safetensors file: {}", describe(e)));
    let st = SafeTensors::deserialize(bytes).map_err(invalid)?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(invalid)?;
    let meta = header.metadata().clone().unwrap_or_default();
    let get = |key: &str| -> Result<&String> {
        meta.get(key).ok_or_else(|| {
            bad(format!(
                "metadata has no `{key}` (not a backprop model file? expected keys format, inputs, loss, dtype, layers)"
            ))
        })
    };
    for key in ["inputs", "loss", "layers"] {
        get(key)?;
    }
    if get("format")? != FORMAT {
        return Err(bad(format!(
            "metadata format is `{}`, expected `{FORMAT}`",
            get("format")?
        )));
    }
    let dtype: Dtype = get("dtype")?
        .parse()
        .map_err(|e| bad(format!("metadata dtype: {e}")))?;
    match dtype {
        Dtype::F32 => Ok(AnyModel::F32(parse_typed(&st, &meta)?)),
        Dtype::F64 => Ok(AnyModel::F64(parse_typed(&st, &meta)?)),
    }
}

fn parse_typed<F: Float>(st: &SafeTensors, meta: &HashMap<String, String>) -> Result<ModelFile<F>> {
    let bad = |m: String| Error::Config(m);
    let inputs: usize = meta["inputs"].parse().map_err(|_| {
        bad(format!(
            "metadata inputs is `{}`, expected a whole number",
            meta["inputs"]
        ))
    })?;
    let loss = Loss::from_name(&meta["loss"]).ok_or_else(|| {
        bad(format!(
            "metadata loss is `{}`, expected one of half_sse, mse, cross_entropy, bce",
            meta["loss"]
        ))
    })?;
    let layers: Vec<LayerMeta> = serde_json::from_str(&meta["layers"])
        .map_err(|e| bad(format!("metadata layers is not valid ({e})")))?;
    let shapes: Vec<LayerShape> = layers
        .iter()
        .map(|l| LayerShape {
            units: l.units,
            activation: l.activation,
            bias: l.bias,
        })
        .collect();
    let optimizer_kind = match meta.get("optimizer") {
        None => None,
        Some(json) => Some(
            serde_json::from_str::<OptimizerMeta>(json)
                .map_err(|e| bad(format!("metadata optimizer is not valid ({e})")))?
                .kind,
        ),
    };
    // The metadata alone decides the allocation, so it is checked before anything is allocated.
    limits::check(
        &format!(
            "the network in this model file ({} parameters)",
            limits::parameter_count(inputs, &shapes)
        ),
        limits::training_bytes(
            inputs,
            &shapes,
            F::DTYPE.size_of(),
            optimizer_kind.map_or(0, limits::optimizer_states),
            1,
        ),
    )?;
    let mut network = Network::<F>::new(inputs, &shapes, loss)?;
    let mut used = std::collections::HashSet::new();
    for i in 0..network.layers.len() {
        let layer = network.layers[i].clone();
        let w = read_tensor::<F>(
            st,
            &format!("layers.{i}.weight"),
            &[layer.units, layer.inputs],
        )?;
        network.weights_mut(i).copy_from_slice(&w);
        let b = read_tensor::<F>(st, &format!("layers.{i}.bias"), &[layer.bias_count()])?;
        network.bias_mut(i).copy_from_slice(&b);
        used.insert(format!("layers.{i}.weight"));
        used.insert(format!("layers.{i}.bias"));
    }
    let optimizer = match meta.get("optimizer") {
        None => None,
        Some(json) => {
            let m: OptimizerMeta = serde_json::from_str(json)
                .map_err(|e| bad(format!("metadata optimizer is not valid ({e})")))?;
            let mut config = OptimizerConfig::new(m.kind, m.learning_rate);
            config.momentum = m.momentum;
            config.beta1 = m.beta1;
            config.beta2 = m.beta2;
            config.eps = m.eps;
            config.nesterov = m.nesterov;
            config.alpha = m.alpha;
            config.weight_decay = m.weight_decay;
            config.decay_biases = m.decay_biases;
            config.clip_norm = m.clip_norm;
            config
                .validate()
                .map_err(|e| bad(format!("metadata {e}")))?;
            let mut opt = Optimizer::<F>::new(config, network.params.len());
            opt.steps = m.steps;
            for (name, state) in [
                ("optimizer.first", &mut opt.first),
                ("optimizer.second", &mut opt.second),
            ] {
                if !state.is_empty() {
                    let len = state.len();
                    state.copy_from_slice(&read_tensor::<F>(st, name, &[len])?);
                    used.insert(name.to_string());
                }
            }
            Some(opt)
        }
    };
    let mut tensors = BTreeMap::new();
    for (name, view) in st.tensors() {
        if used.contains(&name) {
            continue;
        }
        let shape = view.shape().to_vec();
        let values = read_tensor::<F>(st, &name, &shape)?;
        tensors.insert(name, (shape, values));
    }
    let reserved = [
        "format",
        "version",
        "inputs",
        "loss",
        "dtype",
        "layers",
        "optimizer",
    ];
    let metadata = meta
        .iter()
        .filter(|(k, _)| !reserved.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(ModelFile {
        network,
        optimizer,
        tensors,
        metadata,
    })
}

fn read_tensor<F: Float>(st: &SafeTensors, name: &str, shape: &[usize]) -> Result<Vec<F>> {
    let view = st.tensor(name).map_err(|_| {
        Error::Config(format!(
            "tensor {name} is missing (the metadata's layers need it)"
        ))
    })?;
    if view.shape() != shape {
        return Err(Error::Config(format!(
            "tensor {name} has shape {:?}, expected {:?} from the metadata",
            view.shape(),
            shape
        )));
    }
    if view.dtype() != safetensors_dtype(F::DTYPE) {
        return Err(Error::Config(format!(
            "tensor {name} is {}, expected {} (the metadata's dtype)",
            format!("{:?}", view.dtype()).to_lowercase(),
            F::DTYPE.name()
        )));
    }
    let size = F::DTYPE.size_of();
    let values: Vec<F> = view.data().chunks_exact(size).map(F::read_le).collect();
    if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
        return Err(Error::Config(format!(
            "tensor {name} holds {bad}, expected finite numbers"
        )));
    }
    Ok(values)
}

/// What a safetensors parse error means, in words.
fn describe(e: SafeTensorError) -> String {
    use SafeTensorError as E;
    match e {
        E::HeaderTooSmall => "shorter than the 8-byte header length".into(),
        E::HeaderTooLarge => "the header length (first 8 bytes) is over 100 MB".into(),
        E::InvalidHeaderLength => {
            "the header length (first 8 bytes) runs past the end of the file (truncated?)".into()
        }
        E::InvalidHeader => "the header is not UTF-8 text".into(),
        E::InvalidHeaderStart | E::InvalidHeaderDeserialization | E::JsonError(_) => {
            "the header is not the JSON safetensors expects".into()
        }
        E::MetadataIncompleteBuffer => {
            "the tensors' data does not end where the file does (truncated, or bytes appended)"
                .into()
        }
        E::InvalidOffset(name) => format!("tensor {name} has invalid data offsets"),
        E::TensorInvalidInfo => "a tensor's shape and dtype do not match its data size".into(),
        E::ValidationOverflow => "a tensor's shape is too large to be real".into(),
        E::TensorNotFound(name) => format!("tensor {name} is missing"),
        E::InvalidTensorView(dtype, shape, len) => format!(
            "a {} tensor of shape {shape:?} cannot hold {len} bytes",
            format!("{dtype:?}").to_lowercase()
        ),
        E::IoError(e) => e.to_string(),
    }
}
