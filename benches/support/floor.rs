//! The floor for the worked-example step: a hand-fused scalar loop doing the same arithmetic as
//! the engine (stable sigmoid, ½(t − o)² averaged over the batch of two, shared biases, SGD),
//! everything in registers. Shared by `benches/step.rs` and `examples/compare.rs`.

/// The worked example's parameters, for the hand-fused floor: w1..w4, b1, w5, w6, b2.
pub struct Scalar {
    p: [f64; 8],
}

impl Scalar {
    pub fn worked_example() -> Self {
        Scalar {
            p: [0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60],
        }
    }

    /// One SGD step on the batch of two: the same arithmetic as the engine (stable sigmoid,
    /// ½(t − o)² averaged over the batch, shared biases), written out by hand. Returns the loss.
    #[inline(never)]
    pub fn step(&mut self, x: &[f64], t: &[f64], lr: f64) -> f64 {
        let [w1, w2, w3, w4, b1, w5, w6, b2] = self.p;
        let mut g = [0.0f64; 8];
        let mut loss = 0.0;
        for s in 0..2 {
            let (i1, i2, t) = (x[2 * s], x[2 * s + 1], t[s]);
            let h1 = sigmoid(w1 * i1 + w2 * i2 + b1);
            let h2 = sigmoid(w3 * i1 + w4 * i2 + b1);
            let o = sigmoid(w5 * h1 + w6 * h2 + b2);
            loss += 0.5 * (t - o) * (t - o);
            let d_o = (o - t) * 0.5 * o * (1.0 - o);
            let d1 = d_o * w5 * h1 * (1.0 - h1);
            let d2 = d_o * w6 * h2 * (1.0 - h2);
            g[0] += d1 * i1;
            g[1] += d1 * i2;
            g[2] += d2 * i1;
            g[3] += d2 * i2;
            g[4] += d1 + d2;
            g[5] += d_o * h1;
            g[6] += d_o * h2;
            g[7] += d_o;
        }
        for (p, g) in self.p.iter_mut().zip(g) {
            *p -= lr * g;
        }
        loss * 0.5
    }
}

#[inline(always)]
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}
