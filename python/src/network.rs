//! `backprop.Network`: a network of either dtype with its trainer, numpy in and out.

use crate::arrays::{self, Shape};
use crate::errors::{self, OrRaise};
use crate::released;
use backprop::model_file;
use backprop::spec::{BiasSpec, DataSpec, LayerSpec, OptimizerSpec, TrainingSpec};
use backprop::{
    AnyModel, BiasKind, DataInfo, Dataset, EpochReport, Error, Float, ModelFile, Network, Observer,
    Optimizer, OptimizerConfig, Plan, Prepared, Schedule, ScheduleKind, Spec, StepProgress,
    Trainer, TrainerConfig, TrainingState, Workspace,
};
use numpy::{Element, PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Samples one forward pass of `predict` takes at once (the engine's evaluation chunk).
const CHUNK: usize = backprop::metrics::CHUNK;

/// A network and what training it needs, in one dtype.
pub struct State<F: Float> {
    pub net: Network<F>,
    /// The trainer of the last `train` call, and the settings it was made for.
    trainer: Option<(Trainer<F>, TrainerKey)>,
    /// A loaded model file's optimizer state and metadata, taken up by the first trainer.
    loaded: Option<ModelFile<F>>,
    /// How the network reads and scales data (from its spec's `[data]`, or a loaded file).
    pub info: Option<DataInfo>,
}

/// The settings a trainer is made for: another set makes another trainer (the optimizer state
/// and the counters carry over).
#[derive(Clone, Copy, PartialEq)]
struct TrainerKey {
    samples: usize,
    batch_size: usize,
    shuffle: bool,
    seed: u64,
}

pub enum Model {
    F32(State<f32>),
    F64(State<f64>),
}

/// Runs `$body` with `$s` bound to the state, whichever its dtype.
macro_rules! each {
    ($model:expr, $s:ident => $body:expr) => {
        match $model {
            Model::F32($s) => $body,
            Model::F64($s) => $body,
        }
    };
}

/// A feed-forward network: build it from a spec (`Network.from_spec`) or a model file
/// (`backprop.load`); `train`, `predict`, `save`, `explain`. Layers are numbered from 0.
#[pyclass(name = "Network", module = "backprop")]
pub struct PyNetwork {
    pub model: Model,
    /// The spec it was built from, its text and its name (for messages and pickling).
    pub spec: Option<(Spec, String, String)>,
    /// The folder relative to which the spec's data paths are read.
    base: PathBuf,
}

impl<F: Float> State<F> {
    fn new(net: Network<F>) -> Self {
        State {
            net,
            trainer: None,
            loaded: None,
            info: None,
        }
    }

    fn from_file(model: ModelFile<F>, name: &str) -> PyResult<Self> {
        let info = model.data_info().map_err(|e| e.in_file(name)).or_raise()?;
        let mut state = State::new(model.network.clone());
        state.info = Some(info);
        state.loaded = Some(model);
        Ok(state)
    }

    /// The optimizer settings training continues with.
    fn optimizer_config(&self, spec: Option<&Spec>) -> Option<OptimizerConfig> {
        if let Some((t, _)) = &self.trainer {
            return Some(t.optimizer.config);
        }
        if let Some(spec) = spec {
            return Some(spec.optimizer_config());
        }
        self.loaded
            .as_ref()
            .and_then(|m| m.optimizer.as_ref())
            .map(|o| o.config)
    }

    /// The model file of this network now (parameters, optimizer state, data scaling).
    fn model_file(&self) -> ModelFile<F> {
        let mut model = match &self.loaded {
            Some(m) => ModelFile {
                network: self.net.clone(),
                ..m.clone()
            },
            None => ModelFile::new(self.net.clone()),
        };
        if let Some((t, _)) = &self.trainer {
            model.store_training(t);
        }
        if let Some(info) = &self.info {
            model.store_data_info(info);
        }
        model
    }
}

fn state_of(model: AnyModel, name: &str) -> PyResult<Model> {
    Ok(match model {
        AnyModel::F32(m) => Model::F32(State::from_file(m, name)?),
        AnyModel::F64(m) => Model::F64(State::from_file(m, name)?),
    })
}

/// `str` of a path argument (`str` or `os.PathLike`).
fn path_of(obj: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    obj.extract::<PathBuf>().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(format!(
            "expected a path (str or os.PathLike), got {}",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })
}

/// A spec argument: TOML text (a string holding `=` or a line break), or a path.
/// Returns the spec, its text, its name in messages and the folder of its data paths.
pub fn spec_of(obj: &Bound<'_, PyAny>) -> PyResult<(Spec, String, String, PathBuf)> {
    if let Ok(text) = obj.extract::<String>() {
        if text.contains('=') || text.contains('\n') {
            let spec = Spec::parse(&text, "spec").or_raise()?;
            return Ok((spec, text, "spec".into(), PathBuf::new()));
        }
    }
    let path = path_of(obj)?;
    let spec = Spec::from_file(&path).or_raise()?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::io(&path, e))
        .or_raise()?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((spec, text, path.display().to_string(), base))
}

impl PyNetwork {
    pub fn from_parsed(spec: Spec, text: String, name: String, base: PathBuf) -> PyResult<Self> {
        let model = match spec.dtype {
            backprop::Dtype::F32 => Model::F32(State::new(spec.network().or_raise()?)),
            backprop::Dtype::F64 => Model::F64(State::new(spec.network().or_raise()?)),
        };
        Ok(PyNetwork {
            model,
            spec: Some((spec, text, name, base.clone())).map(|(s, t, n, _)| (s, t, n)),
            base,
        })
    }

    fn spec(&self) -> Option<&Spec> {
        self.spec.as_ref().map(|(s, _, _)| s)
    }

    /// The name of this network's source in messages.
    pub fn name(&self) -> String {
        self.spec
            .as_ref()
            .map_or("network".to_string(), |(_, _, n)| n.clone())
    }

    /// The spec of one step of this network as it is now: the current parameters written out
    /// as explicit weights, `data` (f64 rows) as its inline data when given.
    pub fn explain_spec(
        &self,
        data: Option<crate::explain::InlineRows>,
        learning_rate: Option<f64>,
    ) -> PyResult<Spec> {
        each!(&self.model, s => explain_spec(s, self.spec(), data, learning_rate))
    }
}

fn explain_spec<F: Float>(
    s: &State<F>,
    spec: Option<&Spec>,
    data: Option<crate::explain::InlineRows>,
    learning_rate: Option<f64>,
) -> PyResult<Spec> {
    let net = &s.net;
    let mut config = s.optimizer_config(spec);
    if let Some(lr) = learning_rate {
        config = Some(
            config.map_or(OptimizerConfig::sgd(lr), |c| OptimizerConfig {
                learning_rate: lr,
                ..c
            }),
        );
    }
    let Some(c) = config else {
        return Err(errors::input(
            "explain needs the optimizer's settings, and this network has none (it was loaded from a file saved without them): pass learning_rate=",
        ));
    };
    let mut out = match spec {
        Some(spec) => spec.clone(),
        None => Spec {
            input_dropout: None,
            inputs: net.inputs,
            loss: net.loss,
            dtype: F::DTYPE,
            optimizer: OptimizerSpec {
                kind: c.kind,
                learning_rate: c.learning_rate,
                momentum: None,
                beta1: None,
                beta2: None,
                eps: None,
                nesterov: false,
                alpha: None,
                weight_decay: None,
                decay_biases: false,
                clip_norm: None,
            },
            layers: Vec::new(),
            training: TrainingSpec::default(),
            data: None,
        },
    };
    out.optimizer = OptimizerSpec {
        kind: c.kind,
        learning_rate: c.learning_rate,
        momentum: Some(c.momentum),
        beta1: Some(c.beta1),
        beta2: Some(c.beta2),
        eps: Some(c.eps),
        nesterov: c.nesterov,
        alpha: Some(c.alpha),
        weight_decay: Some(c.weight_decay),
        decay_biases: c.decay_biases,
        clip_norm: c.clip_norm,
    };
    out.layers = net
        .layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let w: Vec<f64> = net.weights(l).iter().map(|v| v.to_f64()).collect();
            let b: Vec<f64> = net.bias(l).iter().map(|v| v.to_f64()).collect();
            LayerSpec {
                units: layer.units,
                activation: layer.activation,
                weights: Some(w.chunks(layer.inputs).map(<[f64]>::to_vec).collect()),
                bias: Some(match layer.bias {
                    BiasKind::Shared => BiasSpec::Shared(b[0]),
                    BiasKind::PerUnit => BiasSpec::PerUnit(b),
                }),
                init: None,
                dropout: None,
            }
        })
        .collect();
    if let Some((x, t)) = data {
        out.data = Some(DataSpec {
            inputs: Some(x),
            targets: Some(t),
            ..DataSpec::default()
        });
    } else if out.data.as_ref().is_none_or(|d| d.inputs.is_none()) {
        return Err(errors::input(
            "explain needs samples: pass X and y (a few rows), or build the network from a spec with inline [data]",
        ));
    }
    Ok(out)
}

