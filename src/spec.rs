//! The spec file (TOML): a network, its loss and optimizer, how to train it and on what.
//! Every field is documented in README ("The spec file").

use crate::activation::Activation;
use crate::config_err;
use crate::error::{Error, Result};
use crate::float::{Dtype, Float};
use crate::limits;
use crate::loss::Loss;
use crate::network::{BiasKind, LayerShape, Network};
use crate::optim::{OptimizerConfig, OptimizerKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

/// The worked example of the seed notes, as a spec: 2-2-1 sigmoid, shared biases, half_sse,
/// SGD η = 0.5, one batch of two samples.
pub const WORKED_EXAMPLE: &str = include_str!("../examples/01-worked-example.toml");

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Number of input features.
    pub inputs: usize,
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
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// Glorot uniform: U(−a, a), a = √(6 / (fan_in + fan_out)). Default for sigmoid/tanh/linear/softmax.
    Xavier,
    /// He uniform: U(−a, a), a = √(6 / fan_in). Default for relu/leaky_relu.
    He,
    /// U(−a, a), a = 1/√fan_in (PyTorch's `nn.Linear` default).
    Uniform,
}

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
            return config_err!("training: epochs is 0, expected at least 1");
        }
        if self.warmup >= self.epochs {
            return config_err!(
                "training: warmup is {} epochs, expected fewer than epochs ({})",
                self.warmup,
                self.epochs
            );
        }
        if self.patience == Some(0) {
            return config_err!("training: patience is 0, expected at least 1 epoch");
        }
        if self.schedule == ScheduleKind::Step {
            if self.step_size == 0 {
                return config_err!("training: step_size is 0, expected at least 1 epoch");
            }
            if !(self.gamma.is_finite() && self.gamma > 0.0) {
                return config_err!(
                    "training: gamma is {}, expected a finite number > 0",
                    self.gamma
                );
            }
        }
        Ok(())
    }
}

/// How the learning rate changes from epoch to epoch (see [`crate::train::Schedule`]).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// The optimizer's `learning_rate` throughout.
    #[default]
    None,
    /// η·γ^⌊epoch / step_size⌋ (PyTorch's `StepLR`).
    Step,
    /// ½η(1 + cos(π·epoch / epochs)) (PyTorch's `CosineAnnealingLR`, minimum 0).
    Cosine,
}

/// Where the training data comes from: inline rows (`inputs`, `targets`), or a file (`path`):
/// a CSV table, MNIST's IDX files (`path` + `labels`), or a built-in set (`"builtin:iris"`).
/// Paths are relative to the spec file's folder.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    pub inputs: Option<Vec<Vec<f64>>>,
    pub targets: Option<Vec<Vec<f64>>>,
    /// A CSV file, an IDX images file (with `labels`), or `builtin:NAME`.
    pub path: Option<String>,
    /// The CSV target column, or several for regression (default: the last column).
    pub target: Option<TargetColumns>,
    /// The IDX labels file that goes with `path`.
    pub labels: Option<String>,
    /// A separate test set, in the same format as `path` (then `test` defaults to 0).
    pub test_path: Option<String>,
    /// The IDX labels of `test_path`.
    pub test_labels: Option<String>,
    /// Fraction of the samples held out for validation (default 0.1).
    pub validation: Option<f64>,
    /// Fraction held out for the final test (default 0.2, or 0 with `test_path`).
    pub test: Option<f64>,
    /// Scale each feature to mean 0, standard deviation 1 (fitted on the training split; for
    /// regression the targets too). Default: true for CSV, false for IDX (pixels are in [0, 1]).
    pub standardize: Option<bool>,
    /// Class names in output order. Default: the distinct labels, sorted (numerically when
    /// they are all integers). An integer label `i` that is not a name here names class `i`.
    pub classes: Option<Vec<String>>,
}

