//! The training step and the epoch: each batch one step of forward → loss → backward →
//! optimizer update ([`Trainer::step`]), an epoch one pass over the data in batches
//! ([`Trainer::epoch`]). The last, partial batch of an epoch counts, averaged over its own size.
//!
//! A [`Trainer`] owns everything a step needs (workspace, optimizer state, batch buffers), all
//! allocated once in [`Trainer::new`]: a step of a network whose layers take the fused small
//! passes allocates nothing; a larger layer's products go through the `gemm` crate, which
//! takes a packing buffer per product from its own allocator.
//!
//! Reproducibility: epoch `e` shuffles the sample order from identity with the ChaCha stream `e`
//! of the seed, so an epoch's order depends only on (seed, e). The whole state of a run is the
//! parameters, the optimizer state and the [`TrainingState`] (epochs done, the early-stopping
//! record, the place inside a stopped epoch), all of which a model file keeps: a resumed run
//! equals an uninterrupted one bit for bit.

use crate::data::Dataset;
use crate::engine::collective::Collective;
use crate::engine::dropout::{Dropout, InputDropout};
use crate::engine::float::Float;
use crate::engine::matrix::PARALLEL_FLOPS;
use crate::engine::network::Network;
use crate::engine::optim::{Optimizer, OptimizerConfig};
use crate::engine::shards::ShardedWorkspace;
use crate::engine::tiny::TinyStep;
use crate::error::{Error, Result};
use crate::train::diagnose;
use crate::train::gather::gather;
use crate::train::record::EpochRecord;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::ops::ControlFlow;
use std::sync::Arc;

/// How to train: the optimizer and how batches are drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainerConfig {
    pub optimizer: OptimizerConfig,
    /// Samples per step (default 32), capped at the data size.
    pub batch_size: usize,
    /// Reshuffle the samples every epoch, from `seed` (default true).
    pub shuffle: bool,
    /// Seed of the shuffling (default 0).
    pub seed: u64,
}

impl Default for TrainerConfig {
    fn default() -> Self {
        TrainerConfig {
            optimizer: OptimizerConfig::sgd(0.01),
            batch_size: DEFAULT_BATCH_SIZE,
            shuffle: true,
            seed: 0,
        }
    }
}

impl TrainerConfig {
    /// Batches of `batch_size` samples in the data's own order, never shuffled (the worked
    /// example's full batch, a test's fixed batches).
    pub fn in_order(optimizer: OptimizerConfig, batch_size: usize) -> Self {
        TrainerConfig {
            optimizer,
            batch_size,
            shuffle: false,
            seed: 0,
        }
    }
}

/// The batch size when a spec gives none.
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// Where a run stands between steps: with the parameters and the optimizer state, all a
/// resumed run needs to continue exactly.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainingState {
    /// Epochs completed.
    pub epochs_done: usize,
    /// The lowest validation loss so far (∞ before the first), and the epochs since it.
    pub best_validation_loss: f64,
    pub epochs_since_best: usize,
    /// Samples of the current epoch already trained on, when a run stopped inside an epoch;
    /// the next epoch call continues from there.
    pub epoch_position: usize,
    /// Σ batch loss × batch size over those samples (the epoch's mean loss needs it).
    pub epoch_partial_loss: f64,
    /// The epoch (from 0) of the lowest validation loss, whose parameters
    /// [`Trainer::best_params`] keeps.
    pub best_epoch: Option<usize>,
    /// The epochs the run's schedule was planned over ([`crate::Plan::epochs`]).
    pub planned_epochs: Option<usize>,
}

impl Default for TrainingState {
    fn default() -> Self {
        TrainingState {
            epochs_done: 0,
            best_validation_loss: f64::INFINITY,
            epochs_since_best: 0,
            epoch_position: 0,
            epoch_partial_loss: 0.0,
            best_epoch: None,
            planned_epochs: None,
        }
    }
}