/// What `train` was asked for.
struct TrainArgs<'py> {
    x: Option<Bound<'py, PyAny>>,
    y: Option<Bound<'py, PyAny>>,
    epochs: Option<usize>,
    batch_size: Option<usize>,
    learning_rate: Option<f64>,
    shuffle: Option<bool>,
    seed: Option<u64>,
    validation: Option<Bound<'py, PyAny>>,
    callback: Option<PyObject>,
    with_params: bool,
}

/// Reports each epoch to the Python callback (and keeps the reports); stops the run when the
/// callback returns a true value, raises, or Ctrl-C was pressed.
struct PyObserver<'a, F> {
    /// Raised when Python saw Ctrl-C: the run stops after the step in progress.
    stop: &'a AtomicBool,
    callback: Option<PyObject>,
    /// Samples whose outputs the callback gets after every epoch (`[rows × inputs]`).
    watch: Option<(&'a [F], usize)>,
    with_params: bool,
    reports: Vec<EpochReport>,
    error: Option<PyErr>,
    stopped: bool,
}

impl<F: Float + Element> Observer<F> for PyObserver<'_, F> {
    fn step(&mut self, _progress: StepProgress) -> ControlFlow<()> {
        if self.stop.load(Ordering::Relaxed) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn epoch(
        &mut self,
        r: &EpochReport,
        net: &Network<F>,
        _trainer: &Trainer<F>,
    ) -> backprop::Result<ControlFlow<()>> {
        self.reports.push(*r);
        if self.stop.load(Ordering::Relaxed) {
            return Ok(ControlFlow::Break(()));
        }
        let Some(callback) = &self.callback else {
            return Ok(ControlFlow::Continue(()));
        };
        let outputs = self.watch.map(|(x, rows)| {
            let mut out = vec![F::ZERO; rows * net.outputs()];
            forward_into(net, x, rows, &mut out);
            out
        });
        let answer = Python::with_gil(|py| -> PyResult<bool> {
            let d = report_dict(py, r)?;
            if let Some(out) = outputs {
                let rows = out.len() / net.outputs();
                let a = PyArray1::from_vec(py, out).reshape([rows, net.outputs()])?;
                d.set_item("outputs", a)?;
            }
            if self.with_params {
                d.set_item("params", PyArray1::from_slice(py, &net.params))?;
            }
            callback.call1(py, (d,))?.bind(py).is_truthy()
        });
        match answer {
            Ok(false) => Ok(ControlFlow::Continue(())),
            Ok(true) => {
                self.stopped = true;
                Ok(ControlFlow::Break(()))
            }
            Err(e) => {
                self.error = Some(e);
                Ok(ControlFlow::Break(()))
            }
        }
    }
}

