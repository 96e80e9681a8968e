//! The whole training step of a network of one or two layers with at most four inputs and four
//! units each (the worked example: 2-2-1), as one function per shape: every count is a
//! compile-time constant, the parameters are read once into arrays and written once, and each
//! sample's pass keeps its pre-activations, activations and `dz` in registers, where the
//! layered one-pass step (`tiny.rs`, this module's one caller, not named as a link so that
//! nothing here points back up at it) keeps them in buffers and works out each layer's
//! offsets and slices on every step. [`Fixed::new`] picks the function for the
//! network's shape once, so the step is one indirect call and the arithmetic. A network that
//! is sigmoid throughout (the notes' networks) gets functions that know the activation too;
//! others choose each layer's activation per row at run time (a jump each: 797 → 720
//! instructions a step of the worked example, measured with callgrind).
//!
//! It takes networks whose loss acts element by element on the outputs (`half_sse`, `mse`)
//! after an elementwise activation (not softmax); others keep the layered step.
//!
//! The arithmetic is the general path's, sum for sum, so the results are bitwise the same. For
//! each sample `b`, in order, with `x` the sample's input and `a` the hidden layer's output:
//!
//! - forward: `z_u = Σ_p x_p·w_up + b_u` (the sum from zero over `p` in order, then the bias;
//!   a shared bias is every unit's `b_u`), `a_u = f(z_u)`, layer by layer;
//! - the loss (`d = a − t` per output, `Σ d²` over the batch from zero in memory order) and the
//!   output's `dz = f'(z) · d·s`, with `s = 1/B` (`half_sse`) or `2/(B·U)` (`mse`), as
//!   [`crate::Loss::value_and_delta`] computes them;
//! - backward: `∂E/∂a_below_p = Σ_u dz_u·w_up` (over `u` in order from the first term) and
//!   `dz_below = f'(z_below) ⊙ ∂E/∂a_below`, with the weights before the update;
//! - the gradient, summed over the samples in order from the first sample's term:
//!   `∂E/∂w_up = Σ_b dz_bu·x_bp`, `∂E/∂b_u = Σ_b dz_bu`; a shared bias sums every `dz` of the
//!   layer from zero in memory order (sample by sample, unit by unit).
//!
//! Then, when the loss is finite, `θ ← θ − η·g` for every parameter and `g` is written to the
//! gradient vector; when it is not, nothing is written (the caller redoes the step on the
//! general path, which says where it arose).

use crate::engine::activation::{sigmoid, through_activation, Activation};
use crate::engine::float::Float;
use crate::engine::layer::{BiasKind, Layer};
use crate::engine::loss::Loss;
use crate::engine::network::Network;
use crate::engine::small::row_dot;

/// The largest count of inputs or units a layer of a fixed-shape step has.
pub const MAX: usize = 4;

/// The step of one network shape: `(what, params, x, t, batch, lr, grads) → loss`, `None` when
/// the loss is not finite (then nothing was written).
type Kernel<F> = fn(&What<F>, &mut [F], &[F], &[F], usize, F, &mut [F]) -> Option<F>;

/// The fixed-shape step of one network, chosen once ([`Fixed::new`]).
#[derive(Clone, Debug)]
pub struct Fixed<F> {
    kernel: Kernel<F>,
    what: What<F>,
}

/// What a kernel needs besides its shape: each layer's place in the parameters, its
/// activation and bias kind, and the loss with its constants at the full batch.
#[derive(Clone, Copy, Debug)]
struct What<F> {
    layers: [Part; 2],
    /// `mse` (else `half_sse`).
    mse: bool,
    /// The full batch, and the loss's constants for it.
    full: usize,
    at_full: LossAt<F>,
}

/// One layer, as a kernel reads it.
#[derive(Clone, Copy, Debug)]
struct Part {
    /// Where its weights start; its bias follows them.
    offset: usize,
    shared: bool,
    activation: Activation,
}

