//! The derivation: one training step as a graph of named scalars, written out the way a learner
//! works it by hand (`explain`); the checker above it marks a learner's own numbers against it.
//!
//! - [`op`]: the operations and their local derivatives; [`graph`]: the nodes, evaluation and the
//!   reverse walk; [`build`]: the graph of a step from a spec.
//! - [`expr`] and [`names`]: formulas and names as text, LaTeX and MathML; [`i18n`]: the prose.
//! - Renderers, one per format: [`text`], [`markdown`], [`json`], [`html`], [`dot`].
//!
//! It is written independently of the fast engine (no call to `Network::forward`/`backward`);
//! a test checks the two agree on many random networks.

pub mod build;
pub mod dot;
pub mod drawing;
pub mod expr;
pub mod graph;
pub mod html;
pub mod i18n;
pub mod json;
pub mod markdown;
pub mod names;
pub mod node_name;
pub mod op;
pub mod symbols;
pub mod text;

pub use build::{Derivation, Line, Note, Part, Section};
pub use drawing::network_svg;
pub use graph::{Graph, Node, NodeId};
pub use i18n::Lang;
pub use node_name::{BadName, Derived, NodeName, Param, Quantity, Unit};

use expr::{Expr, Style};

/// The output formats of `explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
    Html,
    Dot,
}

/// How to write a derivation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    pub lang: Lang,
    /// Significant digits of the numbers shown.
    pub digits: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            lang: Lang::En,
            digits: 6,
        }
    }
}

/// Writes the derivation in a format.
pub fn render(d: &Derivation, format: Format, options: RenderOptions) -> String {
    match format {
        Format::Text => text::render(d, options),
        Format::Markdown => markdown::render(d, options),
        Format::Json => json::render(d),
        Format::Html => html::render(d, options),
        Format::Dot => dot::render(d, options),
    }
}

/// A node's name as shown while sample `sample` is being told: its own prefix is dropped
/// (`s1.z_h1` is `z_h1` within sample 1).
pub fn display_name(node: &Node, sample: Option<usize>) -> String {
    match sample {
        Some(s) if node.key.sample() == Some(s) => node.key.within_sample(),
        _ => node.name.clone(),
    }
}

/// A node's formula over its inputs: as first written (`σ(z_h1)`) and as substituted
/// (`1/(1 + e^−z_h1)`, to be written with numbers). `None` for a given value.
pub fn formulas(d: &Derivation, id: NodeId) -> Option<(Expr, Expr)> {
    let node = d.graph.node(id);
    if node.inputs.is_empty() {
        return None;
    }
    let args: Vec<Expr> = node.inputs.iter().map(|&i| Expr::Var(i)).collect();
    Some((node.op.symbolic(&args), node.op.substituted(&args)))
}

/// The notations a node can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    Text,
    Latex,
    Mathml,
}

impl Writer {
    fn expr(self, e: &Expr, style: &Style) -> String {
        match self {
            Writer::Text => e.text(style),
            Writer::Latex => e.latex(style),
            Writer::Mathml => e.mathml(style),
        }
    }

    /// A name in this notation.
    pub fn name(self, name: &str) -> String {
        match self {
            Writer::Text => name.to_string(),
            Writer::Latex => names::math_name(name).latex(),
            Writer::Mathml => names::math_name(name).mathml(),
        }
    }
}

/// A node written out: its name, then the steps `formula = numbers = value` (repeated steps
/// dropped, so a given value is just `name = value`).
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    pub name: String,
    pub steps: Vec<String>,
}

/// Writes node `id` as seen from sample `sample`'s part of the step.
pub fn write_node(
    d: &Derivation,
    id: NodeId,
    sample: Option<usize>,
    digits: usize,
    writer: Writer,
) -> Written {
    let name_of = |i: usize| display_name(d.graph.node(i), sample);
    let value_of = |i: usize| d.graph.node(i).value;
    let by_name = Style {
        name: &name_of,
        value: &value_of,
        numbers: false,
        digits,
    };
    let by_number = Style {
        numbers: true,
        ..by_name
    };
    let mut steps = Vec::new();
    if let Some((symbolic, substituted)) = formulas(d, id) {
        steps.push(writer.expr(&symbolic, &by_name));
        steps.push(writer.expr(&substituted, &by_number));
    }
    steps.push(writer.expr(&Expr::Num(d.graph.node(id).value), &by_number));
    steps.dedup();
    Written {
        name: writer.name(&name_of(id)),
        steps,
    }
}

/// Writes a general formula (a chain rule) in a notation.
pub fn write_expr(e: &Expr, digits: usize, writer: Writer) -> String {
    let name_of = |_: usize| String::new();
    let value_of = |_: usize| f64::NAN;
    let style = Style {
        name: &name_of,
        value: &value_of,
        numbers: false,
        digits,
    };
    writer.expr(e, &style)
}
