//! `backprop train SPEC.toml`: trains on the spec's data; flags override the spec.

use super::group::{Fingerprint, Group};
use super::interrupt;
use super::log::Log;
use super::plot::{self, Figure, Point};
use super::progress::{metric_text, Progress};
use super::say::say;
use super::thin::Thinned;
use super::{num, report};
use backprop::interop::tensorboard::EventWriter;
use backprop::io::atomic::write_atomically;
use backprop::{
    config_err, metrics, model_file, AnyModel, Confusion, DataInfo, Dataset, EpochRecord,
    EpochReport, Error, Float, Metrics, ModelFile, Network, Prepared, Result, Schedule,
    ScheduleKind, Spec, StepProgress, Task, Trainer, Workspace,
};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The spec file (TOML) with the network, optimizer, training settings and data.
    spec: PathBuf,
    /// Epochs (passes over the data); overrides [training] epochs (default 1). With --resume,
    /// the total, counting the epochs already trained.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    epochs: Option<usize>,
    /// Learning rate; overrides [optimizer] learning_rate.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    lr: Option<f64>,
    /// Samples per step; overrides [training] batch_size (default 32, capped at the data size).
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    batch_size: Option<usize>,
    /// Seed of initialisation, splitting and shuffling; overrides [training] seed (default 0).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Write the trained model here at the end (safetensors, written atomically).
    #[arg(long, value_name = "MODEL.safetensors")]
    save: Option<PathBuf>,
    /// No progress bar and no per-epoch lines; only the final summary.
    #[arg(long, short)]
    quiet: bool,
    /// Write one JSON line per epoch here, and a last line with the test metrics.
    #[arg(long, value_name = "FILE.jsonl")]
    log: Option<PathBuf>,
    /// Draw the loss and accuracy curves (and a classifier's confusion matrix): .svg or .png.
    #[arg(long, value_name = "FILE.svg|FILE.png")]
    plot: Option<PathBuf>,
    /// Save the model (with the optimizer state) every N epochs to the --save file.
    #[arg(
        long,
        value_name = "N",
        requires = "save",
        allow_negative_numbers = true
    )]
    checkpoint_every: Option<usize>,
    /// Write the trained model as ONNX here at the end (as `backprop export` does).
    #[arg(long, value_name = "MODEL.onnx")]
    export: Option<PathBuf>,
    /// Write a TensorBoard event file into this folder (created if needed): per epoch the
    /// losses, the validation metric, the learning rate and samples/s; the spec as text.
    #[arg(long, value_name = "DIR")]
    tensorboard: Option<PathBuf>,
    /// Continue training from a model file saved by --save or a checkpoint.
    #[arg(long, value_name = "MODEL.safetensors")]
    resume: Option<PathBuf>,
    /// Stop after this many epochs of the run, keeping the schedule of all of them (--epochs or
    /// [training] epochs): a later --resume to the full length equals the whole run.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    stop_after: Option<usize>,
    /// At the end of early stopping, keep the last epoch's weights (by default the best
    /// validation epoch's are put back; [training] restore_best = false does the same).
    #[arg(long)]
    keep_last: bool,
    /// On MPI, every rank computes a slice of every batch and MPI's all-reduce sums the
    /// gradients: faster on more ranks, but within rounding of the one-process run instead of
    /// equal to it bit for bit (by default the ranks share the engine's shards). Alone, no effect.
    #[arg(long)]
    all_reduce: bool,
}

pub fn run(mut args: Args) -> Result<ExitCode> {
    let spread = if args.all_reduce {
        backprop::Spread::Slices
    } else {
        backprop::Spread::Shards
    };
    let group = Group::join(spread)?;
    if !group.is_root() {
        // Rank 0 alone prints and writes the run's files.
        (args.save, args.log, args.plot, args.export) = (None, None, None, None);
        (args.tensorboard, args.checkpoint_every, args.quiet) = (None, None, true);
    }
    let Some(spec) = group.agree(settings(&args), |_| 0)? else {
        return Ok(ExitCode::from(2));
    };
    match spec.dtype {
        backprop::Dtype::F32 => train::<f32>(&spec, &args, &group),
        backprop::Dtype::F64 => train::<f64>(&spec, &args, &group),
    }
}

