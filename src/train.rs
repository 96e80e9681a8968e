//! Training: epochs of mini-batches, each batch one step of forward → loss → backward →
//! optimizer update. The last, partial batch of an epoch counts, averaged over its own size.
//!
//! A [`Trainer`] owns everything a step needs (workspace, optimizer state, batch buffers), all
//! allocated once: a step allocates nothing.
//!
//! [`Trainer::fit`] runs many epochs with what real data need: a learning-rate [`Schedule`],
//! validation metrics after every epoch, early stopping on the validation loss. It reports each
//! epoch to a callback and prints nothing.
//!
//! Reproducibility: epoch `e` shuffles the sample order from identity with the ChaCha stream `e`
//! of the seed, so an epoch's order depends only on (seed, e). The whole state of a run is the
//! parameters, the optimizer state, the epoch counter and the early-stopping record, all of
//! which a model file keeps ([`Trainer::store`], [`Trainer::restore`]): a resumed run equals an
//! uninterrupted one bit for bit.

use crate::data::{DataInfo, Dataset};
use crate::diagnose;
use crate::dropout::Dropout;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::PARALLEL_FLOPS;
use crate::metrics::{self, Metrics};
use crate::model_file::ModelFile;
use crate::network::{Network, Workspace};
use crate::optim::{Optimizer, OptimizerConfig};
use crate::shards::ShardedWorkspace;
use crate::spec::{ScheduleKind, TrainingSpec};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What one epoch did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochStats {
    /// Mean training loss over the epoch's samples (each batch's loss weighted by its size),
    /// measured before each step's update.
    pub loss: f64,
    pub steps: usize,
    pub samples: usize,
}

/// The state of a training run.
#[derive(Clone, Debug)]
pub struct Trainer<F> {
    pub optimizer: Optimizer<F>,
    pub workspace: ShardedWorkspace<F>,
    pub batch_size: usize,
    pub shuffle: bool,
    seed: u64,
    order: Vec<usize>,
    batch_x: Vec<F>,
    batch_t: Vec<F>,
    /// Epochs completed.
    pub epoch: usize,
    /// Steps completed.
    pub step: u64,
    /// The lowest validation loss so far, and the epochs since it (for early stopping).
    pub best_validation_loss: f64,
    pub epochs_since_best: usize,
    /// Samples of the current epoch already trained on, when a run stopped inside an epoch
    /// (Ctrl-C, [`crate::interrupt`]); the next epoch call continues from there.
    pub epoch_position: usize,
    /// Σ batch loss × batch size over those samples (the epoch's mean loss needs it).
    epoch_partial_loss: f64,
    /// Dropout, when a layer has it ([`Trainer::set_dropout`]).
    pub dropout: Option<Dropout>,
    /// The parameters after the epoch of the lowest validation loss (index `best_epoch`, from
    /// 0), kept by [`Trainer::fit`] when it has a validation set.
    pub best_params: Option<Vec<F>>,
    pub best_epoch: Option<usize>,
    /// Set when [`Trainer::fit`] put the best epoch's parameters back at the end of early
    /// stopping: that epoch (from 0).
    pub restored_best: Option<usize>,
    /// Every epoch of the run so far, those of the runs it resumed included.
    pub history: Vec<EpochRecord>,
    /// The epochs the schedule of the run was planned over (from the run it resumed, if any).
    pub planned_epochs: Option<usize>,
}

/// One epoch of a run's history (what the log and the plot show).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochRecord {
    /// Counted from 1.
    pub epoch: usize,
    pub train_loss: f64,
    pub val_loss: Option<f64>,
    pub val_accuracy: Option<f64>,
    pub val_rmse: Option<f64>,
    pub learning_rate: f64,
}

/// The progress of an epoch, after each step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepProgress {
    /// Samples done in this epoch, of `samples`.
    pub done: usize,
    pub samples: usize,
    /// The mean training loss of this epoch so far.
    pub loss: f64,
}

