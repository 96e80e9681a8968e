//! The derivation as one self-contained HTML page (no scripts, fonts or anything else fetched):
//! an SVG drawing of the network, with each weight and its gradient on its edge and each
//! unit's values per sample, then the derivation with its mathematics in MathML.

use super::build::{Derivation, Line, Note, Part};
use super::expr::{escape, number};
use super::i18n::{self, Word};
use super::{write_expr, write_node, RenderOptions, Writer};
use crate::engine::network::BiasKind;
use crate::engine::notation::{bias_name, input_name, unit_name, weight_name};

/// Edges are labelled only up to this many weights (beyond, each keeps a hover title).
const LABELLED_EDGES: usize = 48;
/// Where along an edge its label may sit (fractions of the way), in order of preference.
const LABEL_POSITIONS: [f64; 11] = [0.5, 0.35, 0.65, 0.25, 0.75, 0.42, 0.58, 0.2, 0.8, 0.3, 0.7];
/// Samples shown under each unit.
const SHOWN_SAMPLES: usize = 4;
/// Significant digits in the drawing (the derivation below uses the requested digits).
const DRAWING_DIGITS: usize = 4;

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK SC', sans-serif;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1em; margin: 1em 0 0.3em; color: #555; }
.summary { color: #444; }
svg.network { max-width: 100%; height: auto; display: block; margin: 1em 0; background: #fcfcfc; border: 1px solid #e4e4e4; border-radius: 6px; }
svg .edge { stroke: #9aa5b1; stroke-width: 1.3; }
svg .bias-edge { stroke: #c9a86a; stroke-width: 1.1; stroke-dasharray: 4 3; }
svg .unit { fill: #e8f0fb; stroke: #3a6ea5; stroke-width: 1.6; }
svg .input { fill: #eef6ea; stroke: #4f8a3c; stroke-width: 1.6; }
svg .bias { fill: #fbf3e3; stroke: #b8862b; stroke-width: 1.4; }
svg text { font-family: system-ui, 'Noto Sans', sans-serif; font-size: 11px; fill: #333;
           paint-order: stroke; stroke: #fcfcfc; stroke-width: 6px; stroke-linejoin: round; }
svg text.name { font-size: 14px; font-weight: 600; stroke-width: 0; }
svg text.grad { fill: #b34700; }
svg text.vals { fill: #555; font-size: 10.5px; }
.legend { font-size: 0.9em; color: #555; }
.grad-word { color: #b34700; }
div.q { margin: 0.45em 0 0.45em 1.5em; }
math { math-style: normal; font-size: 1.1em; }
p.note { margin: 0.6em 0 0.2em; }
p.chain { margin: 0.5em 0 0.1em; color: #444; }
";

pub fn render(d: &Derivation, options: RenderOptions) -> String {
    let lang = options.lang;
    let title = i18n::word(lang, Word::Title);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<ul class=\"summary\">\n",
        lang.code(),
        escape(title),
        escape(title)
    );
    for line in i18n::summary(lang, d) {
        out.push_str(&format!("<li>{}</li>\n", escape(&line)));
    }
    out.push_str("</ul>\n");
    out.push_str(&format!(
        "<h2>{}</h2>\n",
        escape(i18n::word(lang, Word::Network))
    ));
    out.push_str(&network_svg(d));
    out.push_str(&format!(
        "<p class=\"legend\">w = {} · <span class=\"grad-word\">∂ = ∂E_total/∂w</span> · {}</p>\n",
        escape(i18n::word(lang, Word::Value)),
        escape(&samples_legend(d, lang))
    ));
    for (k, section) in d.sections.iter().enumerate() {
        out.push_str(&format!(
            "<h2 id=\"part-{}\">{}</h2>\n",
            k + 1,
            escape(&i18n::heading(lang, section.part, d))
        ));
        let mut sample = match section.part {
            Part::Forward { sample } => Some(sample),
            _ => None,
        };
        for line in &section.lines {
            match line {
                Line::Node(id) => {
                    let own = Derivation::sample_of(&d.graph.node(*id).name);
                    let context = if own.is_some() { sample } else { None };
                    let w = write_node(d, *id, context, options.digits, Writer::Mathml);
                    out.push_str(&format!(
                        "<div class=\"q\"><math><mrow>{}<mo>=</mo>{}</mrow></math></div>\n",
                        w.name,
                        w.steps.join("<mo>=</mo>")
                    ));
                }
                Line::Sample(s) => {
                    sample = Some(*s);
                    out.push_str(&format!("<h3>{}</h3>\n", escape(&i18n::sample(lang, *s))));
                }
                Line::Note(Note::ChainRule(chain)) => {
                    let eq: Vec<String> = chain
                        .iter()
                        .map(|e| write_expr(e, options.digits, Writer::Mathml))
                        .collect();
                    out.push_str(&format!(
                        "<p class=\"chain\">{}{}</p>\n<div class=\"q\"><math><mrow>{}</mrow></math></div>\n",
                        escape(i18n::word(lang, Word::ChainRule)),
                        i18n::colon(lang),
                        eq.join("<mo>=</mo>")
                    ));
                }
                Line::Note(note) => out.push_str(&format!(
                    "<p class=\"note\">{}</p>\n",
                    escape(&i18n::note(lang, note))
                )),
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn samples_legend(d: &Derivation, lang: i18n::Lang) -> String {
    let shown: Vec<String> = d
        .samples
        .iter()
        .take(SHOWN_SAMPLES)
        .map(|s| format!("s{s}"))
        .collect();
    let word = i18n::word(lang, Word::Sample);
    format!("{word}: {} (z, a)", shown.join(", "))
}

/// The network drawn as columns of units (inputs, then each layer), weights on the edges.
fn network_svg(d: &Derivation) -> String {
    let g = &d.graph;
    let value = |name: &str| g.value(name).unwrap_or(f64::NAN);
    let num = |x: f64| number(x, DRAWING_DIGITS).replace('-', "−");
    let layers = &d.layers;
    let shown: Vec<usize> = d.samples.iter().copied().take(SHOWN_SAMPLES).collect();
    let tallest = layers
        .iter()
        .map(|l| l.units)
        .chain([d.inputs])
        .max()
        .unwrap_or(1);
    let (col_gap, row_gap) = (320.0, 100.0 + 14.0 * shown.len() as f64);
    let (left, top) = (70.0, 110.0);
    let width = left * 2.0 + col_gap * layers.len() as f64 + 60.0;
    let height = top + row_gap * tallest as f64 + 20.0;
    let x_of = |col: usize| left + col_gap * col as f64;
    let y_of = |count: usize, j: usize| {
        top + row_gap * (j as f64 + 0.5) + row_gap * (tallest - count) as f64 / 2.0
    };
    let radius = 22.0;
    let label_edges = layers.iter().map(|l| l.weight_count()).sum::<usize>() <= LABELLED_EDGES;

    // What edge labels should not cover: each unit and the lines of values under it.
    let mut obstacles = Vec::new();
    for col in 0..=layers.len() {
        let count = if col == 0 {
            d.inputs
        } else {
            layers[col - 1].units
        };
        for j in 0..count {
            let (x, y) = (x_of(col), y_of(count, j));
            obstacles.push(Rect::around(x, y, radius, radius));
            let lines = shown.len() as f64;
            let half_width = if col == 0 { 30.0 } else { 75.0 };
            obstacles.push(Rect::around(
                x,
                y + radius + 8.0 + 6.5 * lines,
                half_width,
                6.5 * lines + 2.0,
            ));
        }
    }
    let mut edges = String::new();
    let mut labels = String::new();
    let mut units = String::new();
    for (l, layer) in layers.iter().enumerate() {
        let (x0, x1) = (x_of(l), x_of(l + 1));
        for j in 0..layer.units {
            let y1 = y_of(layer.units, j);
            for i in 0..layer.inputs {
                let y0 = y_of(layer.inputs, i);
                let w = weight_name(layers, l, j, i);
                let (wv, gv) = (value(&w), value(&format!("grad.{w}")));
                edges.push_str(&format!(
                    "<line class=\"edge\" x1=\"{:.1}\" y1=\"{y0:.1}\" x2=\"{:.1}\" y2=\"{y1:.1}\"><title>{w} = {}, ∂E_total/∂{w} = {}</title></line>\n",
                    x0 + radius,
                    x1 - radius,
                    num(wv),
                    num(gv)
                ));
                if label_edges {
                    // Each label goes where along its edge it overlaps least with the units,
                    // their values and the labels placed before it.
                    let line1 = format!("{w} = {}", num(wv));
                    let line2 = format!("∂ = {}", num(gv));
                    let half_width = 3.2 * line1.chars().count().max(line2.chars().count()) as f64;
                    let at = |t: f64| {
                        (
                            x0 + radius + t * (x1 - x0 - 2.0 * radius),
                            y0 + t * (y1 - y0),
                        )
                    };
                    let cost = |t: f64| {
                        let (lx, ly) = at(t);
                        let label = Rect::around(lx, ly + 2.0, half_width, 13.0);
                        obstacles.iter().map(|o| label.overlap(o)).sum::<f64>()
                    };
                    let t = LABEL_POSITIONS
                        .iter()
                        .copied()
                        .min_by(|&a, &b| cost(a).total_cmp(&cost(b)))
                        .expect("positions");
                    let (lx, ly) = at(t);
                    obstacles.push(Rect::around(lx, ly + 2.0, half_width, 13.0));
                    labels.push_str(&format!(
                        "<text x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{line1}</text>\n<text class=\"grad\" x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{line2}</text>\n",
                        ly - 3.0,
                        ly + 10.0,
                    ));
                }
            }
        }
        // The bias: one node for the layer (shared) or one per unit, above the layer.
        let bx = x1 - col_gap * 0.42;
        for b in 0..layer.bias_count() {
            let name = bias_name(layers, l, b);
            let by = 38.0 + 30.0 * b as f64;
            let targets: Vec<usize> = match layer.bias {
                BiasKind::Shared => (0..layer.units).collect(),
                BiasKind::PerUnit => vec![b],
            };
            for &j in &targets {
                edges.push_str(&format!(
                    "<line class=\"bias-edge\" x1=\"{bx:.1}\" y1=\"{by:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>\n",
                    x1 - radius * 0.7,
                    y_of(layer.units, j) - radius * 0.7
                ));
            }
            if layer.bias_count() <= 8 {
                let half = 6.0 + 4.5 * name.len() as f64;
                units.push_str(&format!(
                    "<rect class=\"bias\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"20\" rx=\"4\"/>\n<text class=\"name\" x=\"{bx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\">{name}</text>\n<text x=\"{:.1}\" y=\"{:.1}\">= {}</text>\n<text class=\"grad\" x=\"{:.1}\" y=\"{:.1}\">∂ = {}</text>\n",
                    bx - half,
                    by - 10.0,
                    2.0 * half,
                    by + 5.0,
                    bx + half + 5.0,
                    by - 1.0,
                    num(value(&name)),
                    bx + half + 5.0,
                    by + 11.0,
                    num(value(&format!("grad.{name}")))
                ));
            }
        }
    }
    // Units: inputs, then each layer's, with their values per sample.
    for col in 0..=layers.len() {
        let count = if col == 0 {
            d.inputs
        } else {
            layers[col - 1].units
        };
        for j in 0..count {
            let (x, y) = (x_of(col), y_of(count, j));
            let (name, class) = if col == 0 {
                (input_name(j), "input")
            } else {
                (unit_name(layers, col - 1, j), "unit")
            };
            units.push_str(&format!(
                "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{radius}\"/>\n<text class=\"name\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{name}</text>\n",
                y + 5.0
            ));
            for (k, s) in shown.iter().enumerate() {
                let text = if col == 0 {
                    format!("s{s}: {}", num(value(&format!("s{s}.{name}"))))
                } else {
                    let mut t = format!(
                        "s{s}: z {} · a {}",
                        num(value(&format!("s{s}.z_{name}"))),
                        num(value(&format!("s{s}.a_{name}")))
                    );
                    if col == layers.len() {
                        t.push_str(&format!(" · t {}", num(value(&format!("s{s}.t_{name}")))));
                    }
                    t
                };
                units.push_str(&format!(
                    "<text class=\"vals\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
                    y + radius + 14.0 + 13.0 * k as f64,
                    escape(&text)
                ));
            }
        }
    }
    let e_total = format!(
        "<text class=\"name\" x=\"{:.1}\" y=\"24\" text-anchor=\"end\">E_total = {}</text>\n",
        width - 16.0,
        num(value("E_total"))
    );
    format!(
        "<svg class=\"network\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\">\n{edges}{labels}{units}{e_total}</svg>\n"
    )
}

/// An axis-aligned box in the drawing.
struct Rect {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Rect {
    fn around(x: f64, y: f64, half_width: f64, half_height: f64) -> Rect {
        Rect {
            left: x - half_width,
            right: x + half_width,
            top: y - half_height,
            bottom: y + half_height,
        }
    }

    /// The area the two boxes share.
    fn overlap(&self, o: &Rect) -> f64 {
        let w = self.right.min(o.right) - self.left.max(o.left);
        let h = self.bottom.min(o.bottom) - self.top.max(o.top);
        w.max(0.0) * h.max(0.0)
    }
}