/// The spec with the flags' overrides, checked, and the outputs checked before any work.
fn settings(args: &Args) -> Result<Spec> {
    let mut spec = Spec::from_file(&args.spec)?;
    if let Some(e) = args.epochs {
        spec.training.epochs = e;
    }
    if let Some(lr) = args.lr {
        spec.optimizer.learning_rate = lr;
    }
    if let Some(b) = args.batch_size {
        spec.training.batch_size = Some(b);
    }
    if let Some(s) = args.seed {
        spec.training.seed = s;
    }
    if args.keep_last {
        spec.training.restore_best = false;
    }
    if args.checkpoint_every == Some(0) {
        return config_err!("--checkpoint-every is 0, expected at least 1 epoch");
    }
    check_outputs(&spec, args)?;
    if let Some(path) = &args.plot {
        plot::check_path(path)?;
    }
    if let Some(dir) = args
        .tensorboard
        .as_ref()
        .filter(|d| d.exists() && !d.is_dir())
    {
        return config_err!(
            "--tensorboard {}: is a file, expected a folder (created if missing)",
            dir.display()
        );
    }
    spec.validate().map_err(|e| e.in_file("command line"))?;
    // A model that cannot be written is refused now, not after the training.
    if let Some(path) = &args.save {
        backprop::io::atomic::check_writable(path)?;
    }
    Ok(spec)
}

/// What a run starts from: the data, the network and the trainer (resumed, if asked).
struct Setup<F> {
    train: Dataset<F>,
    validation: Option<Dataset<F>>,
    test: Option<Dataset<F>>,
    info: DataInfo,
    net: Network<F>,
    trainer: Trainer<F>,
    plan: backprop::Plan,
}

impl<F: Float> Setup<F> {
    /// What every rank of a group must start from alike.
    fn fingerprint(&self, spec: &Spec) -> u64 {
        let mut f = Fingerprint::new()
            .text(&format!(
                "{spec:?} {:?} {:?}",
                self.plan, self.trainer.state
            ))
            .text(&format!("{:?}", self.info));
        for d in [
            Some(&self.train),
            self.validation.as_ref(),
            self.test.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            f = f.floats(&d.x).floats(&d.t);
        }
        let o = &self.trainer.optimizer;
        f.floats(&self.net.params)
            .floats(&o.first)
            .floats(&o.second)
            .text(&o.steps.to_string())
            .finish()
    }
}

fn train<F: Float>(spec: &Spec, args: &Args, group: &Group) -> Result<ExitCode> {
    let Some(setup) = group.agree(setup::<F>(spec, args), |s| s.fingerprint(spec))? else {
        return Ok(ExitCode::from(2));
    };
    let result = run_from(setup, args, group);
    group.end(result)
}

/// Reads the data, makes the network and the trainer, and takes up the --resume file.
fn setup<F: Float>(spec: &Spec, args: &Args) -> Result<Setup<F>> {
    interrupt::install()?;
    super::say::keep_going_on_closed_pipe();
    let base = args.spec.parent().unwrap_or(Path::new(""));
    let spec_name = args.spec.display().to_string();
    let Prepared {
        train,
        validation,
        test,
        info,
        dropped,
        ..
    } = spec.prepare::<F>(base).map_err(|e| e.in_file(&spec_name))?;
    if dropped > 0 {
        say!(
            "data: dropped {} with a missing value ([data] missing = \"drop\")",
            super::count(dropped, "row")
        );
    }
    let mut net = spec.network::<F>()?;
    let mut trainer = Trainer::new(&net, &spec.trainer_config(), train.len());
    spec.apply_dropout(&mut trainer, &net);
    let mut plan = spec.plan();
    plan.stop_after = args.stop_after;
    if let Some(path) = &args.resume {
        resume(path, &mut net, &mut trainer, &info)?;
        let done = trainer.epochs_done();
        let scheduled = spec.training.schedule != ScheduleKind::None || spec.training.warmup > 0;
        match trainer.state.planned_epochs {
            Some(planned) if planned != plan.epochs && scheduled => println!(
                "note: {} planned its learning-rate schedule over {planned} epochs; it now follows a schedule over {}: epoch {} takes rate {} (a run of {planned} would have taken {})",
                path.display(),
                plan.epochs,
                done + 1,
                num(plan.schedule.rate(done), 6),
                num(
                    Schedule {
                        epochs: planned,
                        ..plan.schedule
                    }
                    .rate(done),
                    6
                ),
            ),
            _ => {}
        }
        if done >= plan.epochs {
            return config_err!(
                "{}: the run has already trained {done} epochs, the total asked for (--epochs or [training] epochs) is {}; expected more than {done}",
                path.display(),
                plan.epochs,
            );
        }
    }
    if args.stop_after == Some(0) {
        return config_err!("--stop-after is 0, expected at least 1 epoch");
    }
    // Only a model file reads the run's history (every --save writes one).
    trainer.keep_history = args.save.is_some();
    Ok(Setup {
        train,
        validation,
        test,
        info,
        net,
        trainer,
        plan,
    })
}