impl<F: Float> Trainer<F> {
    /// `batch_size` is capped at the data size.
    pub fn new(
        net: &Network<F>,
        optimizer: OptimizerConfig,
        batch_size: usize,
        shuffle: bool,
        seed: u64,
        data_len: usize,
    ) -> Self {
        let batch_size = batch_size.clamp(1, data_len.max(1));
        Trainer {
            optimizer: Optimizer::for_network(optimizer, net),
            workspace: ShardedWorkspace::new(net, batch_size),
            batch_size,
            shuffle,
            seed,
            order: (0..data_len).collect(),
            batch_x: vec![F::ZERO; batch_size * net.inputs],
            batch_t: vec![F::ZERO; batch_size * net.outputs()],
            epoch: 0,
            step: 0,
            best_validation_loss: f64::INFINITY,
            epochs_since_best: 0,
            epoch_position: 0,
            epoch_partial_loss: 0.0,
            dropout: None,
            best_params: None,
            best_epoch: None,
            restored_best: None,
            history: Vec::new(),
            planned_epochs: None,
        }
    }

    /// Drops the outputs of each layer with rate p > 0 during training (`rates`, one per
    /// layer; see [`crate::dropout`]), masks from the trainer's seed.
    pub fn set_dropout(&mut self, net: &Network<F>, rates: &[f64]) {
        self.dropout = Dropout::new(rates, self.seed);
        for part in &mut self.workspace.parts {
            part.set_dropout(net, rates);
        }
    }

    /// One step on one batch: returns the batch loss (before the update).
    #[inline]
    pub fn step(&mut self, net: &mut Network<F>, x: &[F], t: &[F], batch: usize) -> Result<F> {
        if let Some(d) = &self.dropout {
            d.draw(self.step, batch, &mut self.workspace);
        }
        let loss = self.workspace.loss_and_gradients(net, x, t, batch);
        if !loss.is_finite() {
            let (epoch, step) = (self.epoch + 1, self.step + 1);
            return Err(diagnose::non_finite(
                net,
                &self.workspace,
                batch,
                loss,
                epoch,
                step,
            ));
        }
        self.optimizer
            .step(&mut net.params, self.workspace.gradients());
        self.step += 1;
        Ok(loss)
    }

    /// One pass over `data` in batches (shuffled from the seed if `shuffle`).
    pub fn epoch(&mut self, net: &mut Network<F>, data: &Dataset<F>) -> Result<EpochStats> {
        self.epoch_with(net, data, |_| {})
    }

    /// [`Trainer::epoch`], calling `progress` after every step (keep it cheap: it runs at the
    /// rate of the steps).
    ///
    /// A step large enough to use several threads runs the epoch on a thread of rayon's pool:
    /// a thread outside the pool that waits for the pool's threads makes one thread more than
    /// cores, and the step's products then wait for one another (measured: 15–20 % of a
    /// 784-256-10 step on two cores). To call [`Trainer::step`] in a loop of your own, run the
    /// loop inside `rayon::scope` for the same reason.
    #[inline]
    pub fn epoch_with(
        &mut self,
        net: &mut Network<F>,
        data: &Dataset<F>,
        progress: impl FnMut(StepProgress) + Send,
    ) -> Result<EpochStats> {
        if self.uses_threads(net) && rayon::current_thread_index().is_none() {
            return rayon::scope(|_| self.epoch_here(net, data, progress));
        }
        self.epoch_here(net, data, progress)
    }

    /// Whether a step of `net` runs parts on several threads (a product split into blocks, a
    /// batch split into shards): then the step belongs on a pool thread, where the optimizer
    /// also updates a large parameter vector in chunks on all threads.
    pub fn uses_threads(&self, net: &Network<F>) -> bool {
        net.params.len().saturating_mul(self.batch_size) >= PARALLEL_FLOPS
    }

