//! Model files in the safetensors format: the network's parameters as tensors, its architecture
//! in the metadata, so that a file alone is enough to predict. Loadable by Python's
//! `safetensors` and PyTorch.
//!
//! Tensors: `layers.{i}.weight` `[units, inputs]`, `layers.{i}.bias` `[units]` (or `[1]` when the
//! layer shares one bias), `i` counted from 0; optionally `optimizer.first`/`optimizer.second`
//! (momentum velocity, Adam moments, flat in parameter order), `training.best` (the best
//! validation epoch's parameters, flat), `data.feature_mean`/`_std` and
//! `data.target_mean`/`_std` (standardisation), and any extra tensors a caller adds. Metadata
//! (all strings): `format = "backprop"`, `version`, `inputs`, `loss`, `dtype`, `layers` (JSON:
//! `[{"units":2,"activation":"sigmoid","bias":"shared"}]`), `optimizer` (JSON, when the state is
//! saved), `training` (JSON: the run's [`TrainingState`]), `history` (JSON: one record per
//! epoch of the run), `data.task`, `data.classes`,
//! `data.features`, `data.targets` (the data the network was trained on), with one-hot CSV
//! columns `data.columns` (JSON: `[{"name":"size"},{"name":"colour","categories":["blue","red"]}]`),
//! with `[data] missing` other than `"error"` `data.missing` (and for `"mean"`/`"median"` the
//! tensor `data.feature_fill`, the value that fills each missing input), and any extra keys.
//!
//! This module is the one owner of every key: other modules hand it a [`DataInfo`] or a
//! [`Trainer`] and get them back, never a key. Writes go through [`crate::io::atomic`].

