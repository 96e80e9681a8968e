//! Standardisation: x' = (x − μ) / σ per column, μ and σ (population standard deviation)
//! measured on the training rows only. A constant column (σ = 0) is only centred (σ taken as 1).

/// Per-column mean and standard deviation.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

impl Standardizer {
    /// Fits on the rows `rows` of `values` `[n × columns]`.
    pub fn fit(values: &[f64], columns: usize, rows: &[usize]) -> Standardizer {
        Self::fit_by(|k| values[k], columns, rows)
    }

    /// [`Standardizer::fit`] on the values `value(k)`, `k` the place in `[n × columns]`.
    pub fn fit_by(value: impl Fn(usize) -> f64, columns: usize, rows: &[usize]) -> Standardizer {
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0.0; columns];
        for &r in rows {
            for (c, m) in mean.iter_mut().enumerate() {
                *m += value(r * columns + c);
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0; columns];
        for &r in rows {
            for (c, (s, &m)) in var.iter_mut().zip(&mean).enumerate() {
                let v = value(r * columns + c);
                *s += (v - m) * (v - m);
            }
        }
        let std = var
            .iter()
            .map(|&s| {
                let sd = (s / n).sqrt();
                if sd > 0.0 && sd.is_finite() {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        Standardizer { mean, std }
    }

    pub fn columns(&self) -> usize {
        self.mean.len()
    }

    /// Standardises one row in place.
    pub fn apply(&self, row: &mut [f64]) {
        for ((v, &m), &s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
            *v = (*v - m) / s;
        }
    }

    /// Undoes [`Standardizer::apply`] on one row in place: x = x'·σ + μ.
    pub fn invert(&self, row: &mut [f64]) {
        for ((v, &m), &s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
            *v = *v * s + m;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_on_the_chosen_rows_only() {
        // Column 0 over rows 0 and 2: values 1 and 3 → mean 2, σ = 1. Row 1 (100) is ignored.
        // Column 1 is constant → σ taken as 1.
        let values = [1.0, 5.0, 100.0, 5.0, 3.0, 5.0];
        let s = Standardizer::fit(&values, 2, &[0, 2]);
        assert_eq!(s.mean, vec![2.0, 5.0]);
        assert_eq!(s.std, vec![1.0, 1.0]);
        let mut row = [4.0, 6.0];
        s.apply(&mut row);
        assert_eq!(row, [2.0, 1.0]);
        s.invert(&mut row);
        assert_eq!(row, [4.0, 6.0]);
    }
}
