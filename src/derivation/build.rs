//! Builds the graph of one training step from a [`Spec`]: the forward pass per sample, the
//! sample errors and the batch error, the backward pass written as the chain rule (deltas per
//! sample, gradients averaged over the batch), and the optimizer's update of every parameter.
//!
//! The backward quantities are nodes too (`s1.delta_o = s1.dE_da_o·s1.da_dz_o`), so that
//! `explain` can show them and `check` can re-evaluate them; [`Graph::backward`] differentiates
//! the forward part independently, and the tests check the two agree.

use super::expr::Expr;
use super::graph::{Graph, NodeId};
use super::op::Op;
use crate::engine::activation::Activation;
use crate::engine::loss::Loss;
use crate::engine::network::{BiasKind, Layer};
use crate::engine::notation::{bias_name, input_name, parameter_names, unit_name, weight_name};
use crate::engine::optim::{OptimizerConfig, OptimizerKind};
use crate::error::{Error, Result};
use crate::spec::Spec;

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
}

impl Derivation {
    /// The step on the first batch of the spec's inline data (`[training] batch_size`, or all of
    /// it), or on sample `sample` (from 1) alone.
    pub fn from_spec(spec: &Spec, sample: Option<usize>) -> Result<Derivation> {
        let net = spec.network::<f64>()?;
        let Some((x, t, n)) = spec.inline_data()? else {
            return Err(Error::Config(
                "explain needs inline [data] (inputs and targets) in the spec: the step is worked on its first batch".into(),
            ));
        };
        let samples: Vec<usize> = match sample {
            Some(s) if s == 0 || s > n => {
                return Err(Error::Config(format!(
                    "--sample {s}: the data has samples 1 to {n}"
                )))
            }
            Some(s) => vec![s],
            None => (1..=spec.training.batch_size.unwrap_or(n).min(n)).collect(),
        };
        written_out(&spec.optimizer_config(), &spec.dropout_rates())?;
        for (l, layer) in net.layers.iter().enumerate() {
            let widest = layer.units.max(layer.inputs);
            if widest > MAX_UNITS {
                return Err(Error::TooLarge(format!(
                    "layer {} has {widest} {}: a written-out step is limited to {MAX_UNITS} per layer; explain a smaller network",
                    l + 1,
                    if layer.units >= layer.inputs { "units" } else { "inputs" }
                )));
            }
        }
        if net.params.len() > MAX_PARAMETERS {
            return Err(Error::TooLarge(format!(
                "the network has {} parameters: a written-out step is limited to {MAX_PARAMETERS}; explain a smaller network",
                net.params.len()
            )));
        }
        if samples.len() > MAX_SAMPLES {
            return Err(Error::TooLarge(format!(
                "the first batch has {} samples: a written-out step is limited to {MAX_SAMPLES}; pick one with --sample N or set a smaller [training] batch_size",
                samples.len()
            )));
        }
        let outputs = net.outputs();
        let rows: Vec<(&[f64], &[f64])> = samples
            .iter()
            .map(|&s| {
                (
                    &x[(s - 1) * net.inputs..s * net.inputs],
                    &t[(s - 1) * outputs..s * outputs],
                )
            })
            .collect();
        let mut b = Builder {
            graph: Graph::new(),
            layers: &net.layers,
            loss: net.loss,
            sections: Vec::new(),
        };
        Ok(b.build(
            &net.params,
            &samples,
            &rows,
            spec.optimizer_config(),
            net.inputs,
        ))
    }

    /// The sample a node belongs to (`s2.z_h1` → 2), if any.
    pub fn sample_of(name: &str) -> Option<usize> {
        let (prefix, _) = name.split_once('.')?;
        prefix.strip_prefix('s')?.parse().ok()
    }
}

struct Builder<'a> {
    graph: Graph,
    layers: &'a [Layer],
    loss: Loss,
    sections: Vec<Section>,
}