impl<F: Float> Fixed<F> {
    /// The fixed-shape step of `net` at batches of up to `full` samples, if it has one: one or
    /// two layers of at most [`MAX`] inputs and units, elementwise activations, the loss
    /// `half_sse` or `mse`.
    pub fn new(net: &Network<F>, full: usize) -> Option<Self> {
        let layers = &net.layers;
        let elementwise = layers.iter().all(|l| l.activation != Activation::Softmax);
        let small = layers.iter().all(|l| l.inputs <= MAX && l.units <= MAX);
        let loss = matches!(net.loss, Loss::HalfSse | Loss::Mse);
        if !(elementwise && small && loss) {
            return None;
        }
        let part = |l: &Layer| Part {
            offset: l.weight_offset,
            shared: l.bias == BiasKind::Shared,
            activation: l.activation,
        };
        // The notes' networks are sigmoid throughout: their kernels know the activation when
        // compiled; any other mix of elementwise activations chooses it at run time.
        let sigmoid = layers.iter().all(|l| l.activation == Activation::Sigmoid);
        let kernel = match (&layers[..], sigmoid) {
            ([l], true) => one_layer::<F, Sigmoid>(l.inputs, l.units)?,
            ([l], false) => one_layer::<F, Chosen>(l.inputs, l.units)?,
            ([l, m], true) => two_layers::<F, Sigmoid>(l.inputs, l.units, m.units)?,
            ([l, m], false) => two_layers::<F, Chosen>(l.inputs, l.units, m.units)?,
            _ => return None,
        };
        let first = part(&layers[0]);
        let mse = net.loss == Loss::Mse;
        Some(Fixed {
            kernel,
            what: What {
                layers: [first, layers.get(1).map_or(first, part)],
                mse,
                full,
                at_full: LossAt::new(mse, full, net.outputs()),
            },
        })
    }

    /// One SGD step (see the module docs) on `batch` samples `x` `[batch × inputs]`, targets
    /// `t` `[batch × outputs]`; `grads` has the layout of `params`.
    #[inline]
    pub fn step(
        &self,
        params: &mut [F],
        x: &[F],
        t: &[F],
        batch: usize,
        lr: F,
        grads: &mut [F],
    ) -> Option<F> {
        (self.kernel)(&self.what, params, x, t, batch, lr, grads)
    }
}

/// The kernel of a one-layer network of `i` inputs and `u` units.
fn one_layer<F: Float, A: Elementwise>(i: usize, u: usize) -> Option<Kernel<F>> {
    fn with<F: Float, A: Elementwise, const I: usize>(u: usize) -> Option<Kernel<F>> {
        Some(match u {
            1 => one::<F, A, I, 1>,
            2 => one::<F, A, I, 2>,
            3 => one::<F, A, I, 3>,
            4 => one::<F, A, I, 4>,
            _ => return None,
        })
    }
    match i {
        1 => with::<F, A, 1>(u),
        2 => with::<F, A, 2>(u),
        3 => with::<F, A, 3>(u),
        4 => with::<F, A, 4>(u),
        _ => None,
    }
}

/// The kernel of a two-layer network `i`-`h`-`o`.
fn two_layers<F: Float, A: Elementwise>(i: usize, h: usize, o: usize) -> Option<Kernel<F>> {
    fn with_o<F: Float, A: Elementwise, const I: usize, const H: usize>(
        o: usize,
    ) -> Option<Kernel<F>> {
        Some(match o {
            1 => two::<F, A, I, H, 1>,
            2 => two::<F, A, I, H, 2>,
            3 => two::<F, A, I, H, 3>,
            4 => two::<F, A, I, H, 4>,
            _ => return None,
        })
    }
    fn with_h<F: Float, A: Elementwise, const I: usize>(h: usize, o: usize) -> Option<Kernel<F>> {
        match h {
            1 => with_o::<F, A, I, 1>(o),
            2 => with_o::<F, A, I, 2>(o),
            3 => with_o::<F, A, I, 3>(o),
            4 => with_o::<F, A, I, 4>(o),
            _ => None,
        }
    }
    match i {
        1 => with_h::<F, A, 1>(h, o),
        2 => with_h::<F, A, 2>(h, o),
        3 => with_h::<F, A, 3>(h, o),
        4 => with_h::<F, A, 4>(h, o),
        _ => None,
    }
}

/// How a kernel applies its layers' activations: known when it is compiled ([`Sigmoid`]) or
/// chosen per layer at run time ([`Chosen`]). Both give the same values, bit for bit.
trait Elementwise: Copy {
    fn new(activation: Activation) -> Self;
    /// `a = f(z)` over a row.
    fn forward<F: Float, const U: usize>(self, z: &[F; U]) -> [F; U];
    /// `dz ← f'(z) ⊙ dz` over a row, from the forward values.
    fn backward<F: Float, const U: usize>(self, z: &[F; U], a: &[F; U], dz: &mut [F; U]);
}

/// The layer's own activation, chosen at run time (one jump per row).
#[derive(Clone, Copy)]
struct Chosen(Activation);

impl Elementwise for Chosen {
    fn new(activation: Activation) -> Self {
        Chosen(activation)
    }
    #[inline(always)]
    fn forward<F: Float, const U: usize>(self, z: &[F; U]) -> [F; U] {
        let mut a = [F::ZERO; U];
        self.0.forward_row(z, &mut a);
        a
    }
    #[inline(always)]
    fn backward<F: Float, const U: usize>(self, z: &[F; U], a: &[F; U], dz: &mut [F; U]) {
        through_activation(self.0, z, a, dz);
    }
}

/// σ in every layer: [`sigmoid`] and `dz·a(1 − a)`, as [`Activation::Sigmoid`] computes them.
#[derive(Clone, Copy)]
struct Sigmoid;