use crate::data::{DataInfo, Encoding, InputColumn, Missing, Standardizer, Task};
use crate::engine::activation::Activation;
use crate::engine::float::{Dtype, Float};
use crate::engine::loss::Loss;
use crate::engine::memory;
use crate::engine::network::{BiasKind, LayerShape, Network};
use crate::engine::optim::{Optimizer, OptimizerConfig, OptimizerKind};
use crate::error::{Error, Result};
use crate::io::{atomic, limits};
use crate::train::record::EpochRecord;
use crate::train::trainer::{Trainer, TrainingState};
use safetensors::tensor::{SafeTensorError, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub const FORMAT: &str = "backprop";
pub const VERSION: &str = "1";
/// The extra tensor that keeps the best validation epoch's parameters.
pub const BEST: &str = "training.best";

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
    /// A network alone.
    pub fn new(network: Network<F>) -> Self {
        ModelFile {
            network,
            optimizer: None,
            tensors: BTreeMap::new(),
            metadata: BTreeMap::new(),
        }
    }

    /// A trained run: the network, the data it was trained on, the trainer's state.
    pub fn of_run(network: &Network<F>, info: &DataInfo, trainer: &Trainer<F>) -> Self {
        let mut model = ModelFile::new(network.clone());
        model.store_data_info(info);
        model.store_training(trainer);
        model
    }

    /// Keeps the description of the data the network was trained on (metadata `data.task`,
    /// `data.classes`, `data.features`, `data.targets`; tensors `data.feature_mean`,
    /// `data.feature_std`, and for a standardised regression `data.target_mean`,
    /// `data.target_std`).
    pub fn store_data_info(&mut self, info: &DataInfo) {
        let json = |v: &[String]| serde_json::to_string(v).expect("serialisable");
        let model = self;
        let m = &mut model.metadata;
        match &info.task {
            Task::Classification { classes } => {
                m.insert("data.task".into(), "classification".into());
                m.insert("data.classes".into(), json(classes));
            }
            Task::Regression { .. } => {
                m.insert("data.task".into(), "regression".into());
            }
        }
        m.insert("data.features".into(), json(&info.feature_names));
        m.insert("data.targets".into(), json(&info.target_names));
        let enc = &info.encoding;
        if !enc.all_numbers() {
            let columns: Vec<ColumnMeta> = enc
                .columns
                .iter()
                .map(|c| ColumnMeta {
                    name: c.name.clone(),
                    categories: c.categories.clone(),
                })
                .collect();
            m.insert(
                "data.columns".into(),
                serde_json::to_string(&columns).expect("serialisable"),
            );
        }
        if enc.missing != Missing::Error {
            m.insert("data.missing".into(), enc.missing.name().into());
        }
        if let Some(fill) = &enc.fill {
            model.tensors.insert(
                "data.feature_fill".into(),
                (
                    vec![fill.len()],
                    fill.iter().map(|&v| F::from_f64(v)).collect(),
                ),
            );
        }
        for (prefix, s) in [("feature", &info.features), ("target", &info.targets)] {
            if let Some(s) = s {
                for (name, values) in [("mean", &s.mean), ("std", &s.std)] {
                    model.tensors.insert(
                        format!("data.{prefix}_{name}"),
                        (
                            vec![values.len()],
                            values.iter().map(|&v| F::from_f64(v)).collect(),
                        ),
                    );
                }
            }
        }
    }

    /// Reads what [`ModelFile::store_data_info`] wrote; a model file without it gets
    /// [`DataInfo::unnamed`]. Errors are `Error::Config` (the caller adds the file name).
    pub fn data_info(&self) -> Result<DataInfo> {
        let model = self;
        let net = &model.network;
        let m = &model.metadata;
        let Some(task) = m.get("data.task") else {
            return Ok(DataInfo::unnamed(net.loss, net.inputs, net.outputs()));
        };
        let list = |key: &str| -> Result<Vec<String>> {
            let text = m
                .get(key)
                .ok_or_else(|| Error::Config(format!("metadata has `data.task` but no `{key}`")))?;
            serde_json::from_str(text)
                .map_err(|e| Error::Config(format!("metadata {key} is not a JSON list ({e})")))
        };
        let feature_names = list("data.features")?;
        let target_names = list("data.targets")?;
        let task = match task.as_str() {
            "classification" => Task::Classification {
                classes: list("data.classes")?,
            },
            "regression" => Task::Regression {
                targets: target_names.clone(),
            },
            other => {
                return Err(Error::Config(format!(
                    "metadata data.task is `{other}`, expected `classification` or `regression`"
                )))
            }
        };
        let scaler = |prefix: &str, len: usize| -> Result<Option<Standardizer>> {
            let get = |name: &str| -> Result<Option<Vec<f64>>> {
                let key = format!("data.{prefix}_{name}");
                match model.tensors.get(&key) {
                    None => Ok(None),
                    Some((shape, v)) if shape == &[len] => {
                        Ok(Some(v.iter().map(|x| x.to_f64()).collect()))
                    }
                    Some((shape, _)) => Err(Error::Config(format!(
                        "tensor {key} has shape {shape:?}, expected [{len}]"
                    ))),
                }
            };
            match (get("mean")?, get("std")?) {
                (Some(mean), Some(std)) => {
                    crate::data::checks::statistics(prefix, &mean, &std)?;
                    Ok(Some(Standardizer { mean, std }))
                }
                (None, None) => Ok(None),
                _ => Err(Error::Config(format!(
                    "the model file has only one of data.{prefix}_mean and data.{prefix}_std"
                ))),
            }
        };
        let outputs = net.outputs();
        let fits = match &task {
            Task::Classification { classes } => {
                target_names.len() == 1
                    && (classes.len() == outputs || (outputs == 1 && classes.len() == 2))
            }
            Task::Regression { targets } => targets.len() == outputs,
        };
        if !fits {
            return Err(Error::Config(format!(
                "metadata data.classes / data.targets do not fit the network's {outputs} outputs"
            )));
        }
        if feature_names.len() != net.inputs {
            return Err(Error::Config(format!(
                "metadata data.features names {} features, but the network has {} inputs",
                feature_names.len(),
                net.inputs
            )));
        }
        let encoding = model.encoding(&feature_names)?;
        Ok(DataInfo {
            encoding,
            features: scaler("feature", net.inputs)?,
            targets: scaler("target", net.outputs())?,
            task,
            feature_names,
            target_names,
        })
    }

    /// The encoding of the CSV columns (metadata `data.columns`, `data.missing`; tensor
    /// `data.feature_fill`), checked against the feature names; number columns alone when the
    /// file has none.
    fn encoding(&self, feature_names: &[String]) -> Result<Encoding> {
        let m = &self.metadata;
        let bad = |m: String| Error::Config(m);
        let mut enc = Encoding::numbers(feature_names);
        if let Some(text) = m.get("data.columns") {
            let columns: Vec<ColumnMeta> = serde_json::from_str(text)
                .map_err(|e| bad(format!("metadata data.columns is not valid ({e})")))?;
            enc.columns = columns
                .into_iter()
                .map(|c| InputColumn {
                    name: c.name,
                    categories: c.categories,
                })
                .collect();
            if enc.feature_names() != feature_names {
                return Err(bad(
                    "metadata data.columns does not fit data.features (the one-hot columns are not those of the features)".into(),
                ));
            }
        }
        if let Some(name) = m.get("data.missing") {
            enc.missing = Missing::from_name(name).ok_or_else(|| {
                bad(format!(
                    "metadata data.missing is `{name}`, expected `error`, `drop`, `mean` or `median`"
                ))
            })?;
        }
        match self.tensors.get("data.feature_fill") {
            Some((shape, v)) if shape == &[feature_names.len()] => {
                let fill: Vec<f64> = v.iter().map(|x| x.to_f64()).collect();
                if let Some(k) = fill.iter().position(|x| !x.is_finite()) {
                    return Err(bad(format!(
                        "tensor data.feature_fill[{k}] is {}, expected a finite number",
                        fill[k]
                    )));
                }
                enc.fill = Some(fill);
            }
            Some((shape, _)) => {
                return Err(bad(format!(
                    "tensor data.feature_fill has shape {shape:?}, expected [{}]",
                    feature_names.len()
                )))
            }
            None => {}
        }
        if enc.missing.imputes() != enc.fill.is_some() {
            return Err(bad(format!(
                "metadata data.missing is `{}` but the file {} tensor data.feature_fill",
                enc.missing.name(),
                if enc.fill.is_some() {
                    "has a"
                } else {
                    "has no"
                }
            )));
        }
        Ok(enc)
    }

    /// Keeps a run: the trainer's optimizer (hyper-parameters and state) and its
    /// [`TrainingState`] (metadata `training`).
    pub fn store_training(&mut self, trainer: &Trainer<F>) {
        // The optimizer's state, with the configured learning rate (not the last scheduled one).
        let mut optimizer = trainer.optimizer.clone();
        optimizer.config.learning_rate = trainer.base_learning_rate();
        self.optimizer = Some(optimizer);
        let s = &trainer.state;
        let state = serde_json::json!({
            "epoch": s.epochs_done,
            "best_validation_loss": if s.best_validation_loss.is_finite() {
                Some(s.best_validation_loss)
            } else {
                None
            },
            "epochs_since_best": s.epochs_since_best,
            "epoch_position": s.epoch_position,
            "epoch_partial_loss": s.epoch_partial_loss,
            "best_epoch": s.best_epoch,
            "planned_epochs": s.planned_epochs,
            "seed": trainer.seed(),
        });
        self.metadata.insert("training".into(), state.to_string());
        self.metadata.insert(
            "history".into(),
            serde_json::to_string(&trainer.history).expect("serialisable"),
        );
        match &trainer.best_params {
            Some(best) => {
                self.tensors
                    .insert(BEST.into(), (vec![best.len()], best.clone()));
            }
            None => {
                self.tensors.remove(BEST);
            }
        }
    }

    /// A saved run's history (metadata `history`, empty in files from before it was kept) and
    /// the best validation epoch's parameters (tensor `training.best`), for
    /// [`Trainer::history`] and [`Trainer::best_params`].
    pub fn run_history(&self) -> Result<(Vec<EpochRecord>, Option<Vec<F>>)> {
        let history = match self.metadata.get("history") {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| Error::Config(format!("metadata history is not valid ({e})")))?,
            None => Vec::new(),
        };
        let best = match self.tensors.get(BEST) {
            Some((_, b)) if b.len() == self.network.params.len() => Some(b.clone()),
            Some((_, b)) => {
                return Err(Error::Config(format!(
                    "tensor {BEST} has {} values, expected {} (one per parameter)",
                    b.len(),
                    self.network.params.len()
                )))
            }
            None => None,
        };
        Ok((history, best))
    }

    /// The seed the run was trained with (its split and shuffling), when the file keeps it.
    pub fn training_seed(&self) -> Option<u64> {
        let text = self.metadata.get("training")?;
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        value.get("seed")?.as_u64()
    }

    /// What [`ModelFile::store_training`] kept, to continue the run: the state and the
    /// optimizer. Errors are `Error::Config` (the caller adds the file name).
    pub fn training(&self) -> Result<(TrainingState, &Optimizer<F>)> {
        let bad = |m: String| Error::Config(m);
        let text = self.metadata.get("training").ok_or_else(|| {
            bad("metadata has no `training` state (was it saved by `backprop train`?)".into())
        })?;
        #[derive(serde::Deserialize)]
        struct State {
            epoch: usize,
            best_validation_loss: Option<f64>,
            epochs_since_best: usize,
            #[serde(default)]
            epoch_position: usize,
            #[serde(default)]
            epoch_partial_loss: f64,
            #[serde(default)]
            best_epoch: Option<usize>,
            #[serde(default)]
            planned_epochs: Option<usize>,
        }
        let state: State = serde_json::from_str(text)
            .map_err(|e| bad(format!("metadata training is not valid ({e})")))?;
        let optimizer = self.optimizer.as_ref().ok_or_else(|| {
            bad("the file holds no optimizer state, so training cannot resume exactly".into())
        })?;
        let state = TrainingState {
            epochs_done: state.epoch,
            best_validation_loss: state.best_validation_loss.unwrap_or(f64::INFINITY),
            epochs_since_best: state.epochs_since_best,
            epoch_position: state.epoch_position,
            epoch_partial_loss: state.epoch_partial_loss,
            best_epoch: state.best_epoch,
            planned_epochs: state.planned_epochs,
        };
        Ok((state, optimizer))
    }
}