fn report_dict<'py>(py: Python<'py>, r: &EpochReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("epoch", r.epoch)?;
    d.set_item("train_loss", r.train_loss)?;
    d.set_item("learning_rate", r.learning_rate)?;
    d.set_item("seconds", r.seconds)?;
    d.set_item("samples_per_s", r.samples_per_s)?;
    if let Some(v) = &r.validation {
        d.set_item("validation_loss", v.loss)?;
        d.set_item("validation_accuracy", v.accuracy)?;
        d.set_item("validation_rmse", v.rmse)?;
    }
    Ok(d)
}

/// The network's outputs for `rows` samples of `x`, `CHUNK` at a time, into `out`.
fn forward_into<F: Float>(net: &Network<F>, x: &[F], rows: usize, out: &mut [F]) {
    let (ni, no) = (net.inputs, net.outputs());
    let mut ws = Workspace::new(net, rows.clamp(1, CHUNK));
    let mut start = 0;
    while start < rows {
        let b = CHUNK.min(rows - start);
        let o = net.forward(&x[start * ni..(start + b) * ni], b, &mut ws);
        out[start * no..(start + b) * no].copy_from_slice(o);
        start += b;
    }
}

/// Applies a scaling `f` of the data info to each row of `values` (`cols` wide).
fn scaled<F: Float>(values: &[F], cols: usize, f: impl Fn(&mut [f64])) -> Vec<F> {
    let mut row = vec![0.0; cols];
    let mut out = Vec::with_capacity(values.len());
    for chunk in values.chunks(cols) {
        for (r, v) in row.iter_mut().zip(chunk) {
            *r = v.to_f64();
        }
        f(&mut row);
        out.extend(row.iter().map(|&v| F::from_f64(v)));
    }
    out
}

