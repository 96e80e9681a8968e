//! Builds the graph of one training step from a [`Spec`]: the forward pass per sample, the
//! sample errors and the batch error, the backward pass written as the chain rule (deltas per
//! sample, gradients averaged over the batch), and the optimizer's update of every parameter.
//!
//! The backward quantities are nodes too (`s1.delta_o = s1.dE_da_o·s1.da_dz_o`), so that
//! `explain` can show them and `check` can re-evaluate them; [`Graph::backward`] differentiates
//! the forward part independently, and the tests check the two agree.

use super::expr::Expr;
use super::graph::{Graph, NodeId};
use super::node_name::{Derived, NodeName, Param, Quantity, Unit};
use super::op::Op;
use crate::data::batch::{Pick, StepRows};
use crate::engine::activation::Activation;
use crate::engine::dropout::Dropout;
use crate::engine::loss::Loss;
use crate::engine::network::{BiasKind, Layer};
use crate::engine::optim::{OptimizerConfig, OptimizerKind};
use crate::error::{Error, Result};
use crate::spec::Spec;
use std::path::Path;

/// The most units (or inputs) a layer may have for its step to be written out.
pub const MAX_UNITS: usize = 64;
/// The most samples a written-out step may have.
pub const MAX_SAMPLES: usize = 16;
/// The most parameters a written-out step may have (each gets a gradient and an update line).
pub const MAX_PARAMETERS: usize = 10_000;

/// One training step as a graph, with the order in which to tell it.
#[derive(Clone, Debug)]
pub struct Derivation {
    pub graph: Graph,
    pub inputs: usize,
    pub layers: Vec<Layer>,
    pub loss: Loss,
    pub optimizer: OptimizerConfig,
    /// The samples of the batch, numbered from 1 as in the data.
    pub samples: Vec<usize>,
    /// The parameters, their gradients and updated values, in the engine's parameter order.
    pub params: Vec<NodeId>,
    pub grads: Vec<NodeId>,
    pub updated: Vec<NodeId>,
    pub e_total: NodeId,
    pub sections: Vec<Section>,
    /// The rows the step is worked on, and where they come from.
    pub data: StepRows,
    /// Each layer's dropout rate p (0: none), the seed the step's masks are drawn from
    /// (`[training] seed`), and the step of the run (from 0) whose masks they are.
    pub dropout: Vec<f64>,
    pub seed: u64,
    pub step: u64,
}

/// A part of the step, in the order of the notes.
#[derive(Clone, Debug)]
pub struct Section {
    pub part: Part,
    pub lines: Vec<Line>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Parameters, inputs and targets.
    Given,
    /// The forward pass of one sample (numbered from 1).
    Forward { sample: usize },
    /// E_total.
    BatchError,
    /// The backward pass through one layer (0-based), output layer first.
    Backward { layer: usize },
    /// The optimizer's update.
    Update,
}

#[derive(Clone, Debug)]
pub enum Line {
    /// A quantity: `name = formula = numbers = value`.
    Node(NodeId),
    /// The quantities that follow are sample n's.
    Sample(usize),
    /// A general statement.
    Note(Note),
}

#[derive(Clone, Debug)]
pub enum Note {
    /// A chain of equal expressions, written in general (`∂E/∂w5 = ∂E/∂a_o·∂a_o/∂z_o·∂z_o/∂w5`).
    ChainRule(Vec<Expr>),
    /// The deltas below are per sample, `∂E_s/∂z`.
    SampleDeltas,
    /// Gradients are the batch mean of the samples' `δ·input`.
    BatchMean { batch: usize },
    /// The bias is shared by these units: its gradient sums theirs.
    SharedBias { bias: String, units: Vec<String> },
    /// How the optimizer updates a parameter.
    Optimizer(OptimizerKind),
    /// Coupled weight decay λ: the optimizer takes `∂E_total/∂θ + λ·θ` (of the weights, and of
    /// the biases too when `biases`).
    WeightDecay { lambda: f64, biases: bool },
    /// Dropout of rate `p` on the outputs of layer `layer` (0-based), units `units`: this step's
    /// mask m (1 kept, 0 dropped, per sample and unit) is the engine's for step `step` of the
    /// run (from 0) from `seed`, and the layer above reads `ã = m·a/(1 − p)`.
    Dropout {
        layer: usize,
        p: f64,
        seed: u64,
        step: u64,
        units: Vec<String>,
    },
    /// One sample's mask of one layer: the units it keeps and those it drops.
    Mask {
        kept: Vec<String>,
        dropped: Vec<String>,
    },
    /// Back through dropout of rate `p`: `∂E/∂a = m/(1 − p)·∂E/∂ã`.
    DropoutBackward { p: f64 },
    /// How Nesterov momentum updates a parameter (in place of [`Note::Optimizer`]).
    Nesterov,
}

