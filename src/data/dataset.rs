//! Samples held in memory: the form every data source (inline rows, CSV, IDX, built-in sets)
//! is brought into before training.

use crate::engine::float::Float;
use crate::error::{Error, Result};

/// Samples in memory: `x` `[len × inputs]`, `t` `[len × outputs]`, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset<F> {
    pub x: Vec<F>,
    pub t: Vec<F>,
    pub inputs: usize,
    pub outputs: usize,
}

impl<F: Float> Dataset<F> {
    pub fn new(x: Vec<F>, t: Vec<F>, inputs: usize, outputs: usize) -> Result<Self> {
        if inputs == 0
            || outputs == 0
            || !x.len().is_multiple_of(inputs)
            || !t.len().is_multiple_of(outputs)
        {
            return Err(Error::Config(
                "data: inputs or targets have a ragged shape".into(),
            ));
        }
        if x.len() / inputs != t.len() / outputs {
            return Err(Error::Config(format!(
                "data: {} input rows but {} target rows, expected the same number",
                x.len() / inputs,
                t.len() / outputs
            )));
        }
        Ok(Dataset {
            x,
            t,
            inputs,
            outputs,
        })
    }

    /// From f64 rows (the spec's inline data), converted to `F`.
    pub fn from_f64(x: &[f64], t: &[f64], inputs: usize, outputs: usize) -> Result<Self> {
        Self::new(
            x.iter().map(|&v| F::from_f64(v)).collect(),
            t.iter().map(|&v| F::from_f64(v)).collect(),
            inputs,
            outputs,
        )
    }

    pub fn len(&self) -> usize {
        self.x.len() / self.inputs
    }
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
    pub fn sample(&self, i: usize) -> (&[F], &[F]) {
        (
            &self.x[i * self.inputs..(i + 1) * self.inputs],
            &self.t[i * self.outputs..(i + 1) * self.outputs],
        )
    }
}
