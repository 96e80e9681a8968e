//! An observer that needs only some epochs' reports (`Observer::wants_report`) gets those, the
//! last one, and one whose last step broke; the run itself, its history included, is bit for
//! bit the run of an observer that sees every epoch.

use backprop::{EpochReport, Network, Observer, Plan, Result, Spec, StepProgress, Trainer};
use std::ops::ControlFlow;
use std::path::Path;

/// Sees the epochs it asks for (every `every`th), and breaks after step `break_at` (counted
/// from 1) when there is one.
struct Sparse {
    every: usize,
    break_at: Option<usize>,
    steps: usize,
    seen: Vec<EpochReport>,
}

impl Observer<f64> for Sparse {
    fn timing(&self) -> bool {
        false
    }
    fn step(&mut self, _: StepProgress) -> ControlFlow<()> {
        self.steps += 1;
        if Some(self.steps) == self.break_at {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
    fn wants_report(&self, epoch: usize) -> bool {
        epoch.is_multiple_of(self.every)
    }
    fn epoch(
        &mut self,
        r: &EpochReport,
        _: &Network<f64>,
        _: &Trainer<f64>,
    ) -> Result<ControlFlow<()>> {
        self.seen.push(*r);
        Ok(ControlFlow::Continue(()))
    }
}

/// The worked example (epochs of one step), `epochs` epochs with `observer`.
fn run(epochs: usize, observer: &mut (impl Observer<f64> + Send)) -> (Network<f64>, Trainer<f64>) {
    let spec = Spec::worked_example();
    let p = spec.prepare::<f64>(Path::new("")).unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(&net, &spec.trainer_config(), p.train.len());
    let plan = Plan {
        epochs,
        ..spec.plan()
    };
    trainer
        .fit(&mut net, &p.train, None, &p.info, &plan, observer)
        .unwrap();
    (net, trainer)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn only_the_reports_asked_for_and_the_same_run() {
    let mut all = Vec::new();
    let mut every = |r: &EpochReport, _: &Network<f64>, _: &Trainer<f64>| -> Result<_> {
        all.push(*r);
        Ok(ControlFlow::Continue(()))
    };
    let (net, trainer) = run(47, &mut every);
    assert_eq!(all.len(), 47);

    // every 10th, the last (47), and the one whose step broke (23: a one-step epoch's last step)
    let mut some = Sparse {
        every: 10,
        break_at: Some(23),
        steps: 0,
        seen: Vec::new(),
    };
    let (net2, trainer2) = run(47, &mut some);
    let epochs: Vec<usize> = some.seen.iter().map(|r| r.epoch).collect();
    assert_eq!(epochs, [10, 20, 23, 30, 40, 47]);
    for r in &some.seen {
        let a = &all[r.epoch - 1];
        assert_eq!(
            r.train_loss.to_bits(),
            a.train_loss.to_bits(),
            "epoch {}",
            r.epoch
        );
        assert_eq!(r.learning_rate, a.learning_rate);
        assert_eq!((r.validation, r.stopped_early), (None, false));
        assert_eq!((r.samples_per_s, r.seconds), (None, None));
    }
    assert_eq!(bits(&net.params), bits(&net2.params));
    assert_eq!(trainer.history, trainer2.history);
    assert_eq!(trainer2.history.len(), 47);
    assert_eq!(trainer2.epochs_done(), 47);
    assert_eq!(trainer2.steps_done(), 47);
}