impl Derivation {
    /// The step on the first batch of the spec's data, or on training sample `sample` (from 1)
    /// alone; file paths are read relative to the working folder (see [`Derivation::from_spec_in`]).
    pub fn from_spec(spec: &Spec, sample: Option<usize>) -> Result<Derivation> {
        Derivation::from_spec_in(spec, Path::new(""), sample)
    }

    /// The step on the first batch of the spec's prepared training data (`[training]
    /// batch_size` rows, or all of them, cut to [`MAX_SAMPLES`]; see [`crate::data::batch`]), or
    /// on training sample `sample` (from 1) alone; `[data]` paths are relative to `base`. The
    /// network's size is checked against the limits before any data are read.
    pub fn from_spec_in(spec: &Spec, base: &Path, sample: Option<usize>) -> Result<Derivation> {
        let net = spec.network::<f64>()?;
        check_size(&net.layers, net.params.len())?;
        if spec.data.is_none() {
            return Err(Error::Config(
                "explain and check need [data] (a file, a built-in set or inline inputs and targets) in the spec: the step is worked on its first batch".into(),
            ));
        }
        let pick = match sample {
            Some(s) => Pick::Sample(s),
            None => Pick::FirstBatch {
                batch_size: spec.training.batch_size.unwrap_or(usize::MAX),
                limit: MAX_SAMPLES,
            },
        };
        let rows = spec.step_rows(base, pick)?;
        Derivation::from_rows(spec, &rows)
    }

    /// The step on these rows (its samples numbered as `data.samples` says). With dropout, the
    /// masks are those the engine draws for the run's first step (step 0 of
    /// [`Dropout::kept`], from `[training] seed`) for the batch the rows are the first of
    /// (`data.cut_from`, else the rows themselves).
    pub fn from_rows(spec: &Spec, data: &StepRows) -> Result<Derivation> {
        Derivation::from_rows_at(spec, data, 0, data.cut_from.unwrap_or(data.len))
    }

    /// The step on these rows when they are the first of a batch of `batch` samples taken as
    /// step `step` of the run (from 0): with dropout, the masks the engine draws for that step
    /// ([`Dropout::kept`]). A session that has trained writes out its next step this way.
    pub fn from_rows_at(
        spec: &Spec,
        data: &StepRows,
        step: u64,
        batch: usize,
    ) -> Result<Derivation> {
        let rates = spec.dropout_rates();
        let units: Vec<usize> = spec
            .network::<f64>()?
            .layers
            .iter()
            .map(|l| l.units)
            .collect();
        let kept = match Dropout::new(&rates, spec.training.seed) {
            None => vec![Vec::new(); units.len()],
            Some(d) => {
                let batch = batch.max(data.len);
                d.kept(step, batch, &units)
                    .into_iter()
                    .zip(&units)
                    .map(|(k, &u)| k[..k.len().min(data.len * u)].to_vec())
                    .collect()
            }
        };
        Derivation::masked_at(spec, data, &kept, step)
    }

    /// The step on these rows with these dropout masks: per layer, `true` for each unit kept,
    /// sample by sample (`data.len × units` flags), or none for a layer without dropout.
    pub fn from_rows_masked(
        spec: &Spec,
        data: &StepRows,
        kept: &[Vec<bool>],
    ) -> Result<Derivation> {
        Derivation::masked_at(spec, data, kept, 0)
    }

    /// [`Derivation::from_rows_masked`], the masks being those of step `step` of the run.
    fn masked_at(
        spec: &Spec,
        data: &StepRows,
        kept: &[Vec<bool>],
        step: u64,
    ) -> Result<Derivation> {
        let rows = data;
        let net = spec.network::<f64>()?;
        check_size(&net.layers, net.params.len())?;
        let rates = spec.dropout_rates();
        written_out(&spec.optimizer_config())?;
        if spec.input_dropout.is_some_and(|p| p > 0.0) {
            return Err(Error::Config(
                "a written-out step shows dropout on hidden layers, not on the inputs; this spec has input_dropout (leave it out to write the step out)".into(),
            ));
        }
        for (l, (layer, &p)) in net.layers.iter().zip(&rates).enumerate() {
            let expected = if p > 0.0 { rows.len * layer.units } else { 0 };
            if kept.get(l).map_or(0, Vec::len) != expected {
                return Err(Error::Config(format!(
                    "layer {}: a dropout mask of {expected} flags was expected ({} samples × {} units with p = {p})",
                    l + 1,
                    rows.len,
                    layer.units
                )));
            }
        }
        if rows.len > MAX_SAMPLES {
            return Err(Error::TooLarge(format!(
                "the batch has {} samples: a written-out step is limited to {MAX_SAMPLES}; pick one with --sample N or set a smaller [training] batch_size",
                rows.len
            )));
        }
        let (x, t) = (&rows.inputs, &rows.targets);
        let samples: Vec<usize> = rows.samples.clone();
        let outputs = net.outputs();
        let rows: Vec<(&[f64], &[f64])> = (0..rows.len)
            .map(|s| {
                (
                    &x[s * net.inputs..(s + 1) * net.inputs],
                    &t[s * outputs..(s + 1) * outputs],
                )
            })
            .collect();
        let builder = Builder {
            graph: Graph::new(),
            layers: &net.layers,
            rates: rates.clone(),
            kept: kept.to_vec(),
            seed: spec.training.seed,
            step,
            loss: net.loss,
            names: all_params(&net.layers),
            params: Vec::new(),
            samples: samples.clone(),
            nodes: Vec::new(),
            sections: Vec::new(),
        };
        Ok(builder.build(
            &net.params,
            &rows,
            spec.optimizer_config(),
            net.inputs,
            data.clone(),
        ))
    }

