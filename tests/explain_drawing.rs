//! The network drawing of `explain --format html`: no two texts overlap, no edge label covers
//! a unit, everything lies inside the picture, for networks from the worked example to the
//! widest and deepest `explain` allows. The boxes are computed here from the SVG as emitted
//! (positions, anchors and the style sheet's font sizes), with the advance widths of DejaVu
//! Sans (the sans-serif font of a bare Debian), not from the drawing code's own estimate.

use backprop::derivation::{network_svg, Derivation};
use backprop::Spec;
use proptest::prelude::*;

/// A spec of this shape (`inputs`, then units per layer) with small varied weights, `batch`
/// samples of inline data, per-unit or shared biases.
fn spec(inputs: usize, units: &[usize], batch: usize, per_unit: bool) -> Spec {
    let mut toml = format!(
        "inputs = {inputs}\nloss = \"half_sse\"\ndtype = \"f64\"\n[optimizer]\nkind = \"sgd\"\nlearning_rate = 0.5\n"
    );
    let mut below = inputs;
    let mut seed = 7u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) % 2000) as f64 / 1000.0 - 1.0
    };
    for (l, &u) in units.iter().enumerate() {
        let rows: Vec<String> = (0..u)
            .map(|_| {
                let w: Vec<String> = (0..below).map(|_| format!("{:.3}", next())).collect();
                format!("[{}]", w.join(", "))
            })
            .collect();
        let act = if l + 1 == units.len() {
            "sigmoid"
        } else {
            "tanh"
        };
        let bias = if per_unit { "\"per_unit\"" } else { "-0.125" };
        toml.push_str(&format!(
            "[[layers]]\nunits = {u}\nactivation = \"{act}\"\nweights = [{}]\nbias = {bias}\n",
            rows.join(", ")
        ));
        below = u;
    }
    let row = |n: usize, next: &mut dyn FnMut() -> f64| {
        let v: Vec<String> = (0..n).map(|_| format!("{:.2}", next())).collect();
        format!("[{}]", v.join(", "))
    };
    let x: Vec<String> = (0..batch).map(|_| row(inputs, &mut next)).collect();
    let t: Vec<String> = (0..batch)
        .map(|_| row(below, &mut || next().abs()))
        .collect();
    toml.push_str(&format!(
        "[training]\nbatch_size = {batch}\nshuffle = false\n[data]\ninputs = [{}]\ntargets = [{}]\n",
        x.join(", "),
        t.join(", ")
    ));
    Spec::parse(&toml, "shape").unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

/// DejaVu Sans advance widths, in ems, of the characters the drawing writes.
fn advance(c: char) -> f64 {
    match c {
        '0'..='9' => 0.636,
        '.' | ',' | ' ' | '·' => 0.3179, // 651/2048
        ':' => 0.337,
        '=' | '−' | '+' => 0.838,
        '∂' => 0.517,
        '_' => 0.5,
        'w' => 0.818,
        'm' => 0.974,
        'i' | 'l' => 0.278,
        't' => 0.392,
        'E' => 0.632,
        'a'..='z' => 0.62,
        'A'..='Z' => 0.7,
        _ => 0.7,
    }
}

#[derive(Debug, Clone)]
struct Box2 {
    what: String,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Box2 {
    /// Whether the boxes share more than half a pixel each way (the SVG writes positions to a
    /// tenth of a pixel).
    fn meets(&self, o: &Box2) -> bool {
        let e = 0.5;
        self.left + e < o.right
            && o.left + e < self.right
            && self.top + e < o.bottom
            && o.top + e < self.bottom
    }
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_string())
}

fn num(tag: &str, name: &str) -> f64 {
    attr(tag, name)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        .parse()
        .unwrap()
}

