//! A run of many epochs ([`Trainer::fit`]): each epoch at its scheduled learning rate, the
//! validation set measured after it, early stopping on the validation loss, and every step and
//! epoch reported to the caller's [`Observer`], which may stop the run. Nothing here prints.

use crate::data::{DataInfo, Dataset};
use crate::engine::float::Float;
use crate::engine::network::{Network, Workspace};
use crate::engine::schedule::Schedule;
use crate::error::{Error, Result};
use crate::train::metrics::{self, Metrics};
use crate::train::record::EpochRecord;
use crate::train::trainer::{StepProgress, Trainer};
use std::ops::ControlFlow;
use std::time::Instant;

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
    /// `epochs`: a resumed run to `epochs` then equals the whole run.
    pub stop_after: Option<usize>,
}

/// What one epoch of [`Trainer::fit`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport {
    /// The epoch's number, counted from 1 (as in messages and logs).
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

/// What [`Trainer::fit`] reports to: every step (cheaply) and every epoch. Either may break
/// to stop the run: a step inside an epoch, or an epoch's end; `fit` then returns
/// [`Error::Interrupted`] and the trainer's state continues the run exactly. A closure
/// `|report, net, trainer| -> Result<ControlFlow<()>>` is an observer of the epochs.
pub trait Observer<F> {
    /// Whether the reports should carry times (two clock readings per epoch; with epochs of a
    /// few samples that is a noticeable share of the run).
    fn timing(&self) -> bool {
        true
    }
    /// After each step (called at the rate of the steps: keep it cheap).
    #[inline]
    fn step(&mut self, _progress: StepProgress) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
    /// Whether the observer needs the report of epoch `epoch` (counted from 1); default: every
    /// one. For an epoch it does not need, [`Trainer::fit`] builds no report and makes no
    /// [`Observer::epoch`] call (with epochs of one step, a report per epoch is a noticeable
    /// share of the run). `fit` reports regardless an epoch measured on a validation set, the
    /// last epoch of the run, and an epoch whose last [`Observer::step`] call broke.
    #[inline]
    fn wants_report(&self, _epoch: usize) -> bool {
        true
    }
    /// After each epoch; an error ends the run.
    fn epoch(
        &mut self,
        report: &EpochReport,
        net: &Network<F>,
        trainer: &Trainer<F>,
    ) -> Result<ControlFlow<()>>;
}

impl<F, T> Observer<F> for T
where
    T: FnMut(&EpochReport, &Network<F>, &Trainer<F>) -> Result<ControlFlow<()>>,
{
    fn epoch(
        &mut self,
        report: &EpochReport,
        net: &Network<F>,
        trainer: &Trainer<F>,
    ) -> Result<ControlFlow<()>> {
        self(report, net, trainer)
    }
}

impl<F: Float> Trainer<F> {
    /// Trains from epoch `epochs_done` up to `plan.epochs` (or until early stopping): sets the
    /// scheduled learning rate, runs an epoch, measures the validation set, and calls the
    /// observer with the report, the network and the trainer (to save a checkpoint, say); the
    /// observer also sees every step's progress. Returns the last epoch's report, if any ran.
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
        self.check_shapes(net, train)?;
        let mut eval_ws = validation.map(|v| Workspace::new(net, v.len().min(metrics::CHUNK)));
        let mut last = None;
        // One clock reading per epoch (two with validation), none when the observer has no use
        // for times: the end of one epoch is the start of the next.
        let timing = observer.timing();
        let now = || timing.then(Instant::now);
        let mut clock = now();
        let end = plan.stop_after.map_or(plan.epochs, |s| s.min(plan.epochs));
        self.state.planned_epochs = Some(plan.epochs);
        let one_step = self.epochs_are_one_step(train);
        while self.state.epochs_done < end {
            let index = self.state.epochs_done;
            let rate = plan.schedule.rate(index);
            self.optimizer.set_learning_rate(rate);
            // On this thread: `fit` moved to a pool thread above when the step uses threads.
            let mut broke = false;
            let progress = |p| {
                let flow = observer.step(p);
                broke = flow.is_break();
                flow
            };
            let stats = if one_step {
                self.one_step_epoch(net, train, progress)
            } else {
                self.epoch_checked(net, train, progress)
            }?;
            let trained = now();
            if validation.is_none()
                && index + 1 < end
                && !broke
                && !observer.wants_report(index + 1)
            {
                // Nothing to measure or report: the history's record, if kept, and on.
                if self.keep_history {
                    self.history.push(EpochRecord {
                        epoch: index + 1,
                        train_loss: stats.loss,
                        val_loss: None,
                        val_accuracy: None,
                        val_rmse: None,
                        learning_rate: rate,
                    });
                }
                clock = trained;
                continue;
            }
            let validation = match (validation, eval_ws.as_mut()) {
                (Some(v), Some(ws)) => Some(metrics::evaluate(net, v, info, ws)),
                _ => None,
            };
            let end = if validation.is_some() { now() } else { trained };
            let since =
                |t: Option<Instant>| t.zip(clock).map(|(t, c)| t.duration_since(c).as_secs_f64());
            let (train_seconds, seconds) = (since(trained), since(end));
            clock = end;
            let stop = self.record_validation(validation.as_ref(), plan.patience, index, net);
            if self.keep_history {
                self.history.push(EpochRecord {
                    epoch: index + 1,
                    train_loss: stats.loss,
                    val_loss: validation.map(|v| v.loss),
                    val_accuracy: validation.and_then(|v| v.accuracy),
                    val_rmse: validation.and_then(|v| v.rmse),
                    learning_rate: rate,
                });
            }
            if stop && plan.restore_best && self.state.best_epoch != Some(index) {
                if let (Some(best), Some(e)) = (&self.best_params, self.state.best_epoch) {
                    net.params.clone_from(best);
                    self.restored_best = Some(e);
                }
            }
            let report = EpochReport {
                epoch: index + 1,
                train_loss: stats.loss,
                validation,
                learning_rate: rate,
                samples_per_s: train_seconds.map(|t| stats.samples as f64 / t.max(1e-9)),
                seconds,
                stopped_early: stop,
            };
            if observer.epoch(&report, net, self)?.is_break() {
                return Err(Error::Interrupted {
                    epoch: report.epoch,
                    step: self.steps_done(),
                });
            }
            last = Some(report);
            if stop {
                break;
            }
        }
        Ok(last)
    }

    /// Keeps the early-stopping record and the best epoch's parameters (epoch `index`, from 0);
    /// returns whether the run should stop here.
    fn record_validation(
        &mut self,
        validation: Option<&Metrics>,
        patience: Option<usize>,
        index: usize,
        net: &Network<F>,
    ) -> bool {
        let Some(v) = validation else {
            return false;
        };
        let s = &mut self.state;
        if v.loss < s.best_validation_loss {
            s.best_validation_loss = v.loss;
            s.epochs_since_best = 0;
            s.best_epoch = Some(index);
            match &mut self.best_params {
                Some(b) => b.clone_from(&net.params),
                None => self.best_params = Some(net.params.clone()),
            }
        } else {
            s.epochs_since_best += 1;
        }
        patience.is_some_and(|p| s.epochs_since_best >= p)
    }
}
