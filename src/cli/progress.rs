//! The progress display of `backprop train`: two bars on a terminal (the epochs, and the samples
//! of the current epoch with its running loss and rate), and one summary line per reported
//! epoch on stdout. Updates are throttled: a clock is read once every few calls, and the bars
//! redrawn at most ten times a second, so a million tiny epochs cost next to nothing.

use super::num;
use super::say::say;
use backprop::{EpochReport, Metrics, StepProgress};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Reads the clock once per `EVERY` calls and says yes at most once per `PERIOD`.
struct Throttle {
    calls: u32,
    last: Instant,
}

const EVERY: u32 = 16;
const PERIOD: Duration = Duration::from_millis(100);

impl Throttle {
    fn new() -> Self {
        Throttle {
            calls: 0,
            last: Instant::now(),
        }
    }

    #[inline]
    fn ready(&mut self) -> bool {
        self.calls += 1;
        if self.calls < EVERY {
            return false;
        }
        self.calls = 0;
        let now = Instant::now();
        if now.duration_since(self.last) >= PERIOD {
            self.last = now;
            true
        } else {
            false
        }
    }
}

pub struct Progress {
    bars: Option<(MultiProgress, ProgressBar, ProgressBar)>,
    quiet: bool,
    epochs: usize,
    /// Print a summary line every this many epochs (and for the first and the last).
    every: usize,
    step_throttle: Throttle,
    epoch_throttle: Throttle,
    epoch_start: Instant,
    current_epoch: usize,
    /// When the last summary line was printed, and the samples trained since.
    line_start: Instant,
    line_samples: usize,
    samples: usize,
}

impl Progress {
    /// `first` is the epoch the run starts at (non-zero when resuming).
    pub fn new(quiet: bool, first: usize, epochs: usize, samples: usize) -> Progress {
        let bars = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10));
            let style = |template: &str| {
                ProgressStyle::with_template(template)
                    .expect("a valid template")
                    .progress_chars("=> ")
            };
            let run = multi.add(ProgressBar::new(epochs as u64).with_style(style(
                "epochs  [{bar:30}] {pos}/{len}  {elapsed} (eta {eta})",
            )));
            run.set_position(first as u64);
            let epoch = multi.add(
                ProgressBar::new(samples as u64)
                    .with_style(style("{prefix:>7} [{bar:30}] {pos}/{len}  {msg}")),
            );
            (multi, run, epoch)
        });
        Progress {
            bars,
            quiet,
            epochs,
            every: (epochs / 10).max(1),
            step_throttle: Throttle::new(),
            epoch_throttle: Throttle::new(),
            epoch_start: Instant::now(),
            current_epoch: first,
            line_start: Instant::now(),
            line_samples: 0,
            samples,
        }
    }

    /// After each step (at once when there are no bars: this runs at the rate of the steps).
    #[inline]
    pub fn step(&mut self, p: StepProgress) {
        if self.bars.is_some() {
            self.step_bar(p);
        }
    }

    /// [`Progress::step`] with the bars shown.
    #[inline(never)]
    fn step_bar(&mut self, p: StepProgress) {
        if !self.step_throttle.ready() {
            return;
        }
        let (_, _, bar) = self.bars.as_ref().expect("checked");
        let rate = p.done as f64 / self.epoch_start.elapsed().as_secs_f64().max(1e-9);
        bar.set_prefix(format!("epoch {}", self.current_epoch + 1));
        bar.set_position(p.done as u64);
        bar.set_message(format!(
            "loss {}  {} samples/s",
            num(p.loss, 4),
            rate.round()
        ));
    }

    /// Whether [`Progress::epoch`] does anything (not with `--quiet`).
    pub fn shows_epochs(&self) -> bool {
        !self.quiet
    }

    /// After each epoch.
    pub fn epoch(&mut self, r: &EpochReport) {
        if self.quiet {
            // No bars and no lines (--quiet): nothing to keep up to date.
            return;
        }
        let e = r.epoch;
        self.current_epoch = e;
        self.line_samples += self.samples;
        let print = !self.quiet
            && (e.is_multiple_of(self.every) || e == 1 || e == self.epochs || r.stopped_early);
        if let Some((_, run, _)) = &self.bars {
            // The live rate is measured from the start of the epoch (a clock reading per epoch,
            // only when the bars are shown).
            self.epoch_start = Instant::now();
            if print || self.epoch_throttle.ready() {
                run.set_position(e as u64);
            }
        }
        if print {
            let now = Instant::now();
            let seconds = now.duration_since(self.line_start).as_secs_f64();
            let rate = self.line_samples as f64 / seconds.max(1e-9);
            (self.line_start, self.line_samples) = (now, 0);
            let line = epoch_line(r, rate);
            match &self.bars {
                Some((multi, _, _)) => multi.suspend(|| say!("{line}")),
                None => say!("{line}"),
            }
        }
    }

    pub fn finish(&self) {
        if let Some((_, run, epoch)) = &self.bars {
            epoch.finish_and_clear();
            run.finish_and_clear();
        }
    }
}

/// `epoch       10  loss 0.123456  val loss 0.2  val accuracy 0.9333  12345 samples/s`, the
/// rate measured over the epochs since the last line (validation included).
pub fn epoch_line(r: &EpochReport, rate: f64) -> String {
    // Numbers padded to a common width, so the lines form columns.
    let mut s = format!("epoch {:>8}  loss {:<10}", r.epoch, num(r.train_loss, 6));
    if let Some(v) = &r.validation {
        s += &format!("  val loss {:<10}", num(v.loss, 6));
        s += &metric_text(v, "val ");
    }
    s += &format!("  {rate:>9.0} samples/s");
    if r.stopped_early {
        s += "  (early stop: no better validation loss for `patience` epochs)";
    }
    s
}

/// `  accuracy 0.9667` or `  RMSE 53.2`, with a prefix before the name.
pub fn metric_text(m: &Metrics, prefix: &str) -> String {
    match (m.accuracy, m.rmse) {
        (Some(a), _) => format!("  {prefix}accuracy {a:.4}"),
        (None, Some(r)) => format!("  {prefix}RMSE {}", num(r, 6)),
        _ => String::new(),
    }
}