/// Every text of the SVG as a box (with 2 px of its halo where it has one), and every unit.
fn boxes(svg: &str) -> (Vec<Box2>, Vec<Box2>, f64, f64) {
    let svg_tag = &svg[..svg.find('>').unwrap()];
    let (width, height) = (num(svg_tag, "width"), num(svg_tag, "height"));
    let mut texts = Vec::new();
    for piece in svg.split("<text").skip(1) {
        let open = piece.find('>').unwrap();
        let tag = &piece[..open];
        let body = &piece[open + 1..piece.find("</text>").unwrap()];
        let body = body
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        let class = attr(tag, "class").unwrap_or_default();
        let (size, halo) = match class.as_str() {
            "name" => (14.0, 0.0),
            "bias-name" => (12.0, 0.0),
            "vals" => (10.5, 2.0),
            _ => (11.0, 2.0),
        };
        let bold = if size >= 12.0 { 1.08 } else { 1.0 };
        let w = body.chars().map(advance).sum::<f64>() * size * bold;
        let (x, y) = (num(tag, "x"), num(tag, "y"));
        let left = match attr(tag, "text-anchor").as_deref() {
            Some("middle") => x - w / 2.0,
            Some("end") => x - w,
            _ => x,
        };
        texts.push(Box2 {
            what: format!("{class}:{body}"),
            left: left - halo,
            right: left + w + halo,
            top: y - 0.76 * size - halo,
            bottom: y + 0.24 * size + halo,
        });
    }
    let circles = svg
        .split("<circle")
        .skip(1)
        .map(|piece| {
            let tag = &piece[..piece.find('>').unwrap()];
            let (x, y, r) = (num(tag, "cx"), num(tag, "cy"), num(tag, "r"));
            Box2 {
                what: format!("unit at {x},{y}"),
                left: x - r,
                right: x + r,
                top: y - r,
                bottom: y + r,
            }
        })
        .collect();
    (texts, circles, width, height)
}

/// Asserts the drawing of this spec has no overlap; returns how many edge labels it has.
fn assert_clear(spec: &Spec, what: &str) -> usize {
    let d = Derivation::from_spec(spec, None).unwrap();
    let shown: Vec<usize> = d.samples.iter().copied().take(4).collect();
    let svg = network_svg(&d, &shown);
    let (texts, circles, width, height) = boxes(&svg);
    for (k, a) in texts.iter().enumerate() {
        assert!(
            a.left >= 0.0 && a.right <= width && a.top >= 0.0 && a.bottom <= height,
            "{what}: {a:?} leaves the {width}×{height} picture"
        );
        for b in &texts[k + 1..] {
            assert!(!a.meets(b), "{what}: {a:?} overlaps {b:?}");
        }
        // Only a unit's own name sits inside a unit.
        if !a.what.starts_with("name:") || a.what.starts_with("name:E_total") {
            for c in &circles {
                assert!(!a.meets(c), "{what}: {a:?} covers {c:?}");
            }
        }
    }
    let labels = texts.iter().filter(|t| t.what.starts_with(":w")).count();
    let weights: usize = d.layers.iter().map(|l| l.weight_count()).sum();
    // Every edge keeps its values in a hover title.
    assert_eq!(svg.matches("<title>w").count(), weights, "{what}");
    labels
}

#[test]
fn the_worked_example_is_drawn_with_every_label_clear() {
    let labels = assert_clear(&Spec::worked_example(), "worked example");
    assert_eq!(labels, 6, "w1 … w6 each labelled");
}

#[test]
fn a_3_4_3_2_network_is_drawn_with_every_label_clear() {
    for batch in [1, 2, 4, 9] {
        for per_unit in [false, true] {
            let labels = assert_clear(&spec(3, &[4, 3, 2], batch, per_unit), "3-4-3-2");
            assert_eq!(labels, 12 + 12 + 6, "3-4-3-2, batch {batch}");
        }
    }
}

#[test]
fn the_widest_labelled_and_the_widest_and_deepest_allowed_stay_clear() {
    // 48 weights between two columns: the most that are labelled.
    assert_eq!(assert_clear(&spec(6, &[8], 4, true), "6-8"), 48);
    assert_eq!(assert_clear(&spec(8, &[6], 4, true), "8-6"), 48);
    assert_eq!(assert_clear(&spec(1, &[16, 1], 3, true), "1-16-1"), 32);
    // Deep: eight layers.
    assert_eq!(
        assert_clear(&spec(2, &[2, 2, 2, 2, 2, 2, 2, 1], 3, false), "deep"),
        30
    );
    // Beyond 48 weights the edges keep only their titles; units and biases stay clear.
    assert_eq!(assert_clear(&spec(4, &[6, 4, 2], 5, true), "4-6-4-2"), 0);
    // The widest explain allows: 64 units a layer, 16 samples (4 shown).
    assert_eq!(assert_clear(&spec(64, &[64, 10], 16, true), "64-64-10"), 0);
    assert_eq!(
        assert_clear(&spec(3, &[64, 64, 3], 2, false), "3-64-64-3"),
        0
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_small_networks_are_drawn_clear(
        inputs in 1usize..5,
        units in proptest::collection::vec(1usize..6, 1..5),
        batch in 1usize..6,
        per_unit in any::<bool>(),
    ) {
        assert_clear(&spec(inputs, &units, batch, per_unit), &format!("{inputs}-{units:?}"));
    }
}