/// What one epoch did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochStats {
    /// Mean training loss over the epoch's samples (each batch's loss weighted by its size),
    /// measured before each step's update.
    pub loss: f64,
    pub steps: usize,
    pub samples: usize,
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

/// The state of a training run.
#[derive(Clone, Debug)]
pub struct Trainer<F> {
    pub optimizer: Optimizer<F>,
    pub workspace: ShardedWorkspace<F>,
    pub batch_size: usize,
    pub shuffle: bool,
    seed: u64,
    /// The configured learning rate (the optimizer's own changes with the schedule).
    base_learning_rate: f64,
    order: Vec<usize>,
    batch_x: Vec<F>,
    batch_t: Vec<F>,
    pub state: TrainingState,
    /// Dropout, when a layer has it ([`Trainer::set_dropout`]).
    pub dropout: Option<Dropout>,
    /// Dropout on the inputs ([`Trainer::set_input_dropout`]), and the masked batch it reads.
    pub input_dropout: Option<InputDropout>,
    dropped_x: Vec<F>,
    /// The parameters after the epoch of the lowest validation loss
    /// ([`TrainingState::best_epoch`]), kept by [`Trainer::fit`] when it has a validation set.
    pub best_params: Option<Vec<F>>,
    /// Set when [`Trainer::fit`] put the best epoch's parameters back at the end of early
    /// stopping: that epoch (from 0).
    pub restored_best: Option<usize>,
    /// Every epoch of the run so far, those of the runs it resumed included (kept by
    /// [`Trainer::fit`] while [`Trainer::keep_history`]).
    pub history: Vec<EpochRecord>,
    /// Whether [`Trainer::fit`] appends each epoch to [`Trainer::history`] (default true; a
    /// caller that saves no model file may turn it off: a million one-step epochs otherwise
    /// keep 48 MB of records nobody reads).
    pub keep_history: bool,
    /// The group of processes this run's steps are spread over
    /// ([`crate::engine::collective`]); `None`: this process alone.
    pub group: Option<Arc<dyn Collective<F>>>,
    /// The one-pass step of a tiny network ([`crate::engine::tiny`]), taken for plain SGD
    /// without dropout or a group; `None` for a network with a larger layer.
    tiny: Option<TinyStep<F>>,
}

impl<F: Float> Trainer<F> {
    /// A trainer of `net` for a data set of `data_len` samples.
    pub fn new(net: &Network<F>, config: &TrainerConfig, data_len: usize) -> Self {
        let batch_size = config.batch_size.clamp(1, data_len.max(1));
        Trainer {
            optimizer: Optimizer::for_network(config.optimizer, net),
            workspace: ShardedWorkspace::new(net, batch_size),
            tiny: TinyStep::new(net, batch_size),
            batch_size,
            shuffle: config.shuffle,
            seed: config.seed,
            base_learning_rate: config.optimizer.learning_rate,
            order: (0..data_len).collect(),
            batch_x: vec![F::ZERO; batch_size * net.inputs],
            batch_t: vec![F::ZERO; batch_size * net.outputs()],
            state: TrainingState::default(),
            dropout: None,
            input_dropout: None,
            dropped_x: Vec::new(),
            best_params: None,
            restored_best: None,
            history: Vec::new(),
            keep_history: true,
            group: None,
        }
    }

    /// Drops the outputs of each layer with rate p > 0 during training (`rates`, one per
    /// layer; see [`crate::engine::dropout`]), masks from the trainer's seed.
    pub fn set_dropout(&mut self, net: &Network<F>, rates: &[f64]) {
        self.dropout = Dropout::new(rates, self.seed);
        for part in &mut self.workspace.parts {
            part.set_dropout(net, rates);
        }
    }

    /// Drops each input with probability `rate` during training (0: none; see
    /// [`InputDropout`]), masks from the trainer's seed.
    pub fn set_input_dropout(&mut self, net: &Network<F>, rate: f64) {
        self.input_dropout = InputDropout::new(rate, self.seed);
        let len = if self.input_dropout.is_some() {
            self.batch_size * net.inputs
        } else {
            0
        };
        self.dropped_x = vec![F::ZERO; len];
    }