/// Trains from `setup` and reports; on a group, every rank trains and rank 0 reports.
fn run_from<F: Float>(setup: Setup<F>, args: &Args, group: &Group) -> Result<ExitCode> {
    let Setup {
        train,
        validation,
        test,
        info,
        mut net,
        mut trainer,
        plan,
    } = setup;
    trainer.group = group.collective::<F>();
    let first = trainer.epochs_done();
    let first_step = trainer.steps_done();
    let mut observer = Observer {
        args,
        group,
        info: &info,
        progress: Progress::new(args.quiet, first, plan.epochs, train.len()),
        log: args.log.as_deref().map(Log::create).transpose()?,
        events: args
            .tensorboard
            .as_deref()
            .map(|dir| events(dir, &args.spec))
            .transpose()?,
        history: Thinned::new(plot::MAX_POINTS),
    };
    // The log and the plot cover the whole run: the epochs of the runs resumed first.
    for r in &trainer.history {
        observer.record(r, None, None)?;
    }
    let start = std::time::Instant::now();
    let last = trainer.fit(
        &mut net,
        &train,
        validation.as_ref(),
        &info,
        &plan,
        &mut observer,
    );
    let Observer {
        progress,
        log,
        history,
        ..
    } = observer;
    progress.finish();
    if !group.is_root() {
        return match last {
            Err(Error::Interrupted { .. }) => Ok(ExitCode::from(interrupt::EXIT_STATUS)),
            other => other.map(|_| ExitCode::SUCCESS),
        };
    }
    if let Some(e) = trainer.restored_best {
        println!(
            "early stopping: restored the weights of epoch {} (the lowest validation loss, {}); --keep-last or [training] restore_best = false keeps the last epoch's",
            e + 1,
            num(trainer.state.best_validation_loss, 6)
        );
    }
    let last = match last {
        Ok(last) => last,
        Err(Error::Interrupted { epoch, step }) => {
            let stopped = Stopped { epoch, step };
            return stopped.report(args, &net, &trainer, &info, log, train.len());
        }
        Err(e) => {
            // A failed run (a loss that became NaN, say) keeps the log of its epochs.
            if let Some(log) = log {
                log.finish()?;
            }
            return Err(e);
        }
    };
    let run = Run {
        net: &net,
        trainer: &trainer,
        info: &info,
        train: &train,
        test: test.as_ref(),
    };
    let seconds = start.elapsed().as_secs_f64();
    // Saved before anything is reported: output into a closed pipe never loses the model.
    if let Some(path) = &args.save {
        save(path, &net, &trainer, &info)?;
    }
    run.summary((first, first_step), last, seconds);
    let (final_name, final_metrics, confusion) = run.final_figures();
    if let Some(path) = &args.save {
        say!("saved {}", path.display());
    }
    if let Some(log) = log {
        run.finish_log(log, test.as_ref().map(|_| final_metrics))?;
    }
    if let Some(path) = &args.export {
        write_atomically(path, &backprop::interop::onnx::to_onnx(&net, &info))?;
        say!("exported {}", path.display());
    }
    if let Some(path) = &args.plot {
        run.plot(path, history.points(), final_name, confusion.as_ref())?;
        say!("plotted {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// A run stopped by Ctrl-C (or SIGTERM) after epoch `epoch`'s step `step`.
struct Stopped {
    epoch: usize,
    step: u64,
}

impl Stopped {
    /// Keeps what was done: the log of the finished epochs, and a model file of the state when
    /// it stopped inside an epoch (the observer saved those that ended one); says where it
    /// stopped and how to continue.
    fn report<F: Float>(
        &self,
        args: &Args,
        net: &Network<F>,
        trainer: &Trainer<F>,
        info: &DataInfo,
        log: Option<Log>,
        samples: usize,
    ) -> Result<ExitCode> {
        if let Some(log) = log {
            log.finish()?;
        }
        let (epoch, step) = (self.epoch, self.step);
        let position = trainer.state.epoch_position;
        let place = if position > 0 {
            if let Some(path) = &args.save {
                save(path, net, trainer, info)?;
            }
            format!("in epoch {epoch} after step {step} ({position} of {samples} samples)")
        } else {
            format!("after epoch {epoch}")
        };
        match &args.save {
            Some(path) => say!(
                "interrupted {place}; saved {} (continue with --resume {})",
                path.display(),
                path.display()
            ),
            None => say!("interrupted {place} (nothing saved: no --save)"),
        }
        Ok(ExitCode::from(interrupt::EXIT_STATUS))
    }
}

/// A finished run, for its closing figures.
struct Run<'a, F> {
    net: &'a Network<F>,
    trainer: &'a Trainer<F>,
    info: &'a DataInfo,
    train: &'a Dataset<F>,
    test: Option<&'a Dataset<F>>,
}

impl<F: Float> Run<'_, F> {
    /// `trained N epochs (…)` and the last validation figures.
    fn summary(&self, first: (usize, u64), last: Option<EpochReport>, seconds: f64) {
        let t = self.trainer;
        let done = t.epochs_done() - first.0;
        let steps = t.steps_done() - first.1;
        let resumed = if first.0 > 0 {
            format!(
                " (epochs {}–{} after --resume; {} steps in all)",
                first.0 + 1,
                t.epochs_done(),
                t.steps_done()
            )
        } else {
            String::new()
        };
        say!(
            "trained {done} epoch{} ({steps} step{}, batch {}){resumed} in {seconds:.3} s; last epoch's loss {}",
            if done == 1 { "" } else { "s" },
            if steps == 1 { "" } else { "s" },
            t.batch_size,
            last.map_or("-".to_string(), |r| num(r.train_loss, 6)),
        );
        if let Some(v) = last.and_then(|r| r.validation) {
            say!(
                "validation ({}): loss {}{}",
                super::count(v.samples, "sample"),
                num(v.loss, 6),
                metric_text(&v, "")
            );
        }
    }

    /// The final figures, printed: the test set's, or the training set's when there is none,
    /// and a classifier's per-class table. Returns the set's name, its metrics and confusion.
    fn final_figures(&self) -> (&'static str, Metrics, Option<Confusion>) {
        let (set, name) = match self.test {
            Some(t) => (t, "test set"),
            None => (self.train, "training set"),
        };
        let mut ws = Workspace::new(self.net, set.len().min(metrics::CHUNK));
        let m = metrics::evaluate(self.net, set, self.info, &mut ws);
        say!(
            "{name} ({}): loss {}{}",
            super::count(m.samples, "sample"),
            num(m.loss, 6),
            metric_text(&m, "")
        );
        let confusion = self.info.task.classes().map(|classes| {
            let outputs = metrics::outputs(self.net, set, &mut ws);
            let targets: Vec<f64> = set.t.iter().map(|v| v.to_f64()).collect();
            let c = Confusion::new(&outputs, &targets, set.outputs, classes.len());
            report::per_class_table(classes, &c);
            c
        });
        (name, m, confusion)
    }

    /// The log's last line, the test metrics, and the log put in place.
    fn finish_log(&self, mut log: Log, test: Option<Metrics>) -> Result<()> {
        let (key, value) = metric_key("test", self.info, test.as_ref());
        log.line(&serde_json::json!({
            "test_loss": test.map(|m| m.loss),
            key: value,
            "test_samples": test.map_or(0, |m| m.samples),
        }))?;
        log.finish()
    }

    /// The curves (and a classifier's confusion matrix of the final set).
    fn plot(
        &self,
        path: &Path,
        history: &[Point],
        final_name: &str,
        confusion: Option<&Confusion>,
    ) -> Result<()> {
        let info = self.info;
        let metric = match info.task {
            Task::Classification { .. } => "accuracy",
            Task::Regression { .. } => "RMSE",
        };
        let classes = info.task.classes().unwrap_or_default();
        plot::save(
            path,
            &Figure {
                history,
                metric,
                loss_caption: if info.targets.is_some() {
                    "loss (standardised targets)"
                } else {
                    "loss"
                },
                confusion: confusion.map(|c| (classes, &c.counts[..])),
                confusion_of: final_name,
            },
        )
    }
}

/// What the command does after each step and epoch: progress, log lines, plot points,
/// checkpoints.
struct Observer<'a> {
    args: &'a Args,
    group: &'a Group,
    info: &'a DataInfo,
    progress: Progress,
    log: Option<Log>,
    events: Option<EventWriter>,
    history: Thinned<Point>,
}