fn check_columns(name: &str, got: usize, expected: usize, what: &str) -> PyResult<()> {
    if got != expected {
        return Err(errors::input(format!(
            "{name} has {got} columns, but the network has {expected} {what}"
        )));
    }
    Ok(())
}

fn train_state<'py, F: Float + Element>(
    py: Python<'py>,
    s: &mut State<F>,
    spec: Option<&Spec>,
    spec_name: &str,
    base: &Path,
    args: TrainArgs<'py>,
) -> PyResult<Vec<EpochReport>> {
    let training = spec.map_or_else(TrainingSpec::default, |s| s.training.clone());
    let Some(mut config) = s.optimizer_config(spec) else {
        return Err(errors::input(
            "this network has no optimizer settings (it was loaded from a file saved without them): pass learning_rate=",
        ));
    };
    if let Some(lr) = args.learning_rate {
        config.learning_rate = lr;
    }
    config.validate().or_raise()?;
    if args.batch_size == Some(0) {
        return Err(errors::input("batch_size is 0, expected at least 1"));
    }
    if args.epochs == Some(0) {
        return Err(errors::input("epochs is 0, expected at least 1"));
    }
    let (inputs, outputs) = (s.net.inputs, s.net.outputs());
    let (train, validation, mut plan) = match (&args.x, &args.y) {
        (None, None) => {
            let Some(spec) = spec else {
                return Err(errors::input(
                    "train needs X and y: this network has no spec whose [data] it could train on",
                ));
            };
            let Prepared {
                train,
                validation,
                info,
                ..
            } = spec
                .prepare::<F>(base)
                .map_err(|e| e.in_file(spec_name))
                .or_raise()?;
            s.info = Some(info);
            (train, validation, plan_of(Some(spec), &training))
        }
        (Some(x), Some(y)) => {
            let x = arrays::rows::<F>(x, "X", Shape::Matrix)?;
            let y = arrays::rows::<F>(y, "y", Shape::MatrixOrColumn)?;
            check_columns("X", x.cols, inputs, "inputs")?;
            check_columns("y", y.cols, outputs, "outputs")?;
            if x.rows != y.rows {
                return Err(errors::input(format!(
                    "X has {} rows but y has {}, expected one target row per sample",
                    x.rows, y.rows
                )));
            }
            let (xs, ys) = match &s.info {
                Some(info) if info.features.is_some() || info.targets.is_some() => (
                    scaled(x.values(), inputs, |r| info.scale_features(r)),
                    scaled(y.values(), outputs, |r| info.scale_targets(r)),
                ),
                _ => (x.into_vec(), y.into_vec()),
            };
            let mut plan = plan_of(spec, &training);
            plan.patience = None;
            (
                Dataset::new(xs, ys, inputs, outputs).or_raise()?,
                None,
                plan,
            )
        }
        _ => {
            return Err(errors::input(
                "give both X and y, or neither (to train on the spec's [data])",
            ))
        }
    };
    let watch = match &args.validation {
        Some(v) => {
            let v = arrays::rows::<F>(v, "validation", Shape::Matrix)?;
            check_columns("validation", v.cols, inputs, "inputs")?;
            let rows = v.rows;
            let values = match &s.info {
                Some(info) if info.features.is_some() => {
                    scaled(v.values(), inputs, |r| info.scale_features(r))
                }
                _ => v.into_vec(),
            };
            Some((values, rows))
        }
        None => None,
    };
    let key = TrainerKey {
        samples: train.len(),
        batch_size: args
            .batch_size
            .or(training.batch_size)
            .unwrap_or(backprop::DEFAULT_BATCH_SIZE)
            .clamp(1, train.len()),
        shuffle: args.shuffle.unwrap_or(training.shuffle),
        seed: args.seed.unwrap_or(training.seed),
    };
    let mut trainer = match s.trainer.take() {
        Some((mut t, k)) if k == key && t.optimizer.config.kind == config.kind => {
            t.optimizer.config = config;
            t
        }
        old => {
            let trainer_config = TrainerConfig {
                optimizer: config,
                batch_size: key.batch_size,
                shuffle: key.shuffle,
                seed: key.seed,
            };
            let mut t = Trainer::new(&s.net, &trainer_config, key.samples);
            if let Some(spec) = spec {
                spec.apply_dropout(&mut t, &s.net);
            }
            match old {
                Some((o, _)) => carry_over(&mut t, o.optimizer, o.state.epochs_done),
                None => {
                    if let Some(m) = &s.loaded {
                        // A saved run continues exactly when its data are the same size;
                        // otherwise with its optimizer state.
                        let restored = m
                            .training()
                            .is_ok_and(|(state, o)| t.restore(state, o).is_ok());
                        if !restored {
                            if let Some(o) = m.optimizer.clone() {
                                carry_over(&mut t, o, 0);
                            }
                        }
                    }
                }
            }
            t
        }
    };
    plan.epochs = trainer.state.epochs_done + args.epochs.unwrap_or(training.epochs);
    plan.schedule.base = config.learning_rate;
    let info = s
        .info
        .clone()
        .unwrap_or_else(|| DataInfo::unnamed(s.net.loss, inputs, outputs));
    let stop = AtomicBool::new(false);
    let mut observer = PyObserver {
        stop: &stop,
        callback: args.callback,
        watch: watch.as_ref().map(|(v, rows)| (v.as_slice(), *rows)),
        with_params: args.with_params,
        reports: Vec::new(),
        error: None,
        stopped: false,
    };
    let net = &mut s.net;
    let finished = released::run(py, &stop, || {
        trainer.fit(
            net,
            &train,
            validation.as_ref(),
            &info,
            &plan,
            &mut observer,
        )
    });
    s.trainer = Some((trainer, key));
    let result = finished.result.map_err(|m| errors::raise(py, "Error", m))?;
    match (result, observer.error, finished.signal) {
        (_, Some(e), _) => Err(e),
        (_, None, Some(signal)) => Err(signal),
        (Ok(_), None, None) => Ok(observer.reports),
        (Err(Error::Interrupted { .. }), None, None) if observer.stopped => Ok(observer.reports),
        (Err(e), None, None) => Err(errors::from_engine(e)),
    }
}