    /// Steps taken, counting those of a resumed run (the optimizer's count).
    pub fn steps_done(&self) -> u64 {
        self.optimizer.steps
    }

    /// Epochs completed.
    pub fn epochs_done(&self) -> usize {
        self.state.epochs_done
    }

    /// One step on one batch of `batch` samples `x` `[batch × inputs]`, targets `t`
    /// `[batch × outputs]`: forward, loss, backward, update. Returns the batch loss (before the
    /// update); a loss or gradient that is not finite is an error that says where it arose.
    #[inline(always)]
    pub fn step(&mut self, net: &mut Network<F>, x: &[F], t: &[F], batch: usize) -> Result<F> {
        if let Some(tiny) = &mut self.tiny {
            if self.dropout.is_none()
                && self.input_dropout.is_none()
                && self.group.is_none()
                && self.optimizer.is_plain_sgd()
            {
                let lr = F::from_f64(self.optimizer.config.learning_rate);
                let grads = &mut self.workspace.parts[0].grads;
                if let Some(loss) = tiny.step(net, x, t, batch, lr, grads) {
                    self.optimizer.steps = self.optimizer.steps.saturating_add(1);
                    return Ok(loss);
                }
                // A loss that is not finite: the general pass redoes the step (nothing was
                // updated) and says where it arose.
            }
        }
        self.general_step(net, x, t, batch)
    }

    /// [`Trainer::step`] through the workspace and the optimizer, with the inputs' dropout
    /// (apart from the one-pass step, so that a tiny network's call does not pay for this
    /// one's set-up).
    #[inline(never)]
    fn general_step(&mut self, net: &mut Network<F>, x: &[F], t: &[F], batch: usize) -> Result<F> {
        let step = self.optimizer.steps;
        let x = match &self.input_dropout {
            Some(d) => {
                let masked = &mut self.dropped_x[..x.len()];
                d.apply(step, x, masked);
                &*masked
            }
            None => x,
        };
        let loss = match &self.group {
            None => {
                if let Some(d) = &self.dropout {
                    d.draw(step, batch, &mut self.workspace);
                }
                if self.workspace.shard_count() > 1 && self.optimizer.is_plain_sgd() {
                    // The shards' averaging and the update in one pass (the same numbers).
                    let lr = F::from_f64(self.optimizer.config.learning_rate);
                    let loss = self.workspace.sgd_step(net, x, t, batch, lr);
                    if loss.is_finite() {
                        self.optimizer.steps = self.optimizer.steps.saturating_add(1);
                        return Ok(loss);
                    }
                    loss
                } else {
                    self.workspace.loss_and_gradients(net, x, t, batch)
                }
            }
            Some(g) => {
                let dropout = self.dropout.as_ref().map(|d| (d, step));
                self.workspace
                    .loss_and_gradients_across(net, x, t, batch, dropout, &**g)
            }
        };
        if !loss.is_finite() {
            let (epoch, step) = (self.state.epochs_done + 1, self.steps_done() + 1);
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
        Ok(loss)
    }

    /// One pass over `data` in batches (shuffled from the seed if `shuffle`).
    pub fn epoch(&mut self, net: &mut Network<F>, data: &Dataset<F>) -> Result<EpochStats> {
        self.epoch_with(net, data, |_| ControlFlow::Continue(()))
    }

    /// [`Trainer::epoch`], calling `progress` after every step (keep it cheap: it runs at the
    /// rate of the steps). When it breaks before the epoch's last step, the epoch stops there
    /// with [`Error::Interrupted`]; the next call continues it where it stopped.
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
        progress: impl FnMut(StepProgress) -> ControlFlow<()> + Send,
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
        progress: impl FnMut(StepProgress) -> ControlFlow<()>,
    ) -> Result<EpochStats> {
        self.check_shapes(net, data)?;
        self.epoch_checked(net, data, progress)
    }

