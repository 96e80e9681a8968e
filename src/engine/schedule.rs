//! Learning-rate schedules: the rate of each epoch `e` (counted from 0), for base rate η. First
//! a linear warm-up of W epochs (default 0): η·(e + 1)/W for e < W. Then, over the remaining
//! T = epochs − W epochs, counted from k = e − W:
//! - `none`: η;
//! - `step`: η·γ^⌊k / step_size⌋ (PyTorch's `StepLR`);
//! - `cosine`: ½η(1 + cos(π·k / T)) (PyTorch's `CosineAnnealingLR`, T_max = T, minimum 0).
//!
//! (PyTorch's `SequentialLR` of a `LinearLR` warm-up and the schedule, stepped once an epoch.)

use serde::Deserialize;

/// How the learning rate changes from epoch to epoch.
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

/// A schedule with its constants (see the module docs for the formulas).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    pub kind: ScheduleKind,
    pub base: f64,
    pub step_size: usize,
    pub gamma: f64,
    pub epochs: usize,
    /// Epochs of linear warm-up before the schedule.
    pub warmup: usize,
}

impl Schedule {
    /// A constant rate.
    pub fn constant(rate: f64) -> Schedule {
        Schedule {
            kind: ScheduleKind::None,
            base: rate,
            step_size: 1,
            gamma: 1.0,
            epochs: 1,
            warmup: 0,
        }
    }

    /// The rate of epoch `epoch`, counted from 0.
    #[inline]
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