/// Continues with another trainer's optimizer state (moments and step count, when they fit)
/// and its count of epochs; a new data set starts its epoch from the beginning.
fn carry_over<F: Float>(t: &mut Trainer<F>, o: Optimizer<F>, epochs_done: usize) {
    if o.config.kind == t.optimizer.config.kind
        && o.first.len() == t.optimizer.first.len()
        && o.second.len() == t.optimizer.second.len()
    {
        t.optimizer.first = o.first;
        t.optimizer.second = o.second;
        t.optimizer.steps = o.steps;
    }
    t.state = TrainingState {
        epochs_done,
        ..TrainingState::default()
    };
}

/// The spec's plan (its schedule, epochs and early stopping), or, without a spec, a constant
/// rate.
fn plan_of(spec: Option<&Spec>, training: &TrainingSpec) -> Plan {
    match spec {
        Some(spec) => spec.plan(),
        None => Plan {
            epochs: training.epochs,
            schedule: Schedule {
                kind: ScheduleKind::None,
                base: 0.0,
                step_size: training.step_size,
                gamma: training.gamma,
                epochs: training.epochs,
                warmup: 0,
            },
            patience: None,
            restore_best: true,
            stop_after: None,
        },
    }
}

fn predict_state<'py, F: Float + Element>(
    py: Python<'py>,
    s: &State<F>,
    x: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray2<F>>> {
    let x = arrays::rows::<F>(x, "X", Shape::Matrix)?;
    let (ni, no) = (s.net.inputs, s.net.outputs());
    check_columns("X", x.cols, ni, "inputs")?;
    let rows = x.rows;
    let out = PyArray2::<F>::zeros(py, [rows, no], false);
    {
        let mut w = out.readwrite();
        let dst = w.as_slice_mut()?;
        let net = &s.net;
        match &s.info {
            Some(info) if info.features.is_some() => {
                let xs = scaled(x.values(), ni, |r| info.scale_features(r));
                py.allow_threads(|| forward_into(net, &xs, rows, dst));
            }
            _ => {
                let xs = x.values();
                py.allow_threads(|| forward_into(net, xs, rows, dst));
            }
        }
        if let Some(info) = s.info.as_ref().filter(|i| i.targets.is_some()) {
            let un = scaled(dst, no, |r| info.unscale_outputs(r));
            dst.copy_from_slice(&un);
        }
    }
    Ok(out)
}