    /// [`Trainer::epoch_with`] on the calling thread.
    #[inline]
    fn epoch_here(
        &mut self,
        net: &mut Network<F>,
        data: &Dataset<F>,
        mut progress: impl FnMut(StepProgress),
    ) -> Result<EpochStats> {
        let n = data.len();
        let (ni, no) = (data.inputs, data.outputs);
        if self.order.len() != n || ni != net.inputs || no != net.outputs() {
            return Err(Error::Config(format!(
                "data of {n} samples × {ni} inputs → {no} outputs, but the trainer was made for {} samples and the network takes {} inputs → {} outputs",
                self.order.len(),
                net.inputs,
                net.outputs()
            )));
        }
        let mut total = F::ZERO;
        let mut steps = 0;
        if self.shuffle {
            // Shuffling draws from its own seed, apart from initialisation, one stream per epoch.
            for (k, o) in self.order.iter_mut().enumerate() {
                *o = k;
            }
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ SHUFFLE_SEED);
            rng.set_stream(self.epoch as u64);
            self.order.shuffle(&mut rng);
        }
        // A stopped epoch continues where it stopped (the order is the same: it depends only
        // on the seed and the epoch).
        let mut start = self.epoch_position.min(n);
        total += F::from_f64(self.epoch_partial_loss);
        while start < n {
            let b = self.batch_size.min(n - start);
            let loss = if self.shuffle {
                for (k, &i) in self.order[start..start + b].iter().enumerate() {
                    self.batch_x[k * ni..(k + 1) * ni]
                        .copy_from_slice(&data.x[i * ni..(i + 1) * ni]);
                    self.batch_t[k * no..(k + 1) * no]
                        .copy_from_slice(&data.t[i * no..(i + 1) * no]);
                }
                let (bx, bt) = (
                    std::mem::take(&mut self.batch_x),
                    std::mem::take(&mut self.batch_t),
                );
                let r = self.step(net, &bx[..b * ni], &bt[..b * no], b);
                self.batch_x = bx;
                self.batch_t = bt;
                r?
            } else {
                let x = &data.x[start * ni..(start + b) * ni];
                let t = &data.t[start * no..(start + b) * no];
                self.step(net, x, t, b)?
            };
            total += loss * F::from_usize(b);
            steps += 1;
            start += b;
            progress(StepProgress {
                done: start,
                samples: n,
                loss: total.to_f64() / start as f64,
            });
            if start < n && crate::interrupt::requested() {
                self.epoch_position = start;
                self.epoch_partial_loss = total.to_f64();
                return Err(Error::Interrupted {
                    epoch: self.epoch + 1,
                    step: self.step,
                });
            }
        }
        self.epoch_position = 0;
        self.epoch_partial_loss = 0.0;
        self.epoch += 1;
        Ok(EpochStats {
            loss: total.to_f64() / n as f64,
            steps,
            samples: n,
        })
    }

    /// Trains from epoch `self.epoch` up to `plan.epochs` (or until early stopping): sets the
    /// scheduled learning rate, runs an epoch, measures the validation set, and calls
    /// the observer with the report, the network and the trainer (to save a checkpoint, say);
    /// the observer also sees every step's progress. Returns the last epoch's report, if any ran.
    pub fn fit(
        &mut self,
        net: &mut Network<F>,
        train: &Dataset<F>,
        validation: Option<&Dataset<F>>,
        info: &DataInfo,
        plan: &Plan,
        observer: &mut (impl Observer<F> + Send),
    ) -> Result<Option<EpochReport>> {
        if self.uses_threads(net) && rayon::current_thread_index().is_none() {
            // On a pool thread, for the same reason as the epochs (the validation too).
            return rayon::scope(|_| self.fit(net, train, validation, info, plan, observer));
        }
        let mut eval_ws = validation.map(|v| Workspace::new(net, v.len().min(metrics::CHUNK)));
        let mut last = None;
        // One clock reading per epoch (two with validation), none when the observer has no use
        // for times: the end of one epoch is the start of the next.
        let timing = observer.timing();
        let now = || timing.then(std::time::Instant::now);
        let mut clock = now();
        let end = plan.stop_after.map_or(plan.epochs, |s| s.min(plan.epochs));
        self.planned_epochs = Some(plan.epochs);
        while self.epoch < end {
            let index = self.epoch;
            let rate = plan.schedule.rate(index);
            self.optimizer.set_learning_rate(rate);
            let stats = self.epoch_with(net, train, |p| observer.step(p))?;
            let trained = now();
            let validation = match (validation, eval_ws.as_mut()) {
                (Some(v), Some(ws)) => Some(metrics::evaluate(net, v, info, ws)),
                _ => None,
            };
            let end = if validation.is_some() { now() } else { trained };
            let since = |t: Option<std::time::Instant>| {
                t.zip(clock).map(|(t, c)| t.duration_since(c).as_secs_f64())
            };
            let (train_seconds, seconds) = (since(trained), since(end));
            clock = end;
            let mut stop = false;
            if let Some(v) = &validation {
                if v.loss < self.best_validation_loss {
                    self.best_validation_loss = v.loss;
                    self.epochs_since_best = 0;
                    self.best_epoch = Some(index);
                    match &mut self.best_params {
                        Some(b) => b.clone_from(&net.params),
                        None => self.best_params = Some(net.params.clone()),
                    }
                } else {
                    self.epochs_since_best += 1;
                }
                stop = plan.patience.is_some_and(|p| self.epochs_since_best >= p);
            }
            let report = EpochReport {
                epoch: index,
                train_loss: stats.loss,
                validation,
                learning_rate: rate,
                samples_per_s: train_seconds.map(|t| stats.samples as f64 / t.max(1e-9)),
                seconds,
                stopped_early: stop,
            };
            self.history.push(EpochRecord {
                epoch: index + 1,
                train_loss: stats.loss,
                val_loss: validation.map(|v| v.loss),
                val_accuracy: validation.and_then(|v| v.accuracy),
                val_rmse: validation.and_then(|v| v.rmse),
                learning_rate: rate,
            });
            if stop && plan.restore_best && self.best_epoch != Some(index) {
                if let (Some(best), Some(e)) = (&self.best_params, self.best_epoch) {
                    net.params.clone_from(best);
                    self.restored_best = Some(e);
                }
            }
            observer.epoch(&report, net, self)?;
            last = Some(report);
            if stop {
                break;
            }
        }
        Ok(last)
    }

    /// Keeps the trainer's state (optimizer, epoch, early-stopping record) in a model file.
    pub fn store(&self, model: &mut ModelFile<F>) {
        model.optimizer = Some(self.optimizer.clone());
        let state = serde_json::json!({
            "epoch": self.epoch,
            "best_validation_loss": if self.best_validation_loss.is_finite() {
                Some(self.best_validation_loss)
            } else {
                None
            },
            "epochs_since_best": self.epochs_since_best,
            "epoch_position": self.epoch_position,
            "epoch_partial_loss": self.epoch_partial_loss,
            "best_epoch": self.best_epoch,
            "planned_epochs": self.planned_epochs,
        });
        model.metadata.insert("training".into(), state.to_string());
        model.metadata.insert(
            "history".into(),
            serde_json::to_string(&self.history).expect("serialisable"),
        );
        if let Some(best) = &self.best_params {
            model
                .tensors
                .insert(BEST.into(), (vec![best.len()], best.clone()));
        }
    }

    /// Takes up the state [`Trainer::store`] kept, to continue a run. The optimizer's
    /// hyper-parameters stay this trainer's; its state (moments, step count) comes from the file.
    /// Errors are `Error::Config` (the caller adds the file name).
    pub fn restore(&mut self, model: &ModelFile<F>) -> Result<()> {
        let bad = |m: String| Error::Config(m);
        let text = model.metadata.get("training").ok_or_else(|| {
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
        let saved = model.optimizer.as_ref().ok_or_else(|| {
            bad("the file holds no optimizer state, so training cannot resume exactly".into())
        })?;
        if saved.config.kind != self.optimizer.config.kind
            || saved.first.len() != self.optimizer.first.len()
            || saved.second.len() != self.optimizer.second.len()
        {
            return Err(bad(format!(
                "the file's optimizer is {} for {} values, but the spec's is {} for {}",
                saved.config.kind.name(),
                saved.first.len().max(saved.second.len()),
                self.optimizer.config.kind.name(),
                self.optimizer.first.len().max(self.optimizer.second.len()),
            )));
        }
        self.optimizer.first.clone_from(&saved.first);
        self.optimizer.second.clone_from(&saved.second);
        self.optimizer.steps = saved.steps;
        self.step = saved.steps;
        self.epoch = state.epoch;
        self.best_validation_loss = state.best_validation_loss.unwrap_or(f64::INFINITY);
        self.epochs_since_best = state.epochs_since_best;
        if state.epoch_position >= self.order.len().max(1) || !state.epoch_partial_loss.is_finite()
        {
            return Err(bad(format!(
                "metadata training stopped at sample {} of an epoch, but the data has {}",
                state.epoch_position,
                self.order.len()
            )));
        }
        self.epoch_position = state.epoch_position;
        self.epoch_partial_loss = state.epoch_partial_loss;
        self.planned_epochs = state.planned_epochs;
        self.history = match model.metadata.get("history") {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| bad(format!("metadata history is not valid ({e})")))?,
            None => Vec::new(),
        };
        match (state.best_epoch, model.tensors.get(BEST)) {
            (Some(e), Some((_, best))) if best.len() == model.network.params.len() => {
                self.best_epoch = Some(e);
                self.best_params = Some(best.clone());
            }
            (None, None) => {}
            _ => {
                return Err(bad(format!(
                    "the best epoch's parameters (`{BEST}`) are missing or of the wrong size"
                )))
            }
        }
        Ok(())
    }
}