/// One sample's nodes: pre-activations, activations and deltas per layer and unit.
struct SampleNodes {
    inputs: Vec<NodeId>,
    targets: Vec<NodeId>,
    z: Vec<Vec<NodeId>>,
    a: Vec<Vec<NodeId>>,
    delta: Vec<Vec<NodeId>>,
}

impl Builder<'_> {
    fn build(
        &mut self,
        values: &[f64],
        samples: &[usize],
        rows: &[(&[f64], &[f64])],
        optimizer: OptimizerConfig,
        inputs: usize,
    ) -> Derivation {
        let layers = self.layers;
        let names = parameter_names(layers);
        let mut given = Vec::new();
        let params: Vec<NodeId> = names
            .iter()
            .zip(values)
            .map(|(name, &v)| {
                let id = self.graph.given(name.clone(), v);
                given.push(Line::Node(id));
                id
            })
            .collect();

        // Inputs and targets.
        let last = layers.len() - 1;
        let mut nodes: Vec<SampleNodes> = Vec::new();
        for (&s, (x, t)) in samples.iter().zip(rows) {
            given.push(Line::Sample(s));
            let inputs = x
                .iter()
                .enumerate()
                .map(|(k, &v)| self.graph.given(format!("s{s}.{}", input_name(k)), v))
                .collect::<Vec<_>>();
            let targets = t
                .iter()
                .enumerate()
                .map(|(j, &v)| {
                    let unit = unit_name(layers, last, j);
                    self.graph.given(format!("s{s}.t_{unit}"), v)
                })
                .collect::<Vec<_>>();
            given.extend(inputs.iter().chain(&targets).map(|&id| Line::Node(id)));
            nodes.push(SampleNodes {
                inputs,
                targets,
                z: Vec::new(),
                a: Vec::new(),
                delta: vec![Vec::new(); layers.len()],
            });
        }
        self.section(Part::Given, given);

        // Forward pass and the sample errors.
        let mut errors = Vec::new();
        for (&s, n) in samples.iter().zip(&mut nodes) {
            let mut lines = Vec::new();
            for (l, layer) in layers.iter().enumerate() {
                let below = if l == 0 {
                    n.inputs.clone()
                } else {
                    n.a[l - 1].clone()
                };
                let mut zs = Vec::new();
                let mut a_layer = Vec::new();
                for j in 0..layer.units {
                    let mut args = Vec::new();
                    for (i, &x) in below.iter().enumerate() {
                        args.push(params[self.weight_index(l, j, i)]);
                        args.push(x);
                    }
                    args.push(params[self.bias_index(l, j)]);
                    let unit = unit_name(layers, l, j);
                    let z = self.graph.push(
                        format!("s{s}.z_{unit}"),
                        Op::Weighted { bias: true },
                        args,
                    );
                    zs.push(z);
                    lines.push(Line::Node(z));
                    if layer.activation != Activation::Softmax {
                        let a = self.graph.push(
                            format!("s{s}.a_{unit}"),
                            Op::Activate(layer.activation),
                            vec![z],
                        );
                        lines.push(Line::Node(a));
                        a_layer.push(a);
                    }
                }
                if layer.activation == Activation::Softmax {
                    for j in 0..layer.units {
                        let unit = unit_name(layers, l, j);
                        let a = self.graph.push(
                            format!("s{s}.a_{unit}"),
                            Op::Softmax { k: j },
                            zs.clone(),
                        );
                        lines.push(Line::Node(a));
                        a_layer.push(a);
                    }
                }
                n.z.push(zs);
                n.a.push(a_layer);
            }
            let args: Vec<NodeId> = n.a[last].iter().chain(&n.targets).copied().collect();
            let e = self
                .graph
                .push(format!("s{s}.E"), Op::SampleLoss(self.loss), args);
            lines.push(Line::Node(e));
            errors.push(e);
            self.section(Part::Forward { sample: s }, lines);
        }
        let e_total = self.graph.push("E_total", Op::Mean, errors);
        self.section(Part::BatchError, vec![Line::Node(e_total)]);

        // Backward pass, layer by layer from the output.
        let mut grads = vec![usize::MAX; params.len()];
        for l in (0..layers.len()).rev() {
            let mut lines = self.chain_rule_notes(l);
            lines.push(Line::Note(Note::SampleDeltas));
            for (&s, n) in samples.iter().zip(&mut nodes) {
                lines.push(Line::Sample(s));
                let deltas = if l == last {
                    self.output_deltas(s, n, &mut lines)
                } else {
                    self.hidden_deltas(s, l, n, &params, &mut lines)
                };
                n.delta[l] = deltas;
            }
            lines.push(Line::Note(Note::BatchMean {
                batch: samples.len(),
            }));
            let layer = &layers[l];
            for j in 0..layer.units {
                for i in 0..layer.inputs {
                    let k = self.weight_index(l, j, i);
                    let mut args = Vec::new();
                    for n in &nodes {
                        args.push(n.delta[l][j]);
                        args.push(if l == 0 { n.inputs[i] } else { n.a[l - 1][i] });
                    }
                    let g = self
                        .graph
                        .push(format!("grad.{}", names[k]), Op::MeanProduct, args);
                    grads[k] = g;
                    lines.push(Line::Node(g));
                }
            }
            for j in 0..layer.bias_count() {
                let k = self.bias_index(l, j);
                let units: Vec<usize> = match layer.bias {
                    BiasKind::PerUnit => vec![j],
                    BiasKind::Shared => (0..layer.units).collect(),
                };
                if layer.bias == BiasKind::Shared && layer.units > 1 {
                    lines.push(Line::Note(Note::SharedBias {
                        bias: names[k].clone(),
                        units: units.iter().map(|&u| unit_name(layers, l, u)).collect(),
                    }));
                }
                let args: Vec<NodeId> = nodes
                    .iter()
                    .flat_map(|n| units.iter().map(|&u| n.delta[l][u]).collect::<Vec<_>>())
                    .collect();
                let g = self.graph.push(
                    format!("grad.{}", names[k]),
                    Op::MeanSum { group: units.len() },
                    args,
                );
                grads[k] = g;
                lines.push(Line::Node(g));
            }
            self.section(Part::Backward { layer: l }, lines);
        }

        // The update.
        let mut lines = vec![Line::Note(Note::Optimizer(optimizer.kind))];
        let mut updated = Vec::new();
        let c = optimizer;
        for (k, name) in names.iter().enumerate() {
            let (p, g) = (params[k], grads[k]);
            let new = match c.kind {
                OptimizerKind::Sgd => self.graph.push(
                    format!("new.{name}"),
                    Op::Descend {
                        lr: c.learning_rate,
                    },
                    vec![p, g],
                ),
                OptimizerKind::Momentum => {
                    let v = self.graph.push(
                        format!("v.{name}"),
                        Op::Velocity {
                            mu: c.momentum,
                            prev: 0.0,
                        },
                        vec![g],
                    );
                    lines.push(Line::Node(v));
                    self.graph.push(
                        format!("new.{name}"),
                        Op::Descend {
                            lr: c.learning_rate,
                        },
                        vec![p, v],
                    )
                }
                // Refused by `written_out` before the build.
                OptimizerKind::Adamw | OptimizerKind::Rmsprop => p,
                OptimizerKind::Adam => {
                    let m = self.graph.push(
                        format!("m.{name}"),
                        Op::AdamFirst {
                            beta1: c.beta1,
                            prev: 0.0,
                        },
                        vec![g],
                    );
                    let v = self.graph.push(
                        format!("v.{name}"),
                        Op::AdamSecond {
                            beta2: c.beta2,
                            prev: 0.0,
                        },
                        vec![g],
                    );
                    lines.push(Line::Node(m));
                    lines.push(Line::Node(v));
                    self.graph.push(
                        format!("new.{name}"),
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
            };
            lines.push(Line::Node(new));
            updated.push(new);
        }
        self.section(Part::Update, lines);

        Derivation {
            graph: std::mem::take(&mut self.graph),
            inputs,
            layers: layers.to_vec(),
            loss: self.loss,
            optimizer,
            samples: samples.to_vec(),
            params,
            grads,
            updated,
            e_total,
            sections: std::mem::take(&mut self.sections),
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

    /// The output layer's deltas `∂E_s/∂z` for one sample.
    fn output_deltas(&mut self, s: usize, n: &SampleNodes, lines: &mut Vec<Line>) -> Vec<NodeId> {
        let last = self.layers.len() - 1;
        let layer = &self.layers[last];
        let units = layer.units;
        let unit = |j| unit_name(self.layers, last, j);
        let mut deltas = Vec::new();
        match self.loss {
            Loss::CrossEntropy => {
                for j in 0..units {
                    let mut args = vec![n.a[last][j]];
                    args.extend(&n.targets);
                    let d = self.graph.push(
                        format!("s{s}.delta_{}", unit(j)),
                        Op::CrossEntropyDelta { k: j },
                        args,
                    );
                    lines.push(Line::Node(d));
                    deltas.push(d);
                }
            }
            Loss::Bce => {
                for j in 0..units {
                    let d = self.graph.push(
                        format!("s{s}.delta_{}", unit(j)),
                        Op::BceDelta { outputs: units },
                        vec![n.a[last][j], n.targets[j]],
                    );
                    lines.push(Line::Node(d));
                    deltas.push(d);
                }
            }
            Loss::HalfSse | Loss::Mse => {
                let slopes: Vec<NodeId> = (0..units)
                    .map(|j| {
                        let g = self.graph.push(
                            format!("s{s}.dE_da_{}", unit(j)),
                            Op::LossSlope {
                                loss: self.loss,
                                outputs: units,
                            },
                            vec![n.a[last][j], n.targets[j]],
                        );
                        lines.push(Line::Node(g));
                        g
                    })
                    .collect();
                if layer.activation == Activation::Softmax {
                    let args: Vec<NodeId> = n.a[last].iter().chain(&slopes).copied().collect();
                    for j in 0..units {
                        let d = self.graph.push(
                            format!("s{s}.delta_{}", unit(j)),
                            Op::SoftmaxDelta { k: j },
                            args.clone(),
                        );
                        lines.push(Line::Node(d));
                        deltas.push(d);
                    }
                } else {
                    for (j, &g) in slopes.iter().enumerate() {
                        let d = self.through_activation(s, last, j, g, n, lines);
                        deltas.push(d);
                    }
                }
            }
        }
        deltas
    }

    /// `∂a/∂z` and `δ = ∂E/∂a · ∂a/∂z` of unit `j` of layer `l`, given `∂E/∂a` (`g`).
    fn through_activation(
        &mut self,
        s: usize,
        l: usize,
        j: usize,
        g: NodeId,
        n: &SampleNodes,
        lines: &mut Vec<Line>,
    ) -> NodeId {
        let f = self.layers[l].activation;
        let unit = unit_name(self.layers, l, j);
        let from = match f {
            Activation::Sigmoid | Activation::Tanh => n.a[l][j],
            _ => n.z[l][j],
        };
        let slope = self
            .graph
            .push(format!("s{s}.da_dz_{unit}"), Op::Slope(f), vec![from]);
        let d = self
            .graph
            .push(format!("s{s}.delta_{unit}"), Op::Product, vec![g, slope]);
        lines.push(Line::Node(slope));
        lines.push(Line::Node(d));
        d
    }

    /// A hidden layer's deltas for one sample: `∂E/∂a_j = Σ_k w_kj·δ_k`, then through the
    /// activation.
    fn hidden_deltas(
        &mut self,
        s: usize,
        l: usize,
        n: &SampleNodes,
        params: &[NodeId],
        lines: &mut Vec<Line>,
    ) -> Vec<NodeId> {
        let above = &self.layers[l + 1];
        let mut deltas = Vec::new();
        for j in 0..self.layers[l].units {
            let mut args = Vec::new();
            for k in 0..above.units {
                args.push(params[self.weight_index(l + 1, k, j)]);
                args.push(n.delta[l + 1][k]);
            }
            let unit = unit_name(self.layers, l, j);
            let g = self.graph.push(
                format!("s{s}.dE_da_{unit}"),
                Op::Weighted { bias: false },
                args,
            );
            lines.push(Line::Node(g));
            deltas.push(self.through_activation(s, l, j, g, n, lines));
        }
        deltas
    }

    /// The chain rule for layer `l`, written in general for its first weight and its bias.
    fn chain_rule_notes(&self, l: usize) -> Vec<Line> {
        let layers = self.layers;
        let last = layers.len() - 1;
        let layer = &layers[l];
        let u = unit_name(layers, l, 0);
        let (z, a, delta) = (format!("z_{u}"), format!("a_{u}"), format!("delta_{u}"));
        let w = weight_name(layers, l, 0, 0);
        let x = if l == 0 {
            input_name(0)
        } else {
            format!("a_{}", unit_name(layers, l - 1, 0))
        };
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
            // ∂E/∂a_j = Σ_k ∂E/∂z_k · ∂z_k/∂a_j = Σ_k δ_k·w_kj
            let above = &layers[l + 1];
            let mut sum_partials = Vec::new();
            let mut sum_deltas = Vec::new();
            for k in 0..above.units {
                let uk = unit_name(layers, l + 1, k);
                let zk = format!("z_{uk}");
                sum_partials.push(Expr::mul(vec![p("E", &zk), p(&zk, &a)]));
                sum_deltas.push(Expr::mul(vec![
                    name(&weight_name(layers, l + 1, k, 0)),
                    name(&format!("delta_{uk}")),
                ]));
            }
            notes.push(Line::Note(Note::ChainRule(vec![
                p("E", &a),
                Expr::add(sum_partials),
                Expr::add(sum_deltas),
            ])));
        }
        // ∂E/∂b = Σ over the units using b of δ (∂z/∂b = 1)
        let b = bias_name(layers, l, 0);
        let users: Vec<String> = match layer.bias {
            BiasKind::Shared => (0..layer.units).map(|j| unit_name(layers, l, j)).collect(),
            BiasKind::PerUnit => vec![u.clone()],
        };
        let by_z: Vec<Expr> = users
            .iter()
            .map(|v| {
                let zv = format!("z_{v}");
                Expr::mul(vec![p("E", &zv), p(&zv, &b)])
            })
            .collect();
        let deltas: Vec<Expr> = users.iter().map(|v| name(&format!("delta_{v}"))).collect();
        notes.push(Line::Note(Note::ChainRule(vec![
            p("E", &b),
            Expr::add(by_z),
            Expr::add(deltas),
        ])));
        notes
    }
}

/// Refuses the settings a written-out step does not show yet (AdamW, RMSprop, Nesterov,
/// weight decay, clipping, dropout), rather than showing a step the engine would not take.
fn written_out(c: &OptimizerConfig, dropout: &[f64]) -> Result<()> {
    let unshown = match c.kind {
        _ if dropout.iter().any(|&p| p > 0.0) => Some("dropout".into()),
        OptimizerKind::Adamw | OptimizerKind::Rmsprop => Some(c.kind.name().to_string()),
        _ if c.nesterov => Some("nesterov = true".into()),
        _ if c.weight_decay != 0.0 => Some("weight_decay".into()),
        _ if c.clip_norm.is_some() => Some("clip_norm".into()),
        _ => None,
    };
    match unshown {
        Some(what) => Err(Error::Config(format!(
            "a written-out step shows sgd, momentum and adam without weight_decay, nesterov, clip_norm or dropout; this spec has {what}"
        ))),
        None => Ok(()),
    }
}