/// A model file of either dtype, as loaded.
#[derive(Clone, Debug, PartialEq)]
pub enum AnyModel {
    F32(ModelFile<f32>),
    F64(ModelFile<f64>),
}

/// One CSV column in metadata `data.columns`.
#[derive(Serialize, Deserialize)]
struct ColumnMeta {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    categories: Option<Vec<String>>,
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
    let bytes =
        safetensors::serialize(views, &Some(meta)).map_err(|e| Error::Config(e.to_string()))?;
    Ok(with_sorted_header(bytes))
}

/// The same file with its JSON header's keys in sorted order, so that the same model always
/// gives the same bytes (`safetensors` writes the metadata in a hash map's order, which differs
/// from run to run). The header stays padded with spaces to a multiple of 8 bytes; the tensors'
/// offsets count from the end of the header, so they stay valid.
fn with_sorted_header(bytes: Vec<u8>) -> Vec<u8> {
    let len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes[8..8 + len]).expect("safetensors wrote JSON");
    // serde_json's maps are ordered by key.
    let mut text = header.to_string().into_bytes();
    text.resize(text.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + text.len() + bytes.len() - 8 - len);
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(&text);
    out.extend_from_slice(&bytes[8 + len..]);
    out
}

/// Writes the model atomically. A network holding a NaN or an infinity is refused, so that a
/// diverged run never replaces a good model or checkpoint.
pub fn save<F: Float>(path: &Path, model: &ModelFile<F>) -> Result<()> {
    let net = &model.network;
    if let Some(k) = net.params.iter().position(|p| !p.is_finite()) {
        let names = crate::engine::notation::parameter_names(&net.layers);
        return Err(Error::NonFinite(format!(
            "{}: not written (any previous file is kept): parameter {} is {}",
            path.display(),
            names[k],
            net.params[k]
        )));
    }
    let bytes = to_bytes_model(model)?;
    atomic::write_atomically(path, &bytes)
}