/// What [`Trainer::fit`] reports to: every step (cheaply) and every epoch. A closure
/// `|report, net, trainer| -> Result<()>` is an observer of the epochs.
pub trait Observer<F> {
    /// Whether the reports should carry times (two clock readings per epoch; with epochs of a
    /// few samples that is a noticeable share of the run).
    fn timing(&self) -> bool {
        true
    }
    /// After each step (called at the rate of the steps: keep it cheap).
    #[inline]
    fn step(&mut self, _progress: StepProgress) {}
    /// After each epoch; an error ends the run.
    fn epoch(&mut self, report: &EpochReport, net: &Network<F>, trainer: &Trainer<F>)
        -> Result<()>;
}

impl<F, T> Observer<F> for T
where
    T: FnMut(&EpochReport, &Network<F>, &Trainer<F>) -> Result<()>,
{
    fn epoch(
        &mut self,
        report: &EpochReport,
        net: &Network<F>,
        trainer: &Trainer<F>,
    ) -> Result<()> {
        self(report, net, trainer)
    }
}

/// The extra tensor of a model file that keeps the best epoch's parameters.
pub const BEST: &str = "training.best";

/// The seed offset of the shuffle streams (apart from initialisation's and the split's).
const SHUFFLE_SEED: u64 = 0x5348_5546_464c_4521;

