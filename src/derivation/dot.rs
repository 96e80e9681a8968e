//! The derivation as a graphviz graph: each quantity a node labelled with its name, its value
//! and (where E_total depends on it) its gradient ∂E_total/∂(quantity); one cluster per part.
//!
//! The clusters stand left to right in the notes' order (given → forward → batch error →
//! backward → update), held there by an invisible edge from each one's last quantity to the
//! next one's first (so sample 2's forward pass stands right of sample 1's); the given values
//! stand in one column, and so do the updated ones. Every edge leaves its node on the right
//! and enters on the left, so edges mostly run across the clusters' sides rather than over
//! their titles, and a given value's edge into the update (`w1 → new.w1`) is drawn light and
//! does not pull the layout.

use super::build::{Derivation, Line, Part};
use super::expr::number;
use super::i18n;
use super::RenderOptions;

pub fn render(d: &Derivation, options: RenderOptions) -> String {
    let g = &d.graph;
    let gradient = g.backward(d.e_total);
    let depends = g.ancestors(d.e_total);
    let num = |x: f64| number(x, options.digits);
    let mut out = String::from(
        "digraph step {\n  rankdir=LR;\n  ranksep=0.6;\n  nodesep=0.12;\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n  edge [tailport=e, headport=w, arrowsize=0.6];\n",
    );
    let mut part_of = vec![None; g.len()];
    let mut ends: Vec<(usize, usize)> = Vec::new();
    for (k, section) in d.sections.iter().enumerate() {
        out.push_str(&format!(
            "  subgraph cluster_{k} {{\n    label=\"{}\";\n    labelloc=t;\n    labeljust=l;\n    margin=14;\n",
            quote(&i18n::heading(options.lang, section.part, d))
        ));
        let ids: Vec<usize> = section
            .lines
            .iter()
            .filter_map(|line| match line {
                Line::Node(id) => Some(*id),
                _ => None,
            })
            .collect();
        for &id in &ids {
            let node = g.node(id);
            part_of[id] = Some(section.part);
            let mut label = format!("{}\\n= {}", quote(&node.name), num(node.value));
            if depends[id] {
                label.push_str(&format!("\\n∂E_total/∂· = {}", num(gradient[id])));
            }
            out.push_str(&format!("    n{id} [label=\"{label}\"];\n"));
        }
        if matches!(section.part, Part::Given | Part::Update) && ids.len() > 1 {
            out.push_str(&column(&ids));
        }
        out.push_str("  }\n");
        if let (Some(&first), Some(&last)) = (ids.first(), ids.last()) {
            ends.push((first, last));
        }
    }
    // The clusters in order: an invisible edge from each cluster's last node to the next's
    // first.
    for pair in ends.windows(2) {
        out.push_str(&format!(
            "  n{} -> n{} [style=invis, weight=20];\n",
            pair[0].1, pair[1].0
        ));
    }
    for (id, node) in g.nodes().iter().enumerate() {
        for &i in &node.inputs {
            let skips = part_of[i] == Some(Part::Given) && part_of[id] == Some(Part::Update);
            if skips {
                out.push_str(&format!(
                    "  n{i} -> n{id} [constraint=false, color=\"#b8b8b8\"];\n"
                ));
            } else {
                out.push_str(&format!("  n{i} -> n{id};\n"));
            }
        }
    }
    out.push_str("}\n");
    out
}

/// The nodes in one column (one rank).
fn column(ids: &[usize]) -> String {
    let names: Vec<String> = ids.iter().map(|id| format!("n{id}")).collect();
    format!(
        "    {{ rank=same; {}; }}\n    {} [style=invis, tailport=c, headport=c];\n",
        names.join("; "),
        names.join(" -> ")
    )
}

/// Escapes a string for a double-quoted DOT label.
fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