    /// [`Trainer::epoch_here`] on data whose shape [`Trainer::check_shapes`] accepted
    /// ([`Trainer::fit`] checks once for all its epochs). Inlined, as the step's call inside
    /// it: with epochs of one step, each call's set-up is a noticeable share of the epoch.
    #[inline(always)]
    pub(crate) fn epoch_checked(
        &mut self,
        net: &mut Network<F>,
        data: &Dataset<F>,
        mut progress: impl FnMut(StepProgress) -> ControlFlow<()>,
    ) -> Result<EpochStats> {
        let n = data.len();
        if self.shuffle {
            self.shuffle_order();
        }
        // A stopped epoch continues where it stopped (the order is the same: it depends only
        // on the seed and the epoch).
        let mut start = self.state.epoch_position.min(n);
        let mut total = F::from_f64(self.state.epoch_partial_loss);
        let mut steps = 0;
        while start < n {
            let b = self.batch_size.min(n - start);
            let loss = self.step_on_rows(net, data, start, b)?;
            total += loss * F::from_usize(b);
            steps += 1;
            start += b;
            let flow = progress(StepProgress {
                done: start,
                samples: n,
                loss: total.to_f64() / start as f64,
            });
            if start < n && flow.is_break() {
                self.state.epoch_position = start;
                self.state.epoch_partial_loss = total.to_f64();
                return Err(Error::Interrupted {
                    epoch: self.state.epochs_done + 1,
                    step: self.steps_done(),
                });
            }
        }
        self.state.epoch_position = 0;
        self.state.epoch_partial_loss = 0.0;
        self.state.epochs_done += 1;
        Ok(EpochStats {
            loss: total.to_f64() / n as f64,
            steps,
            samples: n,
        })
    }

    /// Whether every epoch of `data` from here is one step on the data in place: not shuffled,
    /// one batch of all of it, and no epoch stopped part-way to continue. Then
    /// [`Trainer::one_step_epoch`] runs it.
    pub(crate) fn epochs_are_one_step(&self, data: &Dataset<F>) -> bool {
        let n = data.len();
        !self.shuffle
            && n > 0
            && self.batch_size >= n
            && self.state.epoch_position == 0
            && self.state.epoch_partial_loss == 0.0
    }

    /// [`Trainer::epoch_checked`] where [`Trainer::epochs_are_one_step`]: the same step and
    /// the same sums (the epoch's loss `(0 + L·n)/n`, its one step's progress), without the
    /// loop over batches and the state of an epoch stopped part-way, which with epochs of one
    /// step are a noticeable share of the epoch. (The progress's break is not checked: an
    /// epoch's last step never stops it part-way.)
    #[inline(always)]
    pub(crate) fn one_step_epoch(
        &mut self,
        net: &mut Network<F>,
        data: &Dataset<F>,
        mut progress: impl FnMut(StepProgress) -> ControlFlow<()>,
    ) -> Result<EpochStats> {
        let n = data.len();
        let loss = self.step(net, &data.x, &data.t, n)?;
        let loss = (F::ZERO + loss * F::from_usize(n)).to_f64() / n as f64;
        let _ = progress(StepProgress {
            done: n,
            samples: n,
            loss,
        });
        self.state.epochs_done += 1;
        Ok(EpochStats {
            loss,
            steps: 1,
            samples: n,
        })
    }

    /// The data must be the size and shape the trainer and the network were made for.
    pub(crate) fn check_shapes(&self, net: &Network<F>, data: &Dataset<F>) -> Result<()> {
        let (n, ni, no) = (data.len(), data.inputs, data.outputs);
        if self.order.len() != n || ni != net.inputs || no != net.outputs() {
            return Err(Error::Config(format!(
                "data of {n} samples × {ni} inputs → {no} outputs, but the trainer was made for {} samples and the network takes {} inputs → {} outputs",
                self.order.len(),
                net.inputs,
                net.outputs()
            )));
        }
        Ok(())
    }