/// A TensorBoard event file in `dir`, starting with the spec's text.
fn events(dir: &Path, spec: &Path) -> Result<EventWriter> {
    let mut events = EventWriter::create(dir)?;
    let text = std::fs::read_to_string(spec).unwrap_or_default();
    // Indented four spaces: a code block in the text plugin's Markdown.
    let block: Vec<String> = text.lines().map(|l| format!("    {l}")).collect();
    events.text(0, "spec", &block.join("\n"))?;
    Ok(events)
}

impl<F: Float> backprop::Observer<F> for Observer<'_> {
    fn timing(&self) -> bool {
        self.log.is_some() || self.events.is_some()
    }

    /// An epoch is reported when something shows or keeps it (the progress display, a log
    /// line, a plot point, an event, a checkpoint), and always in a group of processes (whose
    /// ranks agree on stopping at each report). Ctrl-C breaks a step, which is reported.
    #[inline]
    fn wants_report(&self, epoch: usize) -> bool {
        let checkpoint = (self.args.checkpoint_every).is_some_and(|n| epoch.is_multiple_of(n));
        !matches!(self.group, Group::Alone)
            || self.progress.shows_epochs()
            || self.log.is_some()
            || self.args.plot.is_some()
            || self.events.is_some()
            || (checkpoint && self.args.save.is_some())
    }

    /// Ctrl-C breaks after the step in progress.
    #[inline]
    fn step(&mut self, p: StepProgress) -> ControlFlow<()> {
        self.progress.step(p);
        if self.group.stop_requested() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn epoch(
        &mut self,
        r: &EpochReport,
        net: &Network<F>,
        trainer: &Trainer<F>,
    ) -> Result<ControlFlow<()>> {
        self.progress.epoch(r);
        // The report's own record (the trainer keeps its history only for a model file), for
        // a log line or a plot point when the run asked for one.
        if self.log.is_some() || self.args.plot.is_some() {
            let record = EpochRecord {
                epoch: r.epoch,
                train_loss: r.train_loss,
                val_loss: r.validation.map(|v| v.loss),
                val_accuracy: r.validation.and_then(|v| v.accuracy),
                val_rmse: r.validation.and_then(|v| v.rmse),
                learning_rate: r.learning_rate,
            };
            self.record(&record, r.samples_per_s, r.seconds)?;
        }
        if let Some(events) = &mut self.events {
            let mut scalars = vec![
                ("train/loss", r.train_loss),
                ("learning_rate", r.learning_rate),
            ];
            if let Some(v) = &r.validation {
                scalars.push(("validation/loss", v.loss));
                if let Some(a) = v.accuracy {
                    scalars.push(("validation/accuracy", a));
                }
                if let Some(e) = v.rmse {
                    scalars.push(("validation/rmse", e));
                }
            }
            if let Some(speed) = r.samples_per_s {
                scalars.push(("samples_per_s", speed));
            }
            events.scalars(r.epoch as i64, &scalars)?;
        }
        // Ctrl-C: the epoch just finished is saved (when there is a --save file), then the run
        // ends; resuming from the file continues exactly.
        let stop = self.group.stop_requested();
        let due = (self.args.checkpoint_every).is_some_and(|n| r.epoch.is_multiple_of(n));
        if let (true, Some(path)) = (due || stop, &self.args.save) {
            save(path, net, trainer, self.info)?;
        }
        Ok(if stop {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    }
}

impl Observer<'_> {
    /// One epoch's log line and plot point.
    fn record(
        &mut self,
        r: &EpochRecord,
        samples_per_s: Option<f64>,
        seconds: Option<f64>,
    ) -> Result<()> {
        let metric = match self.info.task {
            Task::Classification { .. } => r.val_accuracy,
            Task::Regression { .. } => r.val_rmse,
        };
        if let Some(log) = &mut self.log {
            let (key, _) = metric_key("val", self.info, None);
            log.line(&serde_json::json!({
                "epoch": r.epoch,
                "train_loss": r.train_loss,
                "val_loss": r.val_loss,
                key: metric,
                "learning_rate": r.learning_rate,
                "samples_per_s": samples_per_s,
                "seconds": seconds,
            }))?;
        }
        if self.args.plot.is_some() {
            self.history.push(Point {
                epoch: r.epoch,
                train_loss: r.train_loss,
                val_loss: r.val_loss,
                val_metric: metric,
            });
        }
        Ok(())
    }
}

/// Refuses, before the training, outputs that are not regular files, that are one of the run's
/// inputs (the spec, its data files; the --resume model, except for --save, which continues
/// it), or that name the same file twice.
fn check_outputs(spec: &Spec, args: &Args) -> Result<()> {
    let base = args.spec.parent().unwrap_or(Path::new(""));
    let mut inputs: Vec<(&str, PathBuf)> = vec![("the spec", args.spec.clone())];
    if let Some(d) = &spec.data {
        for (what, path) in [
            ("the data ([data] path)", &d.path),
            ("the labels ([data] labels)", &d.labels),
            ("the test data ([data] test_path)", &d.test_path),
            ("the test labels ([data] test_labels)", &d.test_labels),
        ] {
            if let Some(p) = path.as_deref().filter(|p| !p.starts_with("builtin:")) {
                inputs.push((what, base.join(p)));
            }
        }
    }
    let inputs: Vec<(&str, &Path)> = inputs.iter().map(|(w, p)| (*w, p.as_path())).collect();
    let mut with_resume = inputs.clone();
    if let Some(r) = &args.resume {
        with_resume.push(("the --resume model", r.as_path()));
    }
    let outputs: Vec<(&str, &Path)> = [
        ("--save", &args.save),
        ("--log", &args.log),
        ("--plot", &args.plot),
        ("--export", &args.export),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.as_deref().map(|p| (flag, p)))
    .collect();
    for output in &outputs {
        let against = if output.0 == "--save" {
            &inputs
        } else {
            &with_resume
        };
        super::check_outputs(&[*output], against)?;
    }
    super::check_outputs(&outputs, &[])
}

/// `("val_accuracy", value)` or `("val_rmse", value)` for a log line.
fn metric_key(prefix: &str, info: &DataInfo, m: Option<&Metrics>) -> (String, Option<f64>) {
    match info.task {
        Task::Classification { .. } => (format!("{prefix}_accuracy"), m.and_then(|m| m.accuracy)),
        Task::Regression { .. } => (format!("{prefix}_rmse"), m.and_then(|m| m.rmse)),
    }
}

/// Saves the network with the data description and the trainer's state, atomically.
fn save<F: Float>(
    path: &Path,
    net: &Network<F>,
    trainer: &Trainer<F>,
    info: &DataInfo,
) -> Result<()> {
    model_file::save(path, &ModelFile::of_run(net, info, trainer))
}

/// Loads a saved run into `net` and `trainer`, checking that it is the spec's network.
fn resume<F: Float>(
    path: &Path,
    net: &mut Network<F>,
    trainer: &mut Trainer<F>,
    info: &DataInfo,
) -> Result<()> {
    let in_file = |e: backprop::Error| e.in_file(path.display());
    let model: ModelFile<F> = match (model_file::load(path)?, F::DTYPE) {
        (AnyModel::F32(m), backprop::Dtype::F32) => cast(m),
        (AnyModel::F64(m), backprop::Dtype::F64) => cast(m),
        (other, dtype) => {
            let found = match other {
                AnyModel::F32(_) => "f32",
                AnyModel::F64(_) => "f64",
            };
            return config_err!(
                "{}: the model is {found}, but the spec's dtype is {}",
                path.display(),
                dtype.name()
            );
        }
    };
    let saved = &model.network;
    if saved.inputs != net.inputs || saved.layers != net.layers || saved.loss != net.loss {
        return config_err!(
            "{}: its network ({}) is not the spec's ({})",
            path.display(),
            describe(saved),
            describe(net)
        );
    }
    // Another seed draws another split and order: the test rows would be trained on.
    if let Some(seed) = model.training_seed().filter(|&s| s != trainer.seed()) {
        return config_err!(
            "{}: the run was trained with seed {seed} (its split and shuffling), but the spec's seed is {}; expected the same seed ([training] seed = {seed} or --seed {seed})",
            path.display(),
            trainer.seed()
        );
    }
    let saved_info = model.data_info().map_err(in_file)?;
    // Inline rows have no names (`i1, i2, …` are made up; older files said `x1, x2, …`).
    let inline = *info == DataInfo::unnamed(net.loss, net.inputs, net.outputs());
    let same_task = match (&saved_info.task, &info.task) {
        (Task::Regression { .. }, Task::Regression { .. }) => {
            inline || saved_info.task == info.task
        }
        _ => saved_info.task == info.task,
    };
    if (!inline && saved_info.feature_names != info.feature_names) || !same_task {
        return config_err!(
            "{}: it was trained on other data (other feature columns or classes) than the spec's",
            path.display()
        );
    }
    net.params.clone_from(&saved.params);
    let (state, optimizer) = model.training().map_err(in_file)?;
    trainer.restore(state, optimizer).map_err(in_file)?;
    (trainer.history, trainer.best_params) = model.run_history().map_err(in_file)?;
    Ok(())
}

/// `2-3-1, sigmoid/sigmoid, shared biases in layer 2, loss half_sse`: enough to tell two
/// networks apart when they differ in anything [`resume`] compares.
fn describe<F: Float>(net: &Network<F>) -> String {
    let widths: Vec<String> = std::iter::once(net.inputs)
        .chain(net.layers.iter().map(|l| l.units))
        .map(|u| u.to_string())
        .collect();
    let activations: Vec<&str> = net.layers.iter().map(|l| l.activation.name()).collect();
    let shared: Vec<String> = net
        .layers
        .iter()
        .enumerate()
        .filter(|(_, l)| l.bias == backprop::BiasKind::Shared)
        .map(|(k, _)| (k + 1).to_string())
        .collect();
    format!(
        "{}, {}{}, loss {}",
        widths.join("-"),
        activations.join("/"),
        if shared.is_empty() {
            String::new()
        } else {
            format!(", shared biases in layer {}", shared.join(", "))
        },
        net.loss.name()
    )
}

/// A model file of one dtype seen as `ModelFile<F>` (the caller checked the dtype matches).
fn cast<G: Float, F: Float>(m: ModelFile<G>) -> ModelFile<F> {
    let conv = |v: &[G]| {
        v.iter()
            .map(|x| F::from_f64(x.to_f64()))
            .collect::<Vec<F>>()
    };
    ModelFile {
        network: m.network.cast(),
        optimizer: m.optimizer.map(|o| o.cast()),
        tensors: m
            .tensors
            .into_iter()
            .map(|(k, (s, v))| (k, (s, conv(&v))))
            .collect(),
        metadata: m.metadata,
    }
}
