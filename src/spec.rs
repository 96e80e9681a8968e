//! The spec file (TOML): a network, its loss and optimizer, how to train it and on what.
//! Every field is documented in README ("The spec file").

use crate::config_err;
pub use crate::data::config::{DataSpec, InlineData, TargetColumns};
use crate::data::{self, DataShape, Pick, Prepared, StepRows};
use crate::engine::activation::Activation;
use crate::engine::float::{Dtype, Float};
pub use crate::engine::init::Init;
use crate::engine::loss::Loss;
use crate::engine::memory;
use crate::engine::network::{BiasKind, LayerShape, Network};
use crate::engine::optim::{OptimizerConfig, OptimizerKind};
use crate::engine::schedule::Schedule;
pub use crate::engine::schedule::ScheduleKind;
use crate::error::{Error, Result};
use crate::io::limits;
use crate::train::fit::Plan;
use crate::train::trainer::{Trainer, TrainerConfig, DEFAULT_BATCH_SIZE};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

/// The worked example of the seed notes, as a spec: 2-2-1 sigmoid, shared biases, half_sse,
/// SGD η = 0.5, one batch of two samples.
pub const WORKED_EXAMPLE: &str = include_str!("../examples/01-worked-example.toml");

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Number of input features. Left out (0 as parsed), it is taken from `[data]` when the
    /// spec is parsed ([`crate::data::infer`]).
    #[serde(default)]
    pub inputs: usize,
    /// Inverted dropout on the inputs while training: the probability p of dropping each
    /// input value (default 0).
    pub input_dropout: Option<f64>,
    pub loss: Loss,
    #[serde(default)]
    pub dtype: Dtype,
    pub optimizer: OptimizerSpec,
    pub layers: Vec<LayerSpec>,
    #[serde(default)]
    pub training: TrainingSpec,
    #[serde(default)]
    pub data: Option<DataSpec>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OptimizerSpec {
    #[serde(default = "default_kind")]
    pub kind: OptimizerKind,
    pub learning_rate: f64,
    pub momentum: Option<f64>,
    pub beta1: Option<f64>,
    pub beta2: Option<f64>,
    pub eps: Option<f64>,
    /// Nesterov momentum (kind `momentum`; default false).
    #[serde(default)]
    pub nesterov: bool,
    /// RMSprop's smoothing constant (default 0.99).
    pub alpha: Option<f64>,
    /// λ (default 0; 0.01 for `adamw`).
    pub weight_decay: Option<f64>,
    /// Weight decay on the biases too (default false).
    #[serde(default)]
    pub decay_biases: bool,
    /// Clip the gradient's global L2 norm to this before each update (default: no clipping).
    pub clip_norm: Option<f64>,
}