    /// This epoch's sample order. Shuffling draws from its own seed, apart from
    /// initialisation, one stream per epoch.
    fn shuffle_order(&mut self) {
        for (k, o) in self.order.iter_mut().enumerate() {
            *o = k;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ SHUFFLE_SEED);
        rng.set_stream(self.state.epochs_done as u64);
        self.order.shuffle(&mut rng);
    }

    /// A step on the `b` samples at places `start..start + b` of this epoch's order: gathered
    /// into the batch buffers when shuffled, read in place when not.
    #[inline(always)]
    fn step_on_rows(
        &mut self,
        net: &mut Network<F>,
        data: &Dataset<F>,
        start: usize,
        b: usize,
    ) -> Result<F> {
        let (ni, no) = (data.inputs, data.outputs);
        if !self.shuffle {
            let x = &data.x[start * ni..(start + b) * ni];
            let t = &data.t[start * no..(start + b) * no];
            return self.step(net, x, t, b);
        }
        self.step_on_gathered(net, data, start, b)
    }

    /// [`Trainer::step_on_rows`] of a shuffled epoch.
    #[inline(never)]
    fn step_on_gathered(
        &mut self,
        net: &mut Network<F>,
        data: &Dataset<F>,
        start: usize,
        b: usize,
    ) -> Result<F> {
        let (ni, no) = (data.inputs, data.outputs);
        let threads = self.uses_threads(net);
        let order = &self.order[start..start + b];
        let (bx, bt) = (&mut self.batch_x[..b * ni], &mut self.batch_t[..b * no]);
        if b >= 2 && threads {
            // A step that uses threads runs on a pool thread: the two halves of the batch are
            // gathered on both cores (each row is a copy, so the batch is the same).
            let half = b / 2;
            let (x0, x1) = bx.split_at_mut(half * ni);
            let (t0, t1) = bt.split_at_mut(half * no);
            let (o0, o1) = order.split_at(half);
            rayon::join(|| gather(data, o0, x0, t0), || gather(data, o1, x1, t1));
        } else {
            gather(data, order, bx, bt);
        }
        let (bx, bt) = (
            std::mem::take(&mut self.batch_x),
            std::mem::take(&mut self.batch_t),
        );
        let r = self.step(net, &bx[..b * ni], &bt[..b * no], b);
        self.batch_x = bx;
        self.batch_t = bt;
        r
    }

    /// The configured learning rate, which a schedule scales epoch by epoch.
    pub fn base_learning_rate(&self) -> f64 {
        self.base_learning_rate
    }

    /// The seed of the shuffles (and, in a spec, of the initialisation and the split).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Takes up a saved run: its state and its optimizer's state (moments, step count). The
    /// optimizer's hyper-parameters stay this trainer's. Errors are `Error::Config` (the caller
    /// adds the file name).
    pub fn restore(&mut self, state: TrainingState, saved: &Optimizer<F>) -> Result<()> {
        let mine = &self.optimizer;
        if saved.config.kind != mine.config.kind
            || saved.first.len() != mine.first.len()
            || saved.second.len() != mine.second.len()
        {
            return Err(Error::Config(format!(
                "the file's optimizer is {} for {} values, but the spec's is {} for {}",
                saved.config.kind.name(),
                saved.first.len().max(saved.second.len()),
                mine.config.kind.name(),
                mine.first.len().max(mine.second.len()),
            )));
        }
        if state.epoch_position >= self.order.len().max(1) || !state.epoch_partial_loss.is_finite()
        {
            return Err(Error::Config(format!(
                "metadata training stopped at sample {} of an epoch, but the data has {}",
                state.epoch_position,
                self.order.len()
            )));
        }
        self.optimizer.first.clone_from(&saved.first);
        self.optimizer.second.clone_from(&saved.second);
        self.optimizer.steps = saved.steps;
        self.state = state;
        Ok(())
    }
}

/// The seed offset of the shuffle streams (apart from initialisation's and the split's).
const SHUFFLE_SEED: u64 = 0x5348_5546_464c_4521;