    /// Whether a layer has dropout (the step then has masks).
    pub fn has_dropout(&self) -> bool {
        self.dropout.iter().any(|&p| p > 0.0)
    }

    /// The sample a node belongs to (`s2.z_h1` → 2), if any.
    pub fn sample_of(name: &str) -> Option<usize> {
        name.parse::<NodeName>().ok()?.sample()
    }
}

/// Whether a network is small enough for its step to be written out: at most [`MAX_UNITS`]
/// units or inputs per layer and [`MAX_PARAMETERS`] parameters.
pub fn check_size(layers: &[Layer], parameters: usize) -> Result<()> {
    for (l, layer) in layers.iter().enumerate() {
        let widest = layer.units.max(layer.inputs);
        if widest > MAX_UNITS {
            return Err(Error::TooLarge(format!(
                "layer {} has {widest} {}: a written-out step is limited to {MAX_UNITS} per layer; explain a smaller network",
                l + 1,
                if layer.units >= layer.inputs { "units" } else { "inputs" }
            )));
        }
    }
    if parameters > MAX_PARAMETERS {
        return Err(Error::TooLarge(format!(
            "the network has {parameters} parameters: a written-out step is limited to {MAX_PARAMETERS}; explain a smaller network"
        )));
    }
    Ok(())
}

/// Every parameter, in the engine's order: each layer's weights (unit by unit, input by
/// input), then its biases.
fn all_params(layers: &[Layer]) -> Vec<Param> {
    let mut params = Vec::new();
    for (l, layer) in layers.iter().enumerate() {
        params.extend((0..layer.units * layer.inputs).map(|k| {
            let (j, i) = (k / layer.inputs, k % layer.inputs);
            Param::weight(layers, l, j, i)
        }));
        params.extend((0..layer.bias_count()).map(|j| Param::bias(layers, l, j)));
    }
    params
}

/// The graph as it is built, phase by phase (each phase appends its nodes after the
/// previous phase's and tells them as one or more sections).
struct Builder<'a> {
    graph: Graph,
    layers: &'a [Layer],
    /// Each layer's dropout rate, its masks (as [`Derivation::from_rows_masked`] takes them)
    /// and their seed.
    rates: Vec<f64>,
    kept: Vec<Vec<bool>>,
    seed: u64,
    step: u64,
    loss: Loss,
    /// The parameters' names and nodes, in the engine's parameter order.
    names: Vec<Param>,
    params: Vec<NodeId>,
    samples: Vec<usize>,
    /// Each sample's nodes, in the order of `samples`.
    nodes: Vec<SampleNodes>,
    sections: Vec<Section>,
}

/// One sample's nodes: pre-activations, activations and deltas per layer and unit.
struct SampleNodes {
    inputs: Vec<NodeId>,
    targets: Vec<NodeId>,
    z: Vec<Vec<NodeId>>,
    a: Vec<Vec<NodeId>>,
    delta: Vec<Vec<NodeId>>,
    /// Per layer, the dropout mask and the masked outputs ã (empty without dropout).
    mask: Vec<Vec<NodeId>>,
    masked: Vec<Vec<NodeId>>,
}

impl SampleNodes {
    /// What layer `l` reads: the inputs, or the outputs of the layer below (after its
    /// dropout, if it has one).
    fn below(&self, l: usize) -> &[NodeId] {
        if l == 0 {
            &self.inputs
        } else if !self.masked[l - 1].is_empty() {
            &self.masked[l - 1]
        } else {
            &self.a[l - 1]
        }
    }
}

