//! `explain --format dot`: one cluster per part in the notes' order, every quantity in exactly
//! one cluster and every dependency an edge; and, laid out by graphviz itself (`dot -Tplain`,
//! when it is installed; `.ci/run` installs it and sets `BACKPROP_REQUIRE_GRAPHVIZ`), the parts
//! stand left to right in that order: every given value left of every forward quantity, and so
//! on to the update.

use backprop::derivation::{render, Derivation, Format, Part, RenderOptions};
use backprop::Spec;
use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

fn worked() -> Derivation {
    Derivation::from_spec(&Spec::worked_example(), None).unwrap()
}

/// The rank of a part in the notes' order.
fn order(part: Part) -> usize {
    match part {
        Part::Given => 0,
        Part::Forward { .. } => 1,
        Part::BatchError => 2,
        Part::Backward { .. } => 3,
        Part::Update => 4,
    }
}

#[test]
fn clusters_follow_the_notes_and_hold_every_quantity_once() {
    let d = worked();
    let dot = render(&d, Format::Dot, RenderOptions::default());
    let labels: Vec<&str> = dot
        .lines()
        .filter_map(|l| l.trim().strip_prefix("label=\""))
        .map(|l| l.trim_end_matches("\";"))
        .collect();
    assert_eq!(
        labels,
        [
            "Given: parameters, inputs and targets",
            "Forward pass, sample 1",
            "Forward pass, sample 2",
            "Total error of the batch",
            "Backward pass: output layer",
            "Backward pass: hidden layer",
            "Update"
        ]
    );
    for id in 0..d.graph.len() {
        let declared = format!("    n{id} [label=");
        assert_eq!(dot.matches(&declared).count(), 1, "n{id}");
        for &i in &d.graph.node(id).inputs {
            assert!(
                dot.contains(&format!("  n{i} -> n{id}")),
                "edge n{i} -> n{id}"
            );
        }
    }
}

#[test]
fn graphviz_lays_the_parts_out_left_to_right() {
    let ok = Command::new("dot").arg("-V").output().is_ok();
    if !ok {
        assert!(
            std::env::var_os("BACKPROP_REQUIRE_GRAPHVIZ").is_none(),
            "graphviz's `dot` is missing (`apt-get install graphviz`)"
        );
        eprintln!("skipped: graphviz is not installed");
        return;
    }
    let d = worked();
    let text = render(&d, Format::Dot, RenderOptions::default());
    let mut child = Command::new("dot")
        .arg("-Tplain")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    // `node NAME X Y WIDTH HEIGHT …`
    let mut x_of = HashMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.first() == Some(&"node") {
            let x: f64 = f[2].parse().unwrap();
            let w: f64 = f[4].parse().unwrap();
            x_of.insert(f[1].to_string(), (x - w / 2.0, x + w / 2.0));
        }
    }
    let mut span = [(f64::INFINITY, f64::NEG_INFINITY); 5];
    for section in &d.sections {
        for line in &section.lines {
            if let backprop::derivation::Line::Node(id) = line {
                let (l, r) = x_of[&format!("n{id}")];
                let s = &mut span[order(section.part)];
                *s = (s.0.min(l), s.1.max(r));
            }
        }
    }
    for k in 0..4 {
        assert!(
            span[k].1 < span[k + 1].0,
            "part {k} reaches x = {} but part {} starts at {}",
            span[k].1,
            k + 1,
            span[k + 1].0
        );
    }
}