impl Elementwise for Sigmoid {
    fn new(activation: Activation) -> Self {
        debug_assert_eq!(activation, Activation::Sigmoid);
        Sigmoid
    }
    #[inline(always)]
    fn forward<F: Float, const U: usize>(self, z: &[F; U]) -> [F; U] {
        z.map(sigmoid)
    }
    #[inline(always)]
    fn backward<F: Float, const U: usize>(self, _z: &[F; U], a: &[F; U], dz: &mut [F; U]) {
        for (d, &a) in dz.iter_mut().zip(a) {
            *d = Activation::Sigmoid.backward_elementwise(F::ZERO, a, *d);
        }
    }
}

/// The step of an `I`-`U` network.
fn one<F: Float, A: Elementwise, const I: usize, const U: usize>(
    what: &What<F>,
    params: &mut [F],
    x: &[F],
    t: &[F],
    batch: usize,
    lr: F,
    grads: &mut [F],
) -> Option<F> {
    check::<F, I, U>(x, t, batch);
    let out = Dense::<F, A, I, U>::read(what.layers[0], params);
    let mut g = Sums::<F, I, U>::new();
    let mut loss = Output::new(what, batch, U);
    for (b, (x, t)) in x.chunks_exact(I).zip(t.chunks_exact(U)).enumerate() {
        let x = as_array::<F, I>(x);
        let (z, a) = out.forward(x);
        let dz = loss.delta(out.activation, &z, &a, t);
        g.add(b == 0, &dz, x);
    }
    let loss = loss.value()?;
    g.apply(what.layers[0], params, grads, lr);
    Some(loss)
}

/// The step of an `I`-`H`-`O` network.
fn two<F: Float, A: Elementwise, const I: usize, const H: usize, const O: usize>(
    what: &What<F>,
    params: &mut [F],
    x: &[F],
    t: &[F],
    batch: usize,
    lr: F,
    grads: &mut [F],
) -> Option<F> {
    check::<F, I, O>(x, t, batch);
    let hidden = Dense::<F, A, I, H>::read(what.layers[0], params);
    let out = Dense::<F, A, H, O>::read(what.layers[1], params);
    let (mut g_hidden, mut g_out) = (Sums::<F, I, H>::new(), Sums::<F, H, O>::new());
    let mut loss = Output::new(what, batch, O);
    for (b, (x, t)) in x.chunks_exact(I).zip(t.chunks_exact(O)).enumerate() {
        let x = as_array::<F, I>(x);
        let (z1, a1) = hidden.forward(x);
        let (z2, a2) = out.forward(&a1);
        let dz2 = loss.delta(out.activation, &z2, &a2, t);
        let mut dz1 = out.back(&dz2);
        hidden.activation.backward(&z1, &a1, &mut dz1);
        g_out.add(b == 0, &dz2, &a1);
        g_hidden.add(b == 0, &dz1, x);
    }
    let loss = loss.value()?;
    g_hidden.apply(what.layers[0], params, grads, lr);
    g_out.apply(what.layers[1], params, grads, lr);
    Some(loss)
}

/// `x` is `[batch × I]` and `t` `[batch × O]`.
#[inline(always)]
fn check<F, const I: usize, const O: usize>(x: &[F], t: &[F], batch: usize) {
    assert_eq!(x.len(), batch * I, "input is not [batch × inputs]");
    assert_eq!(t.len(), batch * O, "target is not [batch × outputs]");
}

/// A row of `N` values (the chunks a kernel cuts are exactly `N` long).
#[inline(always)]
fn as_array<F: Float, const N: usize>(row: &[F]) -> &[F; N] {
    row.try_into().expect("a row of N values")
}

/// One layer of `I` inputs and `U` units, its parameters read into arrays (a shared bias in
/// every unit's place).
struct Dense<F, A, const I: usize, const U: usize> {
    w: [[F; I]; U],
    b: [F; U],
    activation: A,
}

impl<F: Float, A: Elementwise, const I: usize, const U: usize> Dense<F, A, I, U> {
    #[inline(always)]
    fn read(part: Part, params: &[F]) -> Self {
        let (w, b) = params[part.offset..].split_at(U * I);
        let mut layer = Dense {
            w: [[F::ZERO; I]; U],
            b: [b[0]; U],
            activation: A::new(part.activation),
        };
        for (row, w) in layer.w.iter_mut().zip(w.chunks_exact(I)) {
            row.copy_from_slice(w);
        }
        if !part.shared {
            layer.b.copy_from_slice(&b[..U]);
        }
        layer
    }

