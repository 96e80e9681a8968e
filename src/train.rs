//! Training: epochs of mini-batches, each batch one step of forward → loss → backward →
//! optimizer update. The last, partial batch of an epoch counts, averaged over its own size.
//!
//! A [`Trainer`] owns everything a step needs (workspace, optimizer state, batch buffers), all
//! allocated once: a step allocates nothing.

use crate::diagnose;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::network::{Network, Workspace};
use crate::optim::{Optimizer, OptimizerConfig};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

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

/// What one epoch did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochStats {
    /// Mean training loss over the epoch's samples (each batch's loss weighted by its size),
    /// measured before each step's update.
    pub loss: f64,
    pub steps: usize,
    pub samples: usize,
}

/// The state of a training run.
#[derive(Clone, Debug)]
pub struct Trainer<F> {
    pub optimizer: Optimizer<F>,
    pub workspace: Workspace<F>,
    pub batch_size: usize,
    pub shuffle: bool,
    rng: ChaCha8Rng,
    order: Vec<usize>,
    batch_x: Vec<F>,
    batch_t: Vec<F>,
    /// Epochs completed.
    pub epoch: usize,
    /// Steps completed.
    pub step: u64,
}

impl<F: Float> Trainer<F> {
    /// `batch_size` is capped at the data size.
    pub fn new(
        net: &Network<F>,
        optimizer: OptimizerConfig,
        batch_size: usize,
        shuffle: bool,
        seed: u64,
        data_len: usize,
    ) -> Self {
        let batch_size = batch_size.clamp(1, data_len.max(1));
        Trainer {
            optimizer: Optimizer::new(optimizer, net.params.len()),
            workspace: Workspace::new(net, batch_size),
            batch_size,
            shuffle,
            // Shuffling draws from its own stream, so it does not depend on initialisation.
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5348_5546_464c_4521),
            order: (0..data_len).collect(),
            batch_x: vec![F::ZERO; batch_size * net.inputs],
            batch_t: vec![F::ZERO; batch_size * net.outputs()],
            epoch: 0,
            step: 0,
        }
    }

    /// One step on one batch: returns the batch loss (before the update).
    #[inline]
    pub fn step(&mut self, net: &mut Network<F>, x: &[F], t: &[F], batch: usize) -> Result<F> {
        let loss = net.loss_and_gradients(x, t, batch, &mut self.workspace);
        if !loss.is_finite() {
            let (epoch, step) = (self.epoch + 1, self.step + 1);
            return Err(diagnose::non_finite(
                net,
                &self.workspace,
                batch,
                loss,
                epoch,
                step,
            ));
        }
        self.optimizer.step(&mut net.params, &self.workspace.grads);
        self.step += 1;
        Ok(loss)
    }

    /// One pass over `data` in batches (shuffled from the seed if `shuffle`).
    pub fn epoch(&mut self, net: &mut Network<F>, data: &Dataset<F>) -> Result<EpochStats> {
        let n = data.len();
        assert_eq!(
            self.order.len(),
            n,
            "trainer was made for another data size"
        );
        let (ni, no) = (data.inputs, data.outputs);
        let mut total = F::ZERO;
        let mut steps = 0;
        if self.shuffle {
            self.order.shuffle(&mut self.rng);
        }
        let mut start = 0;
        while start < n {
            let b = self.batch_size.min(n - start);
            let loss = if self.shuffle {
                for (k, &i) in self.order[start..start + b].iter().enumerate() {
                    self.batch_x[k * ni..(k + 1) * ni]
                        .copy_from_slice(&data.x[i * ni..(i + 1) * ni]);
                    self.batch_t[k * no..(k + 1) * no]
                        .copy_from_slice(&data.t[i * no..(i + 1) * no]);
                }
                let (bx, bt) = (
                    std::mem::take(&mut self.batch_x),
                    std::mem::take(&mut self.batch_t),
                );
                let r = self.step(net, &bx[..b * ni], &bt[..b * no], b);
                self.batch_x = bx;
                self.batch_t = bt;
                r?
            } else {
                let x = &data.x[start * ni..(start + b) * ni];
                let t = &data.t[start * no..(start + b) * no];
                self.step(net, x, t, b)?
            };
            total += loss * F::from_usize(b);
            steps += 1;
            start += b;
        }
        self.epoch += 1;
        Ok(EpochStats {
            loss: total.to_f64() / n as f64,
            steps,
            samples: n,
        })
    }
}