/// What one epoch of [`Trainer::fit`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport {
    /// Epochs completed before this one (the first epoch is 0).
    pub epoch: usize,
    /// Mean training loss over the epoch, measured before each step's update.
    pub train_loss: f64,
    /// Metrics on the validation set after the epoch.
    pub validation: Option<Metrics>,
    pub learning_rate: f64,
    /// Training samples per second (steps only, without validation); `None` when the observer
    /// wants no timing ([`Observer::timing`]).
    pub samples_per_s: Option<f64>,
    /// Wall time of the epoch, validation included (and the observer's previous call).
    pub seconds: Option<f64>,
    /// Early stopping ends the run after this epoch.
    pub stopped_early: bool,
}

/// How long to train, at what rate, and when to stop early.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// Total epochs (counting those of a run being resumed).
    pub epochs: usize,
    pub schedule: Schedule,
    /// Stop when the validation loss has not improved for this many epochs.
    pub patience: Option<usize>,
    /// When early stopping ends the run, put back the parameters of the epoch with the lowest
    /// validation loss (default true).
    pub restore_best: bool,
    /// Stop (for now) after this many epochs of the run, which keeps the schedule of all
    /// `epochs`: a `--resume` to `epochs` then equals the whole run.
    pub stop_after: Option<usize>,
}