impl Builder<'_> {
    /// The five phases in the notes' order: given, forward, batch error, backward, update.
    fn build(
        mut self,
        values: &[f64],
        rows: &[(&[f64], &[f64])],
        optimizer: OptimizerConfig,
        inputs: usize,
        data: StepRows,
    ) -> Derivation {
        self.given(values, rows);
        let errors = self.forward();
        let e_total = self.batch_error(errors);
        let grads = self.backward();
        let updated = self.update(optimizer, &grads);
        Derivation {
            dropout: self.rates,
            seed: self.seed,
            step: self.step,
            graph: self.graph,
            inputs,
            layers: self.layers.to_vec(),
            loss: self.loss,
            optimizer,
            samples: self.samples,
            params: self.params,
            grads,
            updated,
            e_total,
            sections: self.sections,
            data,
        }
    }

    fn name(&self, s: usize, q: Quantity) -> NodeName {
        NodeName::Sample(s, q)
    }

    fn unit(&self, l: usize, j: usize) -> Unit {
        Unit::of(self.layers, l, j)
    }

    /// Phase 1: the parameters, then each sample's inputs and targets.
    fn given(&mut self, values: &[f64], rows: &[(&[f64], &[f64])]) {
        let mut given = Vec::new();
        for (&name, &v) in self.names.iter().zip(values) {
            let id = self.graph.given(NodeName::Param(name), v);
            given.push(Line::Node(id));
            self.params.push(id);
        }
        let last = self.layers.len() - 1;
        for (l, &p) in self.rates.iter().enumerate() {
            if p > 0.0 {
                given.push(Line::Note(Note::Dropout {
                    layer: l,
                    p,
                    seed: self.seed,
                    step: self.step,
                    units: (0..self.layers[l].units)
                        .map(|j| self.unit(l, j).to_string())
                        .collect(),
                }));
            }
        }
        for (k, (x, t)) in rows.iter().enumerate() {
            let s = self.samples[k];
            given.push(Line::Sample(s));
            let inputs = x
                .iter()
                .enumerate()
                .map(|(k, &v)| self.graph.given(self.name(s, Quantity::Input(k + 1)), v))
                .collect::<Vec<_>>();
            let targets = t
                .iter()
                .enumerate()
                .map(|(j, &v)| {
                    let unit = self.unit(last, j);
                    self.graph.given(self.name(s, Quantity::Target(unit)), v)
                })
                .collect::<Vec<_>>();
            given.extend(inputs.iter().chain(&targets).map(|&id| Line::Node(id)));
            let mut mask = Vec::new();
            for l in 0..self.layers.len() {
                let mut ids = Vec::new();
                if !self.kept[l].is_empty() {
                    for j in 0..self.layers[l].units {
                        let kept = self.kept[l][k * self.layers[l].units + j];
                        let name = self.name(s, Quantity::Mask(self.unit(l, j)));
                        let id = self.graph.given(name, f64::from(u8::from(kept)));
                        given.push(Line::Node(id));
                        ids.push(id);
                    }
                }
                mask.push(ids);
            }
            self.nodes.push(SampleNodes {
                inputs,
                targets,
                z: Vec::new(),
                a: Vec::new(),
                delta: vec![Vec::new(); self.layers.len()],
                masked: vec![Vec::new(); self.layers.len()],
                mask,
            });
        }
        self.section(Part::Given, given);
    }

    /// Phase 2: each sample's forward pass and error, one section per sample. Returns the
    /// samples' errors.
    fn forward(&mut self) -> Vec<NodeId> {
        let mut errors = Vec::new();
        for k in 0..self.samples.len() {
            let s = self.samples[k];
            let mut lines = Vec::new();
            for l in 0..self.layers.len() {
                let (z, a) = self.forward_layer(k, l, &mut lines);
                self.nodes[k].z.push(z);
                self.nodes[k].a.push(a);
                self.mask_layer(k, l, &mut lines);
            }
            let n = &self.nodes[k];
            let last = self.layers.len() - 1;
            let args: Vec<NodeId> = n.a[last].iter().chain(&n.targets).copied().collect();
            let e = self.graph.push(
                self.name(s, Quantity::Error),
                Op::SampleLoss(self.loss),
                args,
            );
            lines.push(Line::Node(e));
            errors.push(e);
            self.section(Part::Forward { sample: s }, lines);
        }
        errors
    }

    /// Layer `l`'s weighted sums and activations for the `k`-th sample of the batch.
    fn forward_layer(
        &mut self,
        k: usize,
        l: usize,
        lines: &mut Vec<Line>,
    ) -> (Vec<NodeId>, Vec<NodeId>) {
        let s = self.samples[k];
        let layer = &self.layers[l];
        let below = self.nodes[k].below(l).to_vec();
        let mut zs = Vec::new();
        let mut a_layer = Vec::new();
        for j in 0..layer.units {
            let mut args = Vec::new();
            for (i, &x) in below.iter().enumerate() {
                args.push(self.params[self.weight_index(l, j, i)]);
                args.push(x);
            }
            args.push(self.params[self.bias_index(l, j)]);
            let unit = self.unit(l, j);
            let z = self.graph.push(
                self.name(s, Quantity::Z(unit)),
                Op::Weighted { bias: true },
                args,
            );
            zs.push(z);
            lines.push(Line::Node(z));
            if layer.activation != Activation::Softmax {
                let a = self.graph.push(
                    self.name(s, Quantity::A(unit)),
                    Op::Activate(layer.activation),
                    vec![z],
                );
                lines.push(Line::Node(a));
                a_layer.push(a);
            }
        }
        if layer.activation == Activation::Softmax {
            for j in 0..layer.units {
                let unit = self.unit(l, j);
                let a = self.graph.push(
                    self.name(s, Quantity::A(unit)),
                    Op::Softmax { k: j },
                    zs.clone(),
                );
                lines.push(Line::Node(a));
                a_layer.push(a);
            }
        }
        (zs, a_layer)
    }

    /// Layer `l`'s outputs after its dropout for the `k`-th sample, `ã = m·a/(1 − p)`, with a
    /// note of the units its mask keeps and drops (nothing without dropout).
    fn mask_layer(&mut self, k: usize, l: usize, lines: &mut Vec<Line>) {
        let p = self.rates[l];
        let mask = self.nodes[k].mask[l].clone();
        if mask.is_empty() {
            return;
        }
        let s = self.samples[k];
        let (mut kept, mut dropped) = (Vec::new(), Vec::new());
        for (j, &m) in mask.iter().enumerate() {
            let unit = self.unit(l, j).to_string();
            if self.graph.node(m).value == 1.0 {
                kept.push(unit);
            } else {
                dropped.push(unit);
            }
        }
        lines.push(Line::Note(Note::Mask { kept, dropped }));
        for (j, &m) in mask.iter().enumerate() {
            let a = self.nodes[k].a[l][j];
            let unit = self.unit(l, j);
            let id = self.graph.push(
                self.name(s, Quantity::Masked(unit)),
                Op::Dropout { p },
                vec![m, a],
            );
            lines.push(Line::Node(id));
            self.nodes[k].masked[l].push(id);
        }
    }

    /// Phase 3: `E_total`, the batch mean of the samples' errors.
    fn batch_error(&mut self, errors: Vec<NodeId>) -> NodeId {
        let e_total = self.graph.push(NodeName::Total, Op::Mean, errors);
        self.section(Part::BatchError, vec![Line::Node(e_total)]);
        e_total
    }

    /// Phase 4: the backward pass, layer by layer from the output, one section per layer.
    /// Returns each parameter's gradient node, in the parameter order.
    fn backward(&mut self) -> Vec<NodeId> {
        let mut grads = vec![usize::MAX; self.params.len()];
        for l in (0..self.layers.len()).rev() {
            let mut lines = self.chain_rule_notes(l);
            if self.rates[l] > 0.0 {
                lines.push(Line::Note(Note::DropoutBackward { p: self.rates[l] }));
            }
            lines.push(Line::Note(Note::SampleDeltas));
            self.deltas(l, &mut lines);
            lines.push(Line::Note(Note::BatchMean {
                batch: self.samples.len(),
            }));
            self.weight_gradients(l, &mut grads, &mut lines);
            self.bias_gradients(l, &mut grads, &mut lines);
            self.section(Part::Backward { layer: l }, lines);
        }
        grads
    }

    /// Every sample's deltas of layer `l`.
    fn deltas(&mut self, l: usize, lines: &mut Vec<Line>) {
        let last = self.layers.len() - 1;
        for k in 0..self.samples.len() {
            lines.push(Line::Sample(self.samples[k]));
            let deltas = if l == last {
                self.output_deltas(k, lines)
            } else {
                self.hidden_deltas(k, l, lines)
            };
            self.nodes[k].delta[l] = deltas;
        }
    }

    /// `∂E_total/∂w`: the batch mean of `δ·input` for each weight of layer `l`.
    fn weight_gradients(&mut self, l: usize, grads: &mut [NodeId], lines: &mut Vec<Line>) {
        let layer = &self.layers[l];
        for j in 0..layer.units {
            for i in 0..layer.inputs {
                let k = self.weight_index(l, j, i);
                let mut args = Vec::new();
                for n in &self.nodes {
                    args.push(n.delta[l][j]);
                    args.push(n.below(l)[i]);
                }
                let g = self.graph.push(
                    NodeName::Of(Derived::Grad, self.names[k]),
                    Op::MeanProduct,
                    args,
                );
                grads[k] = g;
                lines.push(Line::Node(g));
            }
        }
    }

    /// `∂E_total/∂b`: the batch mean of the deltas of the units each bias of layer `l` feeds.
    fn bias_gradients(&mut self, l: usize, grads: &mut [NodeId], lines: &mut Vec<Line>) {
        let layer = &self.layers[l];
        for j in 0..layer.bias_count() {
            let k = self.bias_index(l, j);
            let units: Vec<usize> = match layer.bias {
                BiasKind::PerUnit => vec![j],
                BiasKind::Shared => (0..layer.units).collect(),
            };
            if layer.bias == BiasKind::Shared && layer.units > 1 {
                lines.push(Line::Note(Note::SharedBias {
                    bias: self.names[k].to_string(),
                    units: units.iter().map(|&u| self.unit(l, u).to_string()).collect(),
                }));
            }
            let args: Vec<NodeId> = self
                .nodes
                .iter()
                .flat_map(|n| units.iter().map(|&u| n.delta[l][u]).collect::<Vec<_>>())
                .collect();
            let g = self.graph.push(
                NodeName::Of(Derived::Grad, self.names[k]),
                Op::MeanSum { group: units.len() },
                args,
            );
            grads[k] = g;
            lines.push(Line::Node(g));
        }
    }

    /// Phase 5: the optimizer's update of every parameter. Returns the updated values' nodes.
    fn update(&mut self, optimizer: OptimizerConfig, grads: &[NodeId]) -> Vec<NodeId> {
        let rule = if optimizer.nesterov {
            Note::Nesterov
        } else {
            Note::Optimizer(optimizer.kind)
        };
        let mut lines = vec![Line::Note(rule)];
        if optimizer.weight_decay != 0.0 {
            lines.push(Line::Note(Note::WeightDecay {
                lambda: optimizer.weight_decay,
                biases: optimizer.decay_biases,
            }));
        }
        let mut updated = Vec::new();
        for (k, &g) in grads.iter().enumerate() {
            let new = self.update_one(optimizer, k, g, &mut lines);
            lines.push(Line::Node(new));
            updated.push(new);
        }
        self.section(Part::Update, lines);
        updated
    }

    /// Parameter `k`'s optimizer state (written to `lines`) and updated value (returned).
    fn update_one(
        &mut self,
        c: OptimizerConfig,
        k: usize,
        g: NodeId,
        lines: &mut Vec<Line>,
    ) -> NodeId {
        let (name, p) = (self.names[k], self.params[k]);
        let new = NodeName::Of(Derived::New, name);
        // Coupled weight decay (`written_out` refuses AdamW's decoupled one): the rule below
        // takes g + λ·θ.
        let decays = matches!(name, Param::Weight(_)) || c.decay_biases;
        let g = if c.weight_decay != 0.0 && decays {
            let d = self.graph.push(
                NodeName::Of(Derived::Decayed, name),
                Op::Decay {
                    lambda: c.weight_decay,
                },
                vec![g, p],
            );
            lines.push(Line::Node(d));
            d
        } else {
            g
        };
        let descend = Op::Descend {
            lr: c.learning_rate,
        };
        match c.kind {
            OptimizerKind::Sgd => self.graph.push(new, descend, vec![p, g]),
            // Refused by `written_out` before the build.
            OptimizerKind::Adamw | OptimizerKind::Rmsprop => p,
            OptimizerKind::Momentum => {
                let v = self.graph.push(
                    NodeName::Of(Derived::Velocity, name),
                    Op::Velocity {
                        mu: c.momentum,
                        prev: 0.0,
                    },
                    vec![g],
                );
                lines.push(Line::Node(v));
                if c.nesterov {
                    let step = Op::NesterovStep {
                        lr: c.learning_rate,
                        mu: c.momentum,
                    };
                    self.graph.push(new, step, vec![p, g, v])
                } else {
                    self.graph.push(new, descend, vec![p, v])
                }
            }
            OptimizerKind::Adam => {
                let m = self.graph.push(
                    NodeName::Of(Derived::Moment, name),
                    Op::AdamFirst {
                        beta1: c.beta1,
                        prev: 0.0,
                    },
                    vec![g],
                );
                let v = self.graph.push(
                    NodeName::Of(Derived::Velocity, name),
                    Op::AdamSecond {
                        beta2: c.beta2,
                        prev: 0.0,
                    },
                    vec![g],
                );
                lines.push(Line::Node(m));
                lines.push(Line::Node(v));
                self.graph.push(
                    new,
                    Op::AdamStep {
                        lr: c.learning_rate,
                        beta1: c.beta1,
                        beta2: c.beta2,
                        eps: c.eps,
                        t: 1,
                    },
                    vec![p, m, v],
                )
            }
        }
    }

    fn section(&mut self, part: Part, lines: Vec<Line>) {
        self.sections.push(Section { part, lines });
    }

    /// Index in the parameter order of the weight from input `i` to unit `j` of layer `l`.
    fn weight_index(&self, l: usize, j: usize, i: usize) -> usize {
        let layer = &self.layers[l];
        layer.weight_offset + j * layer.inputs + i
    }

    fn bias_index(&self, l: usize, j: usize) -> usize {
        let layer = &self.layers[l];
        match layer.bias {
            BiasKind::PerUnit => layer.bias_offset + j,
            BiasKind::Shared => layer.bias_offset,
        }
    }

    /// The output layer's deltas `∂E_s/∂z` for the `k`-th sample.
    fn output_deltas(&mut self, k: usize, lines: &mut Vec<Line>) -> Vec<NodeId> {
        let s = self.samples[k];
        let last = self.layers.len() - 1;
        let layer = &self.layers[last];
        let units = layer.units;
        let (a, targets) = (self.nodes[k].a[last].clone(), self.nodes[k].targets.clone());
        let delta = |b: &Self, j| b.name(s, Quantity::Delta(b.unit(last, j)));
        let mut deltas = Vec::new();
        match self.loss {
            Loss::CrossEntropy => {
                for (j, &a_j) in a.iter().enumerate() {
                    let mut args = vec![a_j];
                    args.extend(&targets);
                    let d = self
                        .graph
                        .push(delta(self, j), Op::CrossEntropyDelta { k: j }, args);
                    lines.push(Line::Node(d));
                    deltas.push(d);
                }
            }
            Loss::Bce => {
                for j in 0..units {
                    let d = self.graph.push(
                        delta(self, j),
                        Op::BceDelta { outputs: units },
                        vec![a[j], targets[j]],
                    );
                    lines.push(Line::Node(d));
                    deltas.push(d);
                }
            }
            Loss::HalfSse | Loss::Mse => {
                let slopes: Vec<NodeId> = (0..units)
                    .map(|j| {
                        let g = self.graph.push(
                            self.name(s, Quantity::DErrorDa(self.unit(last, j))),
                            Op::LossSlope {
                                loss: self.loss,
                                outputs: units,
                            },
                            vec![a[j], targets[j]],
                        );
                        lines.push(Line::Node(g));
                        g
                    })
                    .collect();
                if layer.activation == Activation::Softmax {
                    let args: Vec<NodeId> = a.iter().chain(&slopes).copied().collect();
                    for j in 0..units {
                        let d = self.graph.push(
                            delta(self, j),
                            Op::SoftmaxDelta { k: j },
                            args.clone(),
                        );
                        lines.push(Line::Node(d));
                        deltas.push(d);
                    }
                } else {
                    for (j, &g) in slopes.iter().enumerate() {
                        let d = self.through_activation(k, last, j, g, lines);
                        deltas.push(d);
                    }
                }
            }
        }
        deltas
    }

    /// `∂a/∂z` and `δ = ∂E/∂a · ∂a/∂z` of unit `j` of layer `l`, given `∂E/∂a` (`g`), for
    /// the `k`-th sample.
    fn through_activation(
        &mut self,
        k: usize,
        l: usize,
        j: usize,
        g: NodeId,
        lines: &mut Vec<Line>,
    ) -> NodeId {
        let s = self.samples[k];
        let f = self.layers[l].activation;
        let unit = self.unit(l, j);
        let n = &self.nodes[k];
        let from = match f {
            Activation::Sigmoid | Activation::Tanh => n.a[l][j],
            _ => n.z[l][j],
        };
        let slope = self
            .graph
            .push(self.name(s, Quantity::DaDz(unit)), Op::Slope(f), vec![from]);
        let d = self.graph.push(
            self.name(s, Quantity::Delta(unit)),
            Op::Product,
            vec![g, slope],
        );
        lines.push(Line::Node(slope));
        lines.push(Line::Node(d));
        d
    }

    /// A hidden layer's deltas for the `k`-th sample: `∂E/∂a_j = Σ_k w_kj·δ_k`, then through
    /// the activation.
    fn hidden_deltas(&mut self, k: usize, l: usize, lines: &mut Vec<Line>) -> Vec<NodeId> {
        let s = self.samples[k];
        let above = &self.layers[l + 1];
        let mut deltas = Vec::new();
        for j in 0..self.layers[l].units {
            let mut args = Vec::new();
            for u in 0..above.units {
                args.push(self.params[self.weight_index(l + 1, u, j)]);
                args.push(self.nodes[k].delta[l + 1][u]);
            }
            let unit = self.unit(l, j);
            let mask = self.nodes[k].mask[l].get(j).copied();
            let sum = match mask {
                Some(_) => Quantity::DErrorDMasked(unit),
                None => Quantity::DErrorDa(unit),
            };
            let mut g = self
                .graph
                .push(self.name(s, sum), Op::Weighted { bias: false }, args);
            lines.push(Line::Node(g));
            if let Some(m) = mask {
                // ∂E/∂a = m/(1 − p)·∂E/∂ã
                g = self.graph.push(
                    self.name(s, Quantity::DErrorDa(unit)),
                    Op::Dropout { p: self.rates[l] },
                    vec![m, g],
                );
                lines.push(Line::Node(g));
            }
            deltas.push(self.through_activation(k, l, j, g, lines));
        }
        deltas
    }

    /// The chain rule for layer `l`, written in general for its first weight and its bias.
    fn chain_rule_notes(&self, l: usize) -> Vec<Line> {
        let layers = self.layers;
        let last = layers.len() - 1;
        let layer = &layers[l];
        let u = self.unit(l, 0);
        let [z, a, delta] =
            [Quantity::Z(u), Quantity::A(u), Quantity::Delta(u)].map(|q| q.to_string());
        let w = Param::weight(layers, l, 0, 0).to_string();
        let x = if l == 0 {
            Quantity::Input(1)
        } else if self.rates[l - 1] > 0.0 {
            Quantity::Masked(self.unit(l - 1, 0))
        } else {
            Quantity::A(self.unit(l - 1, 0))
        }
        .to_string();
        let name = |s: &str| Expr::Name(s.to_string());
        let p = Expr::partial;
        let mut notes = Vec::new();
        let through_activation = l < last
            || (matches!(self.loss, Loss::HalfSse | Loss::Mse)
                && layer.activation != Activation::Softmax);
        // ∂E/∂w = ∂E/∂a · ∂a/∂z · ∂z/∂w = δ · x
        let mut chain = vec![p("E", &w)];
        if through_activation {
            chain.push(Expr::mul(vec![p("E", &a), p(&a, &z), p(&z, &w)]));
        } else {
            chain.push(Expr::mul(vec![p("E", &z), p(&z, &w)]));
        }
        chain.push(Expr::mul(vec![name(&delta), name(&x)]));
        notes.push(Line::Note(Note::ChainRule(chain)));
        if through_activation {
            // δ = ∂E/∂z = ∂E/∂a · ∂a/∂z
            notes.push(Line::Note(Note::ChainRule(vec![
                name(&delta),
                p("E", &z),
                Expr::mul(vec![p("E", &a), p(&a, &z)]),
            ])));
        } else {
            notes.push(Line::Note(Note::ChainRule(vec![name(&delta), p("E", &z)])));
        }
        if l < last {
            // ∂E/∂a_j = Σ_k ∂E/∂z_k · ∂z_k/∂a_j = Σ_k δ_k·w_kj; with dropout on this layer the
            // layer above reads ã_j, so the sum is ∂E/∂ã_j, and
            // ∂E/∂a_j = ∂E/∂ã_j · ∂ã_j/∂a_j = ∂E/∂ã_j · m_j/(1 − p).
            let dropout = self.rates[l];
            let read = if dropout > 0.0 {
                Quantity::Masked(u).to_string()
            } else {
                a.clone()
            };
            let above = &layers[l + 1];
            let mut sum_partials = Vec::new();
            let mut sum_deltas = Vec::new();
            for k in 0..above.units {
                let uk = self.unit(l + 1, k);
                let zk = Quantity::Z(uk).to_string();
                sum_partials.push(Expr::mul(vec![p("E", &zk), p(&zk, &read)]));
                sum_deltas.push(Expr::mul(vec![
                    name(&Param::weight(layers, l + 1, k, 0).to_string()),
                    name(&Quantity::Delta(uk).to_string()),
                ]));
            }
            notes.push(Line::Note(Note::ChainRule(vec![
                p("E", &read),
                Expr::add(sum_partials),
                Expr::add(sum_deltas),
            ])));
            if dropout > 0.0 {
                let m = Quantity::Mask(u).to_string();
                notes.push(Line::Note(Note::ChainRule(vec![
                    p("E", &a),
                    Expr::mul(vec![p("E", &read), p(&read, &a)]),
                    Expr::over(
                        Expr::mul(vec![name(&m), p("E", &read)]),
                        Expr::minus(Expr::Int(1), Expr::constant("p", dropout)),
                    ),
                ])));
            }
        }
        // ∂E/∂b = Σ over the units using b of δ (∂z/∂b = 1)
        let b = Param::bias(layers, l, 0).to_string();
        let users: Vec<Unit> = match layer.bias {
            BiasKind::Shared => (0..layer.units).map(|j| self.unit(l, j)).collect(),
            BiasKind::PerUnit => vec![u],
        };
        let by_z: Vec<Expr> = users
            .iter()
            .map(|&v| {
                let zv = Quantity::Z(v).to_string();
                Expr::mul(vec![p("E", &zv), p(&zv, &b)])
            })
            .collect();
        let deltas: Vec<Expr> = users
            .iter()
            .map(|&v| name(&Quantity::Delta(v).to_string()))
            .collect();
        notes.push(Line::Note(Note::ChainRule(vec![
            p("E", &b),
            Expr::add(by_z),
            Expr::add(deltas),
        ])));
        notes
    }
}

/// Refuses the settings a written-out step does not show yet (AdamW, RMSprop, clipping), rather than showing a step the engine would not take.
fn written_out(c: &OptimizerConfig) -> Result<()> {
    let unshown = match c.kind {
        OptimizerKind::Adamw | OptimizerKind::Rmsprop => Some(c.kind.name().to_string()),
        _ if c.clip_norm.is_some() => Some("clip_norm".into()),
        _ => None,
    };
    match unshown {
        Some(what) => Err(Error::Config(format!(
            "a written-out step shows sgd, momentum (plain or nesterov) and adam, with or without weight_decay and dropout, not clip_norm, rmsprop or adamw; this spec has {what}"
        ))),
        None => Ok(()),
    }
}
