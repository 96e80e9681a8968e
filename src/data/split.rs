//! Train / validation / test split by fraction, from a seed.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Row indices of each part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub test: Vec<usize>,
}

/// Shuffles `0..rows` from `seed` (its own stream, independent of initialisation and of the
/// epoch shuffles), then takes `round(test·rows)` rows for the test, `round(validation·rows)`
/// for validation, and the rest, in that shuffled order, for training. Each part's indices are
/// then sorted, so a part's rows keep their file order.
pub fn split(rows: usize, validation: f64, test: f64, seed: u64) -> Split {
    let mut order: Vec<usize> = (0..rows).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(SPLIT_STREAM);
    order.shuffle(&mut rng);
    let n_test = ((test * rows as f64).round() as usize).min(rows);
    let n_val = ((validation * rows as f64).round() as usize).min(rows - n_test);
    let sorted = |s: &[usize]| {
        let mut v = s.to_vec();
        v.sort_unstable();
        v
    };
    Split {
        test: sorted(&order[..n_test]),
        validation: sorted(&order[n_test..n_test + n_val]),
        train: sorted(&order[n_test + n_val..]),
    }
}

/// The ChaCha stream that splits draw from.
const SPLIT_STREAM: u64 = 0x0053_504c_4954;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_disjoint_and_cover_every_row() {
        let s = split(103, 0.1, 0.2, 7);
        assert_eq!(
            (s.train.len(), s.validation.len(), s.test.len()),
            (72, 10, 21)
        );
        let mut all: Vec<usize> = [&s.train[..], &s.validation[..], &s.test[..]].concat();
        all.sort_unstable();
        assert_eq!(all, (0..103).collect::<Vec<_>>());
        assert_ne!(split(103, 0.1, 0.2, 8), s, "another seed, another split");
    }
}