/// `target = "label"` or `target = ["y1", "y2"]`.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetColumns {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for TargetColumns {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = TargetColumns;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a column name (\"label\") or a list of column names ([\"y1\", \"y2\"])",
                )
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<TargetColumns, E> {
                Ok(TargetColumns::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<TargetColumns, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(TargetColumns::Many(names))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl TargetColumns {
    pub fn names(&self) -> Vec<String> {
        match self {
            TargetColumns::One(s) => vec![s.clone()],
            TargetColumns::Many(v) => v.clone(),
        }
    }
}

impl DataSpec {
    /// Default fraction held out for validation.
    pub const VALIDATION: f64 = 0.1;
    /// Default fraction held out for the final test, when there is no `test_path`.
    pub const TEST: f64 = 0.2;

    pub fn validation_fraction(&self) -> f64 {
        self.validation.unwrap_or(Self::VALIDATION)
    }
    pub fn test_fraction(&self) -> f64 {
        self.test.unwrap_or(if self.test_path.is_some() {
            0.0
        } else {
            Self::TEST
        })
    }
    /// Whether the data are IDX files (there is a `labels` file) rather than a CSV table.
    pub fn is_idx(&self) -> bool {
        self.labels.is_some()
    }
    pub fn standardize(&self) -> bool {
        self.standardize.unwrap_or(!self.is_idx())
    }

    /// Checks that the fields fit together.
    pub fn validate(&self) -> Result<()> {
        let inline = self.inputs.is_some() || self.targets.is_some();
        if inline && self.path.is_some() {
            return config_err!(
                "data: give either inline `inputs`/`targets` or a `path`, not both"
            );
        }
        if self.path.is_none() {
            for (name, set) in [
                ("target", self.target.is_some()),
                ("labels", self.labels.is_some()),
                ("test_path", self.test_path.is_some()),
                ("classes", self.classes.is_some()),
            ] {
                if set {
                    return config_err!("data: `{name}` needs a `path` to read from");
                }
            }
        }
        if self.labels.is_some() && self.target.is_some() {
            return config_err!(
                "data: `target` names a CSV column, `labels` an IDX file; give only one of them"
            );
        }
        if self.test_labels.is_some() && self.test_path.is_none() {
            return config_err!("data: `test_labels` needs a `test_path`");
        }
        if self.test_path.is_some() && self.is_idx() != self.test_labels.is_some() {
            return config_err!(
                "data: IDX data need both `test_path` and `test_labels` (and CSV data no `test_labels`)"
            );
        }
        let (v, t) = (self.validation_fraction(), self.test_fraction());
        for (name, x) in [("validation", v), ("test", t)] {
            if !(0.0..1.0).contains(&x) {
                return config_err!("data: {name} is {x}, expected a fraction in [0, 1)");
            }
        }
        if v + t >= 1.0 {
            return config_err!(
                "data: validation + test = {}, expected less than 1 (some samples must be left to train on)",
                v + t
            );
        }
        if let Some(c) = &self.classes {
            let mut seen = std::collections::HashSet::new();
            if let Some(dup) = c.iter().find(|n| !seen.insert(n.as_str())) {
                return config_err!("data: class `{dup}` appears twice in `classes`");
            }
        }
        Ok(())
    }
}

/// Inline rows, flat: inputs `[n × inputs]`, targets `[n × outputs]`, and `n`.
pub type InlineData = (Vec<f64>, Vec<f64>, usize);

impl Spec {
    /// Parses a spec; `file` names it in error messages (`spec.toml: line 3, column 8: …`).
    pub fn parse(text: &str, file: &str) -> Result<Spec> {
        let spec: Spec = toml::from_str(text).map_err(|e| Error::File {
            file: file.to_string(),
            message: toml_message(text, &e),
        })?;
        spec.validate().map_err(|e| e.in_file(file))?;
        Ok(spec)
    }

    /// Reads and parses a spec file.
    pub fn from_file(path: &std::path::Path) -> Result<Spec> {
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
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Spec::parse(&text, &path.display().to_string())
    }

    /// The worked example of the seed notes.
    pub fn worked_example() -> Spec {
        Spec::parse(WORKED_EXAMPLE, "worked example").expect("the built-in example is valid")
    }

    /// Checks what can be checked without building the network.
    pub fn validate(&self) -> Result<()> {
        self.optimizer_config().validate()?;
        if self.training.batch_size == Some(0) {
            return config_err!("training: batch_size is 0, expected at least 1");
        }
        self.training.validate()?;
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
    /// ([`crate::limits`]), before anything is allocated.
    fn check_memory(&self) -> Result<()> {
        let mut batch = self.training.batch_size.unwrap_or(32);
        if let Some(DataSpec {
            inputs: Some(rows), ..
        }) = &self.data
        {
            batch = batch.min(rows.len().max(1));
        }
        let shapes = self.shapes();
        let bytes = limits::training_bytes(
            self.inputs,
            &shapes,
            self.dtype.size_of(),
            limits::optimizer_states(self.optimizer.kind),
            batch,
        );
        limits::check(
            &format!(
                "training this network ({} parameters, {}, batch of {batch})",
                limits::parameter_count(self.inputs, &shapes),
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
                    return config_err!("layer {n}: give either `weights` or `init`, not both")
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
                        return config_err!(
                            "layer {n}: weights are {found}, expected {units}×{fan_in} (units × {what})"
                        );
                    }
                    for (k, (dst, &src)) in net
                        .weights_mut(l)
                        .iter_mut()
                        .zip(rows.iter().flatten())
                        .enumerate()
                    {
                        *dst = F::from_f64(src);
                        if !dst.is_finite() {
                            return config_err!(
                                "layer {n}: weights row {}, column {} is {}, expected a finite {} number",
                                k / fan_in + 1,
                                k % fan_in + 1,
                                show(src),
                                F::DTYPE.name()
                            );
                        }
                    }
                }
                (None, init) => {
                    let init = init.unwrap_or(match spec.activation {
                        Activation::Relu | Activation::LeakyRelu => Init::He,
                        _ => Init::Xavier,
                    });
                    let bound = match init {
                        Init::Xavier => (6.0 / (fan_in + units) as f64).sqrt(),
                        Init::He => (6.0 / fan_in as f64).sqrt(),
                        Init::Uniform => 1.0 / (fan_in as f64).sqrt(),
                    };
                    for w in net.weights_mut(l) {
                        *w = F::from_f64(rng.gen_range(-bound..bound));
                    }
                }
            }
            match &spec.bias {
                Some(BiasSpec::Shared(b)) => {
                    let v = F::from_f64(*b);
                    if !v.is_finite() {
                        return config_err!(
                            "layer {n}: bias is {}, expected a finite {} number",
                            show(*b),
                            F::DTYPE.name()
                        );
                    }
                    net.bias_mut(l)[0] = v;
                }
                Some(BiasSpec::PerUnit(values)) => {
                    if values.len() != units {
                        return config_err!(
                            "layer {n}: bias has {} values, expected {units} (one per unit) or a single number (shared)",
                            values.len()
                        );
                    }
                    for (dst, &src) in net.bias_mut(l).iter_mut().zip(values) {
                        *dst = F::from_f64(src);
                        if !dst.is_finite() {
                            return config_err!(
                                "layer {n}: bias is {}, expected a finite {} number",
                                show(src),
                                F::DTYPE.name()
                            );
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
        let Some(DataSpec {
            inputs: Some(x),
            targets: Some(t),
            ..
        }) = &self.data
        else {
            return Ok(None);
        };
        let outputs = self.layers.last().map_or(0, |l| l.units);
        if x.len() != t.len() {
            return config_err!(
                "data: {} input rows but {} target rows, expected the same number",
                x.len(),
                t.len()
            );
        }
        if x.is_empty() {
            return config_err!("data: no samples (inputs is empty)");
        }
        for (r, row) in x.iter().enumerate() {
            if row.len() != self.inputs {
                return config_err!(
                    "data: inputs row {} has {} values, expected {} (`inputs`)",
                    r + 1,
                    row.len(),
                    self.inputs
                );
            }
        }
        for (r, row) in t.iter().enumerate() {
            if row.len() != outputs {
                return config_err!(
                    "data: targets row {} has {} values, expected {} (units of the output layer)",
                    r + 1,
                    row.len(),
                    outputs
                );
            }
        }
        let flat = |rows: &Vec<Vec<f64>>, what: &str| -> Result<Vec<f64>> {
            for (r, row) in rows.iter().enumerate() {
                if let Some(c) = row.iter().position(|v| !v.is_finite()) {
                    return config_err!(
                        "data: {what} row {}, column {} is {}, expected a finite number",
                        r + 1,
                        c + 1,
                        row[c]
                    );
                }
            }
            Ok(rows.iter().flatten().copied().collect())
        };
        Ok(Some((flat(x, "inputs")?, flat(t, "targets")?, x.len())))
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
