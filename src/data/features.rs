//! A table's feature values as they were read: numbers (CSV, built-in sets) or the bytes of
//! IDX images, kept as bytes until a [`crate::Dataset`] is made from them. A byte `p` stands for
//! the pixel value `p / 255` (in f64), so 60,000 MNIST images take 47 MB here instead of the
//! 376 MB of their f64 values, and the dataset's values are the same either way.

/// `[rows × columns]` feature values, row-major.
#[derive(Clone, Debug, PartialEq)]
pub enum Features {
    Numbers(Vec<f64>),
    /// IDX pixel bytes; value `p / 255`.
    Pixels(Vec<u8>),
}

/// The value of an IDX pixel byte: `p / 255`, in [0, 1].
#[inline]
pub fn pixel_value(p: u8) -> f64 {
    p as f64 / 255.0
}

impl Features {
    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            Features::Numbers(v) => v.len(),
            Features::Pixels(p) => p.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k`-th value (row-major).
    #[inline]
    pub fn get(&self, k: usize) -> f64 {
        match self {
            Features::Numbers(v) => v[k],
            Features::Pixels(p) => pixel_value(p[k]),
        }
    }

    /// Copies the values `start..start + out.len()` into `out`.
    pub fn copy_to(&self, start: usize, out: &mut [f64]) {
        let end = start + out.len();
        match self {
            Features::Numbers(v) => out.copy_from_slice(&v[start..end]),
            Features::Pixels(p) => {
                for (o, &b) in out.iter_mut().zip(&p[start..end]) {
                    *o = pixel_value(b);
                }
            }
        }
    }

    /// All the values as f64 (a copy for pixels).
    pub fn to_vec(&self) -> Vec<f64> {
        match self {
            Features::Numbers(v) => v.clone(),
            Features::Pixels(p) => p.iter().map(|&b| pixel_value(b)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_read_as_their_values() {
        let f = Features::Pixels(vec![0, 255, 51, 102]);
        assert_eq!(f.len(), 4);
        assert_eq!(f.to_vec(), [0.0, 1.0, 0.2, 0.4]);
        assert_eq!(f.get(2), 0.2);
        let mut row = [9.0; 2];
        f.copy_to(1, &mut row);
        assert_eq!(row, [1.0, 0.2]);
        let n = Features::Numbers(vec![1.5, -2.0, 3.0]);
        n.copy_to(1, &mut row);
        assert_eq!(row, [-2.0, 3.0]);
        assert_eq!(n.get(0), 1.5);
    }
}