fn loss_state<F: Float + Element>(
    py: Python<'_>,
    s: &State<F>,
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let x = arrays::rows::<F>(x, "X", Shape::Matrix)?;
    let y = arrays::rows::<F>(y, "y", Shape::MatrixOrColumn)?;
    let (ni, no) = (s.net.inputs, s.net.outputs());
    check_columns("X", x.cols, ni, "inputs")?;
    check_columns("y", y.cols, no, "outputs")?;
    if x.rows != y.rows {
        return Err(errors::input(format!(
            "X has {} rows but y has {}, expected one target row per sample",
            x.rows, y.rows
        )));
    }
    let (xv, yv, n, net) = (x.values(), y.values(), x.rows, &s.net);
    Ok(py.allow_threads(|| {
        let mut ws = Workspace::new(net, n.clamp(1, CHUNK));
        let mut total = 0.0;
        let mut start = 0;
        while start < n {
            let b = CHUNK.min(n - start);
            let l = net.loss_only(
                &xv[start * ni..(start + b) * ni],
                &yv[start * no..(start + b) * no],
                b,
                &mut ws,
            );
            total += l.to_f64() * b as f64;
            start += b;
        }
        total / n as f64
    }))
}

fn layer_index<F: Float>(net: &Network<F>, layer: isize) -> PyResult<usize> {
    let n = net.layers.len() as isize;
    let l = if layer < 0 { layer + n } else { layer };
    if !(0..n).contains(&l) {
        return Err(pyo3::exceptions::PyIndexError::new_err(format!(
            "layer {layer}: the network has layers 0 to {}",
            n - 1
        )));
    }
    Ok(l as usize)
}

fn set_parameters_state<F: Float + Element>(
    s: &mut State<F>,
    values: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let v = arrays::rows::<F>(values, "parameters", Shape::MatrixOrColumn)?;
    let n = s.net.params.len();
    if v.rows * v.cols != n {
        return Err(errors::input(format!(
            "parameters has {} values, expected {n} (the network's parameters, layer by layer: weights row by row, then bias)",
            v.rows * v.cols
        )));
    }
    s.net.params.copy_from_slice(v.values());
    Ok(())
}

#[pymethods]
impl PyNetwork {
    /// Builds the network of a spec: `spec` is a path to a TOML spec file, or TOML text.
    /// Parameters are the spec's explicit weights, or drawn from its `[training] seed`.
    #[staticmethod]
    fn from_spec(spec: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (spec, text, name, base) = spec_of(spec)?;
        PyNetwork::from_parsed(spec, text, name, base)
    }

    /// The worked example of the seed notes: 2-2-1 sigmoid, shared biases, SGD η = 0.5, its
    /// two samples inline.
    #[staticmethod]
    fn worked_example() -> PyResult<Self> {
        let text = backprop::spec::WORKED_EXAMPLE.to_string();
        PyNetwork::from_parsed(
            Spec::worked_example(),
            text,
            "worked example".into(),
            PathBuf::new(),
        )
    }

    /// Number of inputs.
    #[getter]
    fn inputs(&self) -> usize {
        each!(&self.model, s => s.net.inputs)
    }

    /// Number of outputs.
    #[getter]
    fn outputs(&self) -> usize {
        each!(&self.model, s => s.net.outputs())
    }

