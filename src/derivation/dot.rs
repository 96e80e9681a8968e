//! The derivation as a graphviz graph: each quantity a node labelled with its name, its value
//! and (where E_total depends on it) its gradient ∂E_total/∂(quantity); one cluster per part.

use super::build::{Derivation, Line};
use super::expr::number;
use super::i18n;
use super::RenderOptions;

pub fn render(d: &Derivation, options: RenderOptions) -> String {
    let g = &d.graph;
    let gradient = g.backward(d.e_total);
    let depends = g.ancestors(d.e_total);
    let num = |x: f64| number(x, options.digits);
    let mut out = String::from(
        "digraph step {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n",
    );
    for (k, section) in d.sections.iter().enumerate() {
        out.push_str(&format!(
            "  subgraph cluster_{k} {{\n    label=\"{}\";\n",
            quote(&i18n::heading(options.lang, section.part, d))
        ));
        for line in &section.lines {
            if let Line::Node(id) = line {
                let node = g.node(*id);
                let mut label = format!("{}\\n= {}", quote(&node.name), num(node.value));
                if depends[*id] {
                    label.push_str(&format!("\\n∂E_total/∂· = {}", num(gradient[*id])));
                }
                out.push_str(&format!("    n{id} [label=\"{label}\"];\n"));
            }
        }
        out.push_str("  }\n");
    }
    for (id, node) in g.nodes().iter().enumerate() {
        for &i in &node.inputs {
            out.push_str(&format!("  n{i} -> n{id};\n"));
        }
    }
    out.push_str("}\n");
    out
}

/// Escapes a string for a double-quoted DOT label.
fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