/// Reads a model file of either dtype.
pub fn load(path: &Path) -> Result<AnyModel> {
    crate::io::read::regular(path, "a model file")?;
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    limits::check_file(path.display(), "reading this model file", size as u128)?;
    let bytes = crate::io::read::within_memory(path, "a model file", 1)?;
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

/// A model file of dtype `F`, in steps: the architecture from the metadata, the memory it
/// needs checked, then the network's tensors, the optimizer's, and the rest.
fn parse_typed<F: Float>(st: &SafeTensors, meta: &HashMap<String, String>) -> Result<ModelFile<F>> {
    let arch = Architecture::read(meta)?;
    // The metadata alone decides the allocation, so it is checked before anything is allocated.
    limits::check(
        &format!(
            "the network in this model file ({} parameters)",
            memory::parameter_count(arch.inputs, &arch.shapes)
        ),
        memory::training_bytes(
            arch.inputs,
            &arch.shapes,
            F::DTYPE.size_of(),
            arch.optimizer
                .as_ref()
                .map_or(0, |o| o.kind.state_vectors()),
            1,
        ),
    )?;
    let mut used = std::collections::HashSet::new();
    let network = read_network::<F>(st, &arch, &mut used)?;
    let optimizer = match &arch.optimizer {
        Some(m) => Some(read_optimizer(st, m, network.params.len(), &mut used)?),
        None => None,
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

/// The network and optimizer a model file's metadata describe.
struct Architecture {
    inputs: usize,
    loss: Loss,
    shapes: Vec<LayerShape>,
    optimizer: Option<OptimizerMeta>,
}

impl Architecture {
    /// Reads `inputs`, `loss`, `layers` and `optimizer` (present: the caller checked).
    fn read(meta: &HashMap<String, String>) -> Result<Architecture> {
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
        let shapes = layers
            .iter()
            .map(|l| LayerShape {
                units: l.units,
                activation: l.activation,
                bias: l.bias,
            })
            .collect();
        let optimizer = match meta.get("optimizer") {
            None => None,
            Some(json) => Some(
                serde_json::from_str::<OptimizerMeta>(json)
                    .map_err(|e| bad(format!("metadata optimizer is not valid ({e})")))?,
            ),
        };
        Ok(Architecture {
            inputs,
            loss,
            shapes,
            optimizer,
        })
    }
}

/// The network's weights and biases, `layers.{i}.weight` and `layers.{i}.bias`.
fn read_network<F: Float>(
    st: &SafeTensors,
    arch: &Architecture,
    used: &mut std::collections::HashSet<String>,
) -> Result<Network<F>> {
    let mut network = Network::<F>::new(arch.inputs, &arch.shapes, arch.loss)?;
    for i in 0..network.layers.len() {
        let layer = network.layers[i].clone();
        let (weight, bias) = (format!("layers.{i}.weight"), format!("layers.{i}.bias"));
        let w = read_tensor::<F>(st, &weight, &[layer.units, layer.inputs])?;
        network.weights_mut(i).copy_from_slice(&w);
        let b = read_tensor::<F>(st, &bias, &[layer.bias_count()])?;
        network.bias_mut(i).copy_from_slice(&b);
        used.insert(weight);
        used.insert(bias);
    }
    Ok(network)
}

/// The optimizer: hyper-parameters and step count from the metadata, its state vectors from
/// `optimizer.first` / `optimizer.second`.
fn read_optimizer<F: Float>(
    st: &SafeTensors,
    m: &OptimizerMeta,
    params: usize,
    used: &mut std::collections::HashSet<String>,
) -> Result<Optimizer<F>> {
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
        .map_err(|e| Error::Config(format!("metadata {e}")))?;
    let mut opt = Optimizer::<F>::new(config, params);
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
    Ok(opt)
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