    /// `"float32"` or `"float64"`.
    #[getter]
    fn dtype(&self) -> &'static str {
        match &self.model {
            Model::F32(_) => "float32",
            Model::F64(_) => "float64",
        }
    }

    /// The loss's name (`half_sse`, `mse`, `cross_entropy`, `bce`).
    #[getter]
    fn loss(&self) -> &'static str {
        each!(&self.model, s => s.net.loss.name())
    }

    /// The layers: `[{"units": 2, "activation": "sigmoid", "bias": "shared"}, …]`.
    #[getter]
    fn layers<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let layers = each!(&self.model, s => s.net.layers.clone());
        layers
            .iter()
            .map(|l| {
                let d = PyDict::new(py);
                d.set_item("inputs", l.inputs)?;
                d.set_item("units", l.units)?;
                d.set_item("activation", l.activation.name())?;
                d.set_item(
                    "bias",
                    match l.bias {
                        BiasKind::Shared => "shared",
                        BiasKind::PerUnit => "per_unit",
                    },
                )?;
                Ok(d)
            })
            .collect()
    }

    /// Epochs trained so far.
    #[getter]
    fn epoch(&self) -> usize {
        each!(&self.model, s => s.trainer.as_ref().map_or(0, |(t, _)| t.state.epochs_done))
    }

    /// Optimizer steps taken so far.
    #[getter]
    fn step(&self) -> u64 {
        each!(&self.model, s => s.trainer.as_ref().map_or(0, |(t, _)| t.steps_done()))
    }

    /// Samples of an epoch already trained on when a run stopped inside it (Ctrl-C); the next
    /// `train` continues from there.
    #[getter]
    fn epoch_position(&self) -> usize {
        each!(&self.model, s => s.trainer.as_ref().map_or(0, |(t, _)| t.state.epoch_position))
    }

    /// Layer `layer`'s weights, `[units × inputs]` (a copy).
    fn weights<'py>(&self, py: Python<'py>, layer: isize) -> PyResult<PyObject> {
        each!(&self.model, s => {
            let l = layer_index(&s.net, layer)?;
            let shape = [s.net.layers[l].units, s.net.layers[l].inputs];
            Ok(PyArray1::from_slice(py, s.net.weights(l)).reshape(shape)?.into_any().unbind())
        })
    }

    /// Layer `layer`'s bias: one value per unit, or one value when the layer shares it (a copy).
    fn bias<'py>(&self, py: Python<'py>, layer: isize) -> PyResult<PyObject> {
        each!(&self.model, s => {
            let l = layer_index(&s.net, layer)?;
            Ok(PyArray1::from_slice(py, s.net.bias(l)).into_any().unbind())
        })
    }

    /// Every parameter, flat: layer by layer, weights row by row then bias (a copy).
    fn parameters<'py>(&self, py: Python<'py>) -> PyObject {
        each!(&self.model, s => PyArray1::from_slice(py, &s.net.params).into_any().unbind())
    }

    /// Sets every parameter from a flat array in the order of `parameters()`.
    fn set_parameters(&mut self, values: &Bound<'_, PyAny>) -> PyResult<()> {
        each!(&mut self.model, s => set_parameters_state(s, values))
    }

    /// Trains for `epochs` epochs (default: the spec's `[training] epochs`) on `X`, `y`, or,
    /// without them, on the spec's `[data]` exactly as `backprop train SPEC` does (its split,
    /// standardisation, schedule and early stopping). Settings default to the spec's; the
    /// optimizer state and the counters carry over from call to call. The GIL is released;
    /// Ctrl-C raises `KeyboardInterrupt` after the step in progress, with the network as that
    /// step left it (the next call continues the epoch).
    ///
    /// `validation` (samples) and `callback(report)`: after each epoch the callback gets a dict
    /// (`epoch`, `train_loss`, `learning_rate`, …, `outputs` on `validation`, `params` when
    /// `with_params`); a true return value ends the run. Returns the epochs' reports.
    #[pyo3(signature = (x=None, y=None, *, epochs=None, batch_size=None, learning_rate=None, shuffle=None, seed=None, validation=None, callback=None, with_params=false))]
    #[allow(clippy::too_many_arguments)]
    fn train<'py>(
        &mut self,
        py: Python<'py>,
        x: Option<Bound<'py, PyAny>>,
        y: Option<Bound<'py, PyAny>>,
        epochs: Option<usize>,
        batch_size: Option<usize>,
        learning_rate: Option<f64>,
        shuffle: Option<bool>,
        seed: Option<u64>,
        validation: Option<Bound<'py, PyAny>>,
        callback: Option<PyObject>,
        with_params: bool,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let args = TrainArgs {
            x,
            y,
            epochs,
            batch_size,
            learning_rate,
            shuffle,
            seed,
            validation,
            callback,
            with_params,
        };
        let name = self.name();
        let spec = self.spec.as_ref().map(|(s, _, _)| s);
        let reports =
            each!(&mut self.model, s => train_state(py, s, spec, &name, &self.base, args))?;
        reports.iter().map(|r| report_dict(py, r)).collect()
    }

    /// The network's outputs for `X` (`[samples × inputs]`), `[samples × outputs]` in its
    /// dtype. A C-ordered `X` of the network's dtype is read in place.
    fn predict<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<PyObject> {
        each!(&self.model, s => Ok(predict_state(py, s, x)?.into_any().unbind()))
    }

    /// The mean loss on `X`, `y` (the loss the network trains on).
    fn loss_of(&self, py: Python<'_>, x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> PyResult<f64> {
        each!(&self.model, s => loss_state(py, s, x, y))
    }

    /// Writes the model file (safetensors, atomically; the same format as `backprop train
    /// --save`): parameters, optimizer state, data scaling.
    fn save(&self, path: &Bound<'_, PyAny>) -> PyResult<()> {
        let path = path_of(path)?;
        each!(&self.model, s => model_file::save(&path, &s.model_file()).or_raise())
    }

    /// One training step written out, on `X`, `y` (a few samples) or the spec's inline data:
    /// an object shown as the derivation page in Jupyter (`_repr_html_`), as Markdown
    /// (`_repr_markdown_`), as text (`str`), or as JSON (`to_json()`).
    #[pyo3(signature = (x=None, y=None, *, sample=None, lang="en", digits=6, learning_rate=None))]
    #[allow(clippy::too_many_arguments)]
    fn explain(
        &self,
        x: Option<Bound<'_, PyAny>>,
        y: Option<Bound<'_, PyAny>>,
        sample: Option<usize>,
        lang: &str,
        digits: usize,
        learning_rate: Option<f64>,
    ) -> PyResult<crate::explain::Explanation> {
        let data = crate::explain::inline_rows(x.as_ref(), y.as_ref())?;
        let spec = self.explain_spec(data, learning_rate)?;
        crate::explain::Explanation::new(&spec, &self.name(), sample, lang, digits)
    }

    fn __repr__(&self) -> String {
        let (inputs, layers, loss) =
            each!(&self.model, s => (s.net.inputs, s.net.layers.clone(), s.net.loss));
        let mut out = format!("Network({inputs}");
        for l in &layers {
            out.push_str(&format!(" → {} {}", l.units, l.activation.name()));
        }
        format!("{out}, loss {}, {})", loss.name(), self.dtype())
    }

    /// Pickling: the model file's bytes and the spec's text.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(PyObject, PyObject)> {
        let bytes =
            each!(&self.model, s => model_file::to_bytes_model(&s.model_file()).or_raise())?;
        let spec = self
            .spec
            .as_ref()
            .map(|(_, text, name)| (text.clone(), name.clone()));
        let base = self.base.display().to_string();
        let from = py.import("backprop")?.getattr("_network_from_pickle")?;
        let args = (PyBytes::new(py, &bytes), spec, base).into_pyobject(py)?;
        Ok((from.unbind(), args.into_any().unbind()))
    }

    #[staticmethod]
    #[pyo3(signature = (bytes, spec, base))]
    fn _from_pickle(bytes: &[u8], spec: Option<(String, String)>, base: PathBuf) -> PyResult<Self> {
        let model = state_of(model_file::from_bytes(bytes).or_raise()?, "pickle")?;
        let spec = match spec {
            Some((text, name)) => Some((Spec::parse(&text, &name).or_raise()?, text, name)),
            None => None,
        };
        Ok(PyNetwork { model, spec, base })
    }
}

/// Loads a model file (safetensors, as `backprop train --save` writes it, or `Network.save`).
#[pyfunction]
pub fn load(path: &Bound<'_, PyAny>) -> PyResult<PyNetwork> {
    let path = path_of(path)?;
    let model = state_of(
        model_file::load(&path).or_raise()?,
        &path.display().to_string(),
    )?;
    Ok(PyNetwork {
        model,
        spec: None,
        base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
    })
}
