//! Learning-rate schedules: the rate of each epoch `e` (counted from 0), for base rate η:
//! - `none`: η;
//! - `step`: η·γ^⌊e / step_size⌋ (PyTorch's `StepLR`);
//! - `cosine`: ½η(1 + cos(π·e / epochs)) (PyTorch's `CosineAnnealingLR`, T_max = epochs, minimum 0).

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
        }
    }

    /// The rate of epoch `epoch`, counted from 0.
    pub fn rate(&self, epoch: usize) -> f64 {
        match self.kind {
            ScheduleKind::None => self.base,
            ScheduleKind::Step => {
                self.base * self.gamma.powi((epoch / self.step_size.max(1)) as i32)
            }
            ScheduleKind::Cosine => {
                let progress = epoch as f64 / self.epochs.max(1) as f64;
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
    }
}