fn default_kind() -> OptimizerKind {
    OptimizerKind::Sgd
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LayerSpec {
    /// Left out on the output layer (0 as parsed), taken from `[data]` and the loss when the
    /// spec is parsed.
    #[serde(default)]
    pub units: usize,
    pub activation: Activation,
    /// One row per unit, one column per input of the layer.
    pub weights: Option<Vec<Vec<f64>>>,
    pub bias: Option<BiasSpec>,
    pub init: Option<Init>,
    /// Inverted dropout on this layer's outputs while training: the probability p of dropping
    /// each (default 0; not on the output layer).
    pub dropout: Option<f64>,
}

/// `bias = 0.35` (one shared by the layer), `bias = [0.1, 0.2]` (one per unit), or
/// `bias = "shared"` / `"per_unit"` (initialised to zero).
#[derive(Clone, Debug, PartialEq)]
pub enum BiasSpec {
    Shared(f64),
    PerUnit(Vec<f64>),
    Kind(BiasKind),
}

/// What `bias` accepts, for error messages.
const BIAS_EXPECTED: &str =
    "a number (one bias shared by the layer), a list of numbers (one per unit), \"shared\" or \"per_unit\"";

impl<'de> Deserialize<'de> for BiasSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = BiasSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(BIAS_EXPECTED)
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<BiasSpec, E> {
                Ok(BiasSpec::Shared(v))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<BiasSpec, E> {
                Ok(BiasSpec::Shared(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<BiasSpec, E> {
                Ok(BiasSpec::Shared(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<BiasSpec, E> {
                match v {
                    "shared" => Ok(BiasSpec::Kind(BiasKind::Shared)),
                    "per_unit" => Ok(BiasSpec::Kind(BiasKind::PerUnit)),
                    _ => Err(E::custom(format!(
                        "bias is \"{v}\", expected {BIAS_EXPECTED}"
                    ))),
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<BiasSpec, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element::<f64>()? {
                    values.push(v);
                }
                Ok(BiasSpec::PerUnit(values))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Random initialisation of a layer's weights from `[training] seed` (biases start at 0).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingSpec {
    /// Samples per step; default 32 (the whole data set if smaller).
    pub batch_size: Option<usize>,
    pub epochs: usize,
    /// Reshuffle the training samples every epoch (from `seed`).
    pub shuffle: bool,
    /// Seed of initialisation, shuffling and splitting.
    pub seed: u64,
    /// Stop when the validation loss has not improved for this many epochs (default: never).
    pub patience: Option<usize>,
    /// Learning-rate schedule over the epochs (default `none`).
    pub schedule: ScheduleKind,
    /// `step` schedule: multiply the rate by `gamma` every `step_size` epochs (default 10).
    pub step_size: usize,
    /// `step` schedule's factor (default 0.1).
    pub gamma: f64,
    /// Epochs of linear warm-up before the schedule (default 0).
    pub warmup: usize,
    /// At the end of early stopping, put back the best validation epoch's weights (default
    /// true; false keeps the last epoch's).
    pub restore_best: bool,
}

impl Default for TrainingSpec {
    fn default() -> Self {
        TrainingSpec {
            batch_size: None,
            epochs: 1,
            shuffle: true,
            seed: 0,
            patience: None,
            schedule: ScheduleKind::None,
            step_size: 10,
            gamma: 0.1,
            warmup: 0,
            restore_best: true,
        }
    }
}

impl TrainingSpec {
    /// Checks the epochs, the early-stopping and schedule settings.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::Config(
                "training: epochs is 0, expected at least 1".to_string(),
            ));
        }
        if self.warmup >= self.epochs {
            return config_err!(
                "training: warmup is {} epochs, expected fewer than epochs ({})",
                self.warmup,
                self.epochs
            );
        }
        if self.patience == Some(0) {
            return Err(Error::Config(
                "training: patience is 0, expected at least 1 epoch".to_string(),
            ));
        }
        if self.schedule == ScheduleKind::Step {
            if self.step_size == 0 {
                return Err(Error::Config(
                    "training: step_size is 0, expected at least 1 epoch".to_string(),
                ));
            }
            if !(self.gamma.is_finite() && self.gamma > 0.0) {
                return Err(Error::Config(format!(
                    "training: gamma is {}, expected a finite number > 0",
                    self.gamma
                )));
            }
        }
        Ok(())
    }
}

impl Spec {
    /// Parses a spec; `file` names it in error messages (`spec.toml: line 3, column 8: …`).
    /// `inputs` or the output layer's `units` left out are taken from `[data]`, its paths
    /// relative to the current folder.
    pub fn parse(text: &str, file: &str) -> Result<Spec> {
        Self::parse_in(text, file, std::path::Path::new(""))
    }

    /// Parses a spec whose `[data]` paths are relative to `base` (the spec file's folder).
    pub fn parse_in(text: &str, file: &str, base: &std::path::Path) -> Result<Spec> {
        let mut spec: Spec = toml::from_str(text).map_err(|e| Error::File {
            file: file.to_string(),
            message: toml_message(text, &e),
        })?;
        spec.infer_shape(text, base).map_err(|e| e.in_file(file))?;
        spec.validate().map_err(|e| e.in_file(file))?;
        Ok(spec)
    }

    /// Fills in `inputs` and the output layer's `units` that the spec leaves out, from
    /// `[data]` and the loss ([`crate::data::infer::shape`]). When both are given, nothing is
    /// read here; [`Spec::prepare`] checks them against the data.
    fn infer_shape(&mut self, text: &str, base: &std::path::Path) -> Result<()> {
        let last = self.layers.len().checked_sub(1);
        let unset_output = last.filter(|&l| self.layers[l].units == 0);
        let unset_hidden = self
            .layers
            .iter()
            .take(last.unwrap_or(0))
            .any(|l| l.units == 0);
        if self.inputs != 0 && unset_output.is_none() && !unset_hidden {
            return Ok(());
        }
        // 0 as parsed: left out, or written as 0 (which the network refuses).
        #[derive(Deserialize)]
        struct Given {
            inputs: Option<usize>,
            #[serde(default)]
            layers: Vec<GivenLayer>,
        }
        #[derive(Deserialize)]
        struct GivenLayer {
            units: Option<usize>,
        }
        let given: Given = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        let units_given = |l: usize| given.layers.get(l).is_some_and(|g| g.units.is_some());
        for l in 0..last.unwrap_or(0) {
            if !units_given(l) {
                return config_err!(
                    "layer {}: `units` is missing; only the output layer's units may be left out (they are taken from the data)",
                    l + 1
                );
            }
        }
        let infer_inputs = self.inputs == 0 && given.inputs.is_none();
        let infer_units = unset_output.filter(|&l| !units_given(l));
        if !infer_inputs && infer_units.is_none() {
            return Ok(());
        }
        let what = match (infer_inputs, infer_units) {
            (true, Some(_)) => "`inputs` and the output layer's `units` are",
            (true, None) => "`inputs` is",
            _ => "the output layer's `units` is",
        };
        let Some(data) = &self.data else {
            return config_err!(
                "{what} not given, and there is no [data] to take them from; expected `inputs = N` and `units = N` on every layer"
            );
        };
        data.validate()?;
        let (inputs, outputs) = data::infer::shape(data, base, self.loss)?;
        if infer_inputs {
            self.inputs = inputs;
        }
        if let Some(l) = infer_units {
            self.layers[l].units = outputs;
        }
        Ok(())
    }

    /// Reads and parses a spec file.
    pub fn from_file(path: &std::path::Path) -> Result<Spec> {
        crate::io::read::regular(path, "a spec (TOML)")?;
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len() as u128;
        limits::check_file(
            path.display(),
            &format!(
                "parsing this spec ({}, about {TOML_BYTES_PER_BYTE} bytes of memory per byte of TOML)",
                limits::human(size)
            ),
            size * TOML_BYTES_PER_BYTE,
        )?;
        let text =
            crate::io::read::text_within_memory(path, "a spec (TOML)", TOML_BYTES_PER_BYTE as u64)?;
        let base = path.parent().unwrap_or(std::path::Path::new(""));
        Spec::parse_in(&text, &path.display().to_string(), base)
    }

    /// The worked example of the seed notes.
    pub fn worked_example() -> Spec {
        Spec::parse(WORKED_EXAMPLE, "worked example").expect("the built-in example is valid")
    }

    /// Checks what can be checked without building the network.
    pub fn validate(&self) -> Result<()> {
        self.optimizer_config().validate()?;
        if self.training.batch_size == Some(0) {
            return Err(Error::Config(
                "training: batch_size is 0, expected at least 1".to_string(),
            ));
        }
        self.training.validate()?;
        if let Some(p) = self.input_dropout {
            if !(0.0..1.0).contains(&p) {
                return config_err!("input_dropout is {p}, expected a probability in [0, 1)");
            }
        }
        for (l, layer) in self.layers.iter().enumerate() {
            let Some(p) = layer.dropout else { continue };
            if !(0.0..1.0).contains(&p) {
                return config_err!(
                    "layer {}: dropout is {p}, expected a probability in [0, 1)",
                    l + 1
                );
            }
            if l + 1 == self.layers.len() && p > 0.0 {
                return config_err!(
                    "layer {}: dropout on the output layer is not supported (put it on a hidden layer)",
                    l + 1
                );
            }
        }
        if let Some(d) = &self.data {
            d.validate()?;
        }
        self.check_memory()?;
        // Shapes, loss/activation pairing, explicit weights (in the spec's dtype, where they
        // must not overflow).
        match self.dtype {
            Dtype::F32 => self.network::<f32>().map(drop),
            Dtype::F64 => self.network::<f64>().map(drop),
        }
    }

    /// Refuses a network whose training would need more memory than the limit
    /// ([`crate::io::limits`]), before anything is allocated.
    fn check_memory(&self) -> Result<()> {
        let mut batch = self.training.batch_size.unwrap_or(DEFAULT_BATCH_SIZE);
        if let Some(DataSpec {
            inputs: Some(rows), ..
        }) = &self.data
        {
            batch = batch.min(rows.len().max(1));
        }
        let shapes = self.shapes();
        let bytes = memory::training_bytes(
            self.inputs,
            &shapes,
            self.dtype.size_of(),
            self.optimizer.kind.state_vectors(),
            batch,
        );
        limits::check(
            &format!(
                "training this network ({} parameters, {}, batch of {batch})",
                memory::parameter_count(self.inputs, &shapes),
                self.dtype.name()
            ),
            bytes,
        )
    }

    pub fn optimizer_config(&self) -> OptimizerConfig {
        let o = &self.optimizer;
        let mut c = OptimizerConfig::new(o.kind, o.learning_rate);
        if let Some(m) = o.momentum {
            c.momentum = m;
        }
        if let Some(b) = o.beta1 {
            c.beta1 = b;
        }
        if let Some(b) = o.beta2 {
            c.beta2 = b;
        }
        if let Some(e) = o.eps {
            c.eps = e;
        }
        c.nesterov = o.nesterov;
        if let Some(a) = o.alpha {
            c.alpha = a;
        }
        if let Some(w) = o.weight_decay {
            c.weight_decay = w;
        }
        c.decay_biases = o.decay_biases;
        c.clip_norm = o.clip_norm;
        c
    }

    /// Each layer's dropout rate (0 without).
    pub fn dropout_rates(&self) -> Vec<f64> {
        self.layers
            .iter()
            .map(|l| l.dropout.unwrap_or(0.0))
            .collect()
    }

    /// Gives `trainer` the spec's dropout: each layer's ([`Spec::dropout_rates`]) and the
    /// inputs' (`input_dropout`).
    pub fn apply_dropout<F: Float>(&self, trainer: &mut Trainer<F>, net: &Network<F>) {
        trainer.set_dropout(net, &self.dropout_rates());
        trainer.set_input_dropout(net, self.input_dropout.unwrap_or(0.0));
    }

    /// The layer shapes, without parameters.
    pub fn shapes(&self) -> Vec<LayerShape> {
        self.layers
            .iter()
            .map(|l| LayerShape {
                units: l.units,
                activation: l.activation,
                bias: match &l.bias {
                    Some(BiasSpec::Shared(_)) | Some(BiasSpec::Kind(BiasKind::Shared)) => {
                        BiasKind::Shared
                    }
                    _ => BiasKind::PerUnit,
                },
            })
            .collect()
    }

    /// Builds the network: explicit weights where given, else initialised from `training.seed`.
    pub fn network<F: Float>(&self) -> Result<Network<F>> {
        self.network_with_seed(self.training.seed)
    }

    pub fn network_with_seed<F: Float>(&self, seed: u64) -> Result<Network<F>> {
        let mut net = Network::<F>::new(self.inputs, &self.shapes(), self.loss)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for (l, spec) in self.layers.iter().enumerate() {
            let n = l + 1;
            let (units, fan_in) = (net.layers[l].units, net.layers[l].inputs);
            match (&spec.weights, spec.init) {
                (Some(_), Some(_)) => {
                    return Err(Error::Config(format!(
                        "layer {n}: give either `weights` or `init`, not both"
                    )))
                }
                (Some(rows), None) => {
                    let cols = rows.first().map_or(0, |r| r.len());
                    if rows.len() != units || rows.iter().any(|r| r.len() != cols) || cols != fan_in
                    {
                        let found = if rows.iter().all(|r| r.len() == cols) {
                            format!("{}×{}", rows.len(), cols)
                        } else {
                            format!("{} rows of unequal length", rows.len())
                        };
                        let what = if l == 0 {
                            "`inputs`"
                        } else {
                            "inputs of the previous layer"
                        };
                        return Err(Error::Config(format!(
                            "layer {n}: weights are {found}, expected {units}×{fan_in} (units × {what})"
                        )));
                    }
                    for (k, (dst, &src)) in net
                        .weights_mut(l)
                        .iter_mut()
                        .zip(rows.iter().flatten())
                        .enumerate()
                    {
                        *dst = F::from_f64(src);
                        if !dst.is_finite() {
                            return Err(Error::Config(format!(
                                "layer {n}: weights row {}, column {} is {}, expected a finite {} number",
                                k / fan_in + 1,
                                k % fan_in + 1,
                                show(src),
                                F::DTYPE.name()
                            )));
                        }
                    }
                }
                (None, init) => {
                    let init = init.unwrap_or(Init::default_for(spec.activation));
                    init.fill(net.weights_mut(l), fan_in, units, &mut rng);
                }
            }
            match &spec.bias {
                Some(BiasSpec::Shared(b)) => {
                    let v = F::from_f64(*b);
                    if !v.is_finite() {
                        return Err(Error::Config(format!(
                            "layer {n}: bias is {}, expected a finite {} number",
                            show(*b),
                            F::DTYPE.name()
                        )));
                    }
                    net.bias_mut(l)[0] = v;
                }
                Some(BiasSpec::PerUnit(values)) => {
                    if values.len() != units {
                        return Err(Error::Config(format!(
                            "layer {n}: bias has {} values, expected {units} (one per unit) or a single number (shared)",
                            values.len()
                        )));
                    }
                    for (dst, &src) in net.bias_mut(l).iter_mut().zip(values) {
                        *dst = F::from_f64(src);
                        if !dst.is_finite() {
                            return Err(Error::Config(format!(
                                "layer {n}: bias is {}, expected a finite {} number",
                                show(src),
                                F::DTYPE.name()
                            )));
                        }
                    }
                }
                Some(BiasSpec::Kind(_)) | None => {}
            }
        }
        Ok(net)
    }

    /// The inline `[data]` rows as flat `[n × inputs]` and `[n × outputs]` vectors, checked
    /// against the network's shape. `None` when the spec has no inline data.
    pub fn inline_data(&self) -> Result<Option<InlineData>> {
        match &self.data {
            Some(d) => d.inline_rows(self.inputs, self.outputs()),
            None => Ok(None),
        }
    }

    /// Units of the output layer (0 without layers).
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.units)
    }

    /// How to train: the optimizer, the batch size (default
    /// [`crate::train::trainer::DEFAULT_BATCH_SIZE`]), shuffling and its seed.
    pub fn trainer_config(&self) -> TrainerConfig {
        TrainerConfig {
            optimizer: self.optimizer_config(),
            batch_size: self.training.batch_size.unwrap_or(DEFAULT_BATCH_SIZE),
            shuffle: self.training.shuffle,
            seed: self.training.seed,
        }
    }

    /// How long to train, at what rate, and when to stop early.
    pub fn plan(&self) -> Plan {
        let t = &self.training;
        Plan {
            epochs: t.epochs,
            schedule: Schedule {
                kind: t.schedule,
                base: self.optimizer.learning_rate,
                step_size: t.step_size,
                gamma: t.gamma,
                epochs: t.epochs,
                warmup: t.warmup,
            },
            patience: t.patience,
            restore_best: t.restore_best,
            stop_after: None,
        }
    }

    /// What the network asks of its data.
    pub fn data_shape(&self) -> DataShape {
        DataShape {
            inputs: self.inputs,
            outputs: self.outputs(),
            loss: self.loss,
        }
    }

    /// Loads, splits and standardises `[data]` (paths relative to `base`, the spec's folder).
    pub fn prepare<F: Float>(&self, base: &std::path::Path) -> Result<Prepared<F>> {
        let data = self
            .data
            .as_ref()
            .ok_or_else(|| Error::Config("no [data] to train on".into()))?;
        data::prepare(data, self.data_shape(), self.training.seed, base)
    }

    /// The training rows a written-out step works on (see [`crate::data::batch`]): after
    /// [`Spec::prepare`] (paths relative to `base`), the rows `pick` names.
    pub fn step_rows(&self, base: &std::path::Path, pick: Pick) -> Result<StepRows> {
        let data = self
            .data
            .as_ref()
            .ok_or_else(|| Error::Config("no [data] to work a step on".into()))?;
        let prepared = self.prepare::<f64>(base)?;
        StepRows::pick(&prepared, pick, data.path.as_deref(), data.standardize())
    }
}

/// Memory a TOML parse takes per byte of text, measured on a spec of inline data (15 MB of text,
/// 506 MB resident), rounded up.
const TOML_BYTES_PER_BYTE: u128 = 40;

/// A number as written in a spec: `0.35`, or `1e300` for huge ones (not 301 digits).
fn show(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-5..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// A TOML error as one line: `line L, column C: what`.
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let mut msg = e.message().trim().replace('\n', " ");
    // serde names Rust types; say what to write instead.
    for (rust, plain) in [
        ("expected f64", "expected a number"),
        ("expected usize", "expected a whole number ≥ 0"),
        ("expected u64", "expected a whole number ≥ 0"),
        ("expected u32", "expected a whole number ≥ 0"),
    ] {
        if let Some(rest) = msg.strip_suffix(rust) {
            msg = format!("{rest}{plain}");
        }
    }
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
            format!("line {line}, column {column}: {msg}")
        }
        None => msg,
    }
}