    /// `z = W·x + b` and `a = f(z)`.
    #[inline(always)]
    fn forward(&self, x: &[F; I]) -> ([F; U], [F; U]) {
        let mut z = [F::ZERO; U];
        for ((z, w), &b) in z.iter_mut().zip(&self.w).zip(&self.b) {
            *z = row_dot(x, w) + b;
        }
        let a = self.activation.forward(&z);
        (z, a)
    }

    /// `∂E/∂x_p = Σ_u dz_u·w_up`, from the first term.
    #[inline(always)]
    fn back(&self, dz: &[F; U]) -> [F; I] {
        let mut da = self.w[0].map(|w| dz[0] * w);
        for (&d, w) in dz.iter().zip(&self.w).skip(1) {
            for (da, &w) in da.iter_mut().zip(w) {
                *da += d * w;
            }
        }
        da
    }
}

/// A layer's gradient, summed over the samples.
struct Sums<F, const I: usize, const U: usize> {
    w: [[F; I]; U],
    /// Per unit, from the first sample's term.
    b: [F; U],
    /// Shared: every `dz` from zero.
    shared: F,
}

impl<F: Float, const I: usize, const U: usize> Sums<F, I, U> {
    #[inline(always)]
    fn new() -> Self {
        Sums {
            w: [[F::ZERO; I]; U],
            b: [F::ZERO; U],
            shared: F::ZERO,
        }
    }

    /// One sample's terms: `dz_u·x_p` and `dz_u` (the first sample's set the sums).
    #[inline(always)]
    fn add(&mut self, first: bool, dz: &[F; U], x: &[F; I]) {
        for ((g, b), &d) in self.w.iter_mut().zip(&mut self.b).zip(dz) {
            for (g, &x) in g.iter_mut().zip(x) {
                *g = if first { d * x } else { *g + d * x };
            }
            *b = if first { d } else { *b + d };
            self.shared += d;
        }
    }

    /// `θ ← θ − η·g` for the layer's parameters, and `g` into `grads` (the same layout).
    #[inline(always)]
    fn apply(&self, part: Part, params: &mut [F], grads: &mut [F], lr: F) {
        let (pw, pb) = params[part.offset..].split_at_mut(U * I);
        let (gw, gb) = grads[part.offset..].split_at_mut(U * I);
        update(pw, gw, self.w.as_flattened(), lr);
        if part.shared {
            update(&mut pb[..1], &mut gb[..1], &[self.shared], lr);
        } else {
            update(&mut pb[..U], &mut gb[..U], &self.b, lr);
        }
    }
}

/// `θ ← θ − η·g` over a row, and `g` into `out`.
#[inline(always)]
fn update<F: Float>(p: &mut [F], out: &mut [F], g: &[F], lr: F) {
    for ((p, out), &g) in p.iter_mut().zip(out).zip(g) {
        *out = g;
        *p -= lr * g;
    }
}

/// The loss's constants at a batch size: `∂E/∂a = d·scale`, the value `half·Σd²/count`.
#[derive(Clone, Copy, Debug)]
struct LossAt<F> {
    scale: F,
    half: F,
    count: F,
}

impl<F: Float> LossAt<F> {
    /// `half_sse`: `s = 1/B`, the value `½·Σd²/B`; `mse`: `s = 2/(B·U)`, `Σd²/(B·U)` (times
    /// one, which changes no bit).
    fn new(mse: bool, batch: usize, units: usize) -> Self {
        if mse {
            let count = F::from_usize(batch * units);
            LossAt {
                scale: F::from_f64(2.0) / count,
                half: F::ONE,
                count,
            }
        } else {
            let count = F::from_usize(batch);
            LossAt {
                scale: F::ONE / count,
                half: F::from_f64(0.5),
                count,
            }
        }
    }
}

/// The loss over the batch so far.
struct Output<F> {
    sum: F,
    at: LossAt<F>,
}

impl<F: Float> Output<F> {
    #[inline(always)]
    fn new(what: &What<F>, batch: usize, units: usize) -> Self {
        let at = if batch == what.full {
            what.at_full
        } else {
            LossAt::new(what.mse, batch, units)
        };
        Output { sum: F::ZERO, at }
    }

    /// One sample's `d = a − t` into the sum, and its `dz = f'(z)·d·scale`.
    #[inline(always)]
    fn delta<A: Elementwise, const U: usize>(
        &mut self,
        activation: A,
        z: &[F; U],
        a: &[F; U],
        t: &[F],
    ) -> [F; U] {
        let mut dz = [F::ZERO; U];
        for ((dz, &a), &t) in dz.iter_mut().zip(a).zip(t) {
            let d = a - t;
            self.sum += d * d;
            *dz = d * self.at.scale;
        }
        activation.backward(z, a, &mut dz);
        dz
    }

    /// The batch loss, `None` when it is not finite.
    #[inline(always)]
    fn value(&self) -> Option<F> {
        let value = self.at.half * self.sum / self.at.count;
        value.is_finite().then_some(value)
    }
}