impl Plan {
    /// The plan a spec's `[training]` gives, for base learning rate `learning_rate`.
    pub fn from_spec(training: &TrainingSpec, learning_rate: f64) -> Plan {
        Plan {
            epochs: training.epochs,
            schedule: Schedule {
                kind: training.schedule,
                base: learning_rate,
                step_size: training.step_size,
                gamma: training.gamma,
                epochs: training.epochs,
                warmup: training.warmup,
            },
            patience: training.patience,
            restore_best: training.restore_best,
            stop_after: None,
        }
    }
}

/// The learning rate of each epoch `e` (counted from 0), for base rate η. First a linear
/// warm-up of W epochs (default 0): η·(e + 1)/W for e < W. Then, over the remaining
/// T = epochs − W epochs, counted from k = e − W:
/// - `none`: η;
/// - `step`: η·γ^⌊k / step_size⌋ (PyTorch's `StepLR`);
/// - `cosine`: ½η(1 + cos(π·k / T)) (PyTorch's `CosineAnnealingLR`, T_max = T, minimum 0).
///
/// (PyTorch's `SequentialLR` of a `LinearLR` warm-up and the schedule, stepped once an epoch.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    pub kind: ScheduleKind,
    pub base: f64,
    pub step_size: usize,
    pub gamma: f64,
    pub epochs: usize,
    pub warmup: usize,
}

impl Schedule {
    pub fn rate(&self, epoch: usize) -> f64 {
        if epoch < self.warmup {
            return self.base * (epoch + 1) as f64 / self.warmup as f64;
        }
        let epoch = epoch - self.warmup;
        let epochs = self.epochs.saturating_sub(self.warmup);
        match self.kind {
            ScheduleKind::None => self.base,
            ScheduleKind::Step => {
                self.base * self.gamma.powi((epoch / self.step_size.max(1)) as i32)
            }
            ScheduleKind::Cosine => {
                let progress = epoch as f64 / epochs.max(1) as f64;
                0.5 * self.base * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_by_hand() {
        let mut s = Schedule {
            kind: ScheduleKind::Step,
            base: 0.8,
            step_size: 3,
            gamma: 0.5,
            epochs: 10,
            warmup: 0,
        };
        // Epochs 0..2 at 0.8, 3..5 at 0.4, 6..8 at 0.2.
        let rates: Vec<f64> = (0..9).map(|e| s.rate(e)).collect();
        assert_eq!(rates, [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2]);
        s.kind = ScheduleKind::Cosine;
        // cos(0) = 1 → η; cos(π/2) = 0 → η/2 at the half; cos(π) = −1 → 0 at the end.
        assert_eq!(s.rate(0), 0.8);
        assert!((s.rate(5) - 0.4).abs() < 1e-15);
        assert!(s.rate(10).abs() < 1e-15);
        s.kind = ScheduleKind::None;
        assert_eq!(s.rate(7), 0.8);
        // Warm-up of 4 epochs: 0.2, 0.4, 0.6, 0.8; then cosine over the 6 left: k = e − 4,
        // ½·0.8·(1 + cos(πk/6)): 0.8 at e = 4, 0.4 at e = 7, 0 at e = 10.
        s.kind = ScheduleKind::Cosine;
        s.warmup = 4;
        let warm: Vec<f64> = (0..4).map(|e| s.rate(e)).collect();
        for (r, want) in warm.iter().zip([0.2, 0.4, 0.6, 0.8]) {
            assert!((r - want).abs() < 1e-15, "{warm:?}");
        }
        assert_eq!(s.rate(4), 0.8);
        assert!((s.rate(7) - 0.4).abs() < 1e-15);
        assert!(s.rate(10).abs() < 1e-15);
        // Step after warm-up counts its steps from the end of the warm-up.
        s.kind = ScheduleKind::Step;
        assert_eq!([s.rate(6), s.rate(7)], [0.8, 0.4]);
    }
}
