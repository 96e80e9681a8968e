//! The network drawn as SVG: columns of units (the inputs, then each layer), each weight and
//! its gradient `∂E_total/∂w` on its edge, each bias in a box above its layer, and each unit's
//! values for the samples shown under it.
//!
//! Nothing is drawn on top of anything else. Every text gets a box from a conservative width
//! per character ([`CHAR_EM`]); the units, their values, the biases and `E_total` are placed
//! first, on a grid wide enough for the widest values; then each edge's label goes to the
//! point along its edge nearest the middle whose box meets no box placed before it. When some
//! label finds no such point the rows (and a little the columns) move apart and the labels are placed again; a layout
//! that still leaves one without a place draws no edge labels (each edge keeps its values in a
//! hover title).

use super::build::Derivation;
use super::expr::number;
use super::node_name::{Derived, NodeName, Param, Quantity, Unit};
use super::symbols::escape;
use crate::engine::network::BiasKind;

/// Edges are labelled only up to this many weights (beyond, each keeps a hover title).
pub const LABELLED_EDGES: usize = 48;
/// Samples shown under each unit by default.
pub const SHOWN_SAMPLES: usize = 4;
/// Significant digits in the drawing.
const DIGITS: usize = 4;
/// Biases are drawn as boxes up to this many per layer.
const DRAWN_BIASES: usize = 8;
/// The width taken per character, in ems: at least the mean advance of the drawing's
/// characters in common sans-serif fonts (digits are 0.55–0.64 em, `=` and `−` up to 0.84).
const CHAR_EM: f64 = 0.7;
/// The halo drawn around texts that sit on lines (half the `stroke-width` of `svg text`).
const HALO: f64 = 3.0;
const RADIUS: f64 = 22.0;
/// Font sizes of the drawing's classes of text, in px (as the page's style sheet sets them).
const LABEL_SIZE: f64 = 11.0;
const VALUES_SIZE: f64 = 10.5;
const NAME_SIZE: f64 = 14.0;
const BIAS_NAME_SIZE: f64 = 12.0;
/// The distance between the lines of values under a unit.
const VALUES_LINE: f64 = 15.0;
/// The distance between the rows of bias boxes.
const BIAS_ROW: f64 = 34.0;
/// How often the columns move apart before the edge labels are given up.
const WIDENINGS: usize = 16;

/// The drawing of derivation `d` with the values of the samples `shown` (numbers from 1; those
/// not in the step are left out) under each unit.
pub fn network_svg(d: &Derivation, shown: &[usize]) -> String {
    let shown: Vec<usize> = shown
        .iter()
        .copied()
        .filter(|s| d.samples.contains(s))
        .collect();
    let texts = UnitTexts::of(d, &shown);
    let labelled = d.layers.iter().map(|l| l.weight_count()).sum::<usize>() <= LABELLED_EDGES;
    let mut layout = Layout::new(d, &texts, shown.len(), labelled);
    let mut fixed = Fixed::of(d, &layout, &texts);
    let mut labels = None;
    if labelled {
        for _ in 0..WIDENINGS {
            labels = place_edge_labels(d, &layout, &fixed);
            if labels.is_some() {
                break;
            }
            layout = layout.wider();
            fixed = Fixed::of(d, &layout, &texts);
        }
    }
    draw(d, &layout, &fixed, labels.as_deref().unwrap_or_default())
}

/// A text to be drawn, with where it is anchored.
#[derive(Clone, Debug)]
struct Text {
    x: f64,
    y: f64,
    anchor: Anchor,
    class: &'static str,
    size: f64,
    halo: bool,
    text: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Anchor {
    Start,
    Middle,
    End,
}

impl Text {
    fn width_of(text: &str, size: f64) -> f64 {
        text.chars().count() as f64 * CHAR_EM * size
    }

    /// The box the text covers (its halo included).
    fn rect(&self) -> Rect {
        let w = Text::width_of(&self.text, self.size);
        let left = match self.anchor {
            Anchor::Start => self.x,
            Anchor::Middle => self.x - w / 2.0,
            Anchor::End => self.x - w,
        };
        let pad = if self.halo { HALO } else { 0.0 };
        Rect {
            left: left - pad,
            right: left + w + pad,
            top: self.y - 0.82 * self.size - pad,
            bottom: self.y + 0.25 * self.size + pad,
        }
    }

    fn svg(&self) -> String {
        let anchor = match self.anchor {
            Anchor::Start => String::new(),
            Anchor::Middle => " text-anchor=\"middle\"".into(),
            Anchor::End => " text-anchor=\"end\"".into(),
        };
        let class = if self.class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{}\"", self.class)
        };
        format!(
            "<text{class} x=\"{:.1}\" y=\"{:.1}\"{anchor}>{}</text>\n",
            self.x,
            self.y,
            escape(&self.text)
        )
    }
}

/// The texts that belong to units, before they are placed: each column's names and value lines.
struct UnitTexts {
    /// Per column (inputs, then each layer), per unit: its name and its lines of values.
    columns: Vec<Vec<(String, Vec<String>)>>,
}

impl UnitTexts {
    fn of(d: &Derivation, shown: &[usize]) -> UnitTexts {
        let num = |x: Option<f64>| drawn(x.unwrap_or(f64::NAN));
        let value = |s: usize, q: Quantity| num(d.graph.value_of(NodeName::Sample(s, q)));
        let inputs = (1..=d.inputs)
            .map(|k| {
                let lines = shown
                    .iter()
                    .map(|&s| format!("s{s}: {}", value(s, Quantity::Input(k))))
                    .collect();
                (Quantity::Input(k).to_string(), lines)
            })
            .collect();
        let mut columns = vec![inputs];
        let last = d.layers.len() - 1;
        for (l, layer) in d.layers.iter().enumerate() {
            let units = (0..layer.units)
                .map(|j| {
                    let u = Unit::of(&d.layers, l, j);
                    let lines = shown
                        .iter()
                        .map(|&s| {
                            let mut t = format!(
                                "s{s}: z {} · a {}",
                                value(s, Quantity::Z(u)),
                                value(s, Quantity::A(u))
                            );
                            if l == last {
                                t.push_str(&format!(" · t {}", value(s, Quantity::Target(u))));
                            }
                            t
                        })
                        .collect();
                    (u.to_string(), lines)
                })
                .collect();
            columns.push(units);
        }
        UnitTexts { columns }
    }

    /// Half the width of the widest line of values in column `c`.
    fn half_width(&self, c: usize) -> f64 {
        self.columns[c]
            .iter()
            .flat_map(|(_, lines)| lines)
            .map(|t| Text::width_of(t, VALUES_SIZE) / 2.0 + HALO)
            .fold(RADIUS, f64::max)
    }
}

/// A number as the drawing writes it (4 significant digits, a true minus sign).
fn drawn(x: f64) -> String {
    number(x, DIGITS).replace('-', "−")
}

/// Where the columns and rows are.
#[derive(Clone, Debug)]
struct Layout {
    /// The inputs' column and one per layer.
    columns: usize,
    left: f64,
    top: f64,
    col_gap: f64,
    row_gap: f64,
    tallest: usize,
    /// The y of each row of bias boxes.
    bias_top: f64,
    width: f64,
    height: f64,
    right_margin: f64,
}

impl Layout {
    fn new(d: &Derivation, texts: &UnitTexts, shown: usize, labelled: bool) -> Layout {
        let columns = d.layers.len() + 1;
        let tallest = texts.columns.iter().map(Vec::len).max().unwrap_or(1);
        // Between two columns: both columns' values, and room for labels and biases.
        let between = (0..columns - 1)
            .map(|c| texts.half_width(c) + texts.half_width(c + 1))
            .fold(0.0, f64::max);
        let room = if labelled { 130.0 } else { 90.0 };
        let bias_rows = d
            .layers
            .iter()
            .map(|l| l.bias_count())
            .filter(|&n| n <= DRAWN_BIASES)
            .max()
            .unwrap_or(0);
        let bias_top = 52.0;
        let mut layout = Layout {
            columns,
            left: texts.half_width(0).max(40.0) + 16.0,
            top: bias_top + BIAS_ROW * bias_rows as f64 + 30.0,
            col_gap: (between + room).max(240.0),
            row_gap: 2.0 * RADIUS + 30.0 + VALUES_LINE * shown as f64 + 26.0,
            tallest,
            bias_top,
            width: 0.0,
            height: 0.0,
            right_margin: texts.half_width(columns - 1).max(40.0) + 16.0,
        };
        layout.fit();
        layout
    }

    fn fit(&mut self) {
        let gaps = (self.columns - 1) as f64;
        self.width = self.left + self.col_gap * gaps + self.right_margin;
        self.height = self.top + self.row_gap * self.tallest as f64 + 10.0;
    }

    /// The same layout with more room between its units: rows further apart first (the page
    /// scrolls down, not sideways), columns a little.
    fn wider(mut self) -> Layout {
        self.row_gap *= 1.15;
        self.col_gap *= 1.06;
        self.fit();
        self
    }

    fn x_of(&self, col: usize) -> f64 {
        self.left + self.col_gap * col as f64
    }

    /// The y of unit `j` of a column of `count` units (columns are centred on the tallest).
    fn y_of(&self, count: usize, j: usize) -> f64 {
        self.top
            + self.row_gap * (j as f64 + 0.5)
            + self.row_gap * (self.tallest - count) as f64 / 2.0
    }
}

/// Everything drawn before the edge labels: units, biases, values and `E_total`.
struct Fixed {
    /// Centre and class of each unit's circle.
    circles: Vec<(f64, f64, &'static str)>,
    /// Each drawn bias's box.
    bias_boxes: Vec<Rect>,
    /// Dashed lines from each bias to the units it feeds.
    bias_lines: Vec<[f64; 4]>,
    texts: Vec<Text>,
}

impl Fixed {
    fn of(d: &Derivation, layout: &Layout, unit_texts: &UnitTexts) -> Fixed {
        let mut fixed = Fixed {
            circles: Vec::new(),
            bias_boxes: Vec::new(),
            bias_lines: Vec::new(),
            texts: Vec::new(),
        };
        fixed.units(layout, unit_texts);
        fixed.biases(d, layout);
        let e_total = d.graph.value_of(NodeName::Total).unwrap_or(f64::NAN);
        fixed.texts.push(Text {
            x: layout.width - 16.0,
            y: 24.0,
            anchor: Anchor::End,
            class: "name",
            size: NAME_SIZE,
            halo: false,
            text: format!("E_total = {}", drawn(e_total)),
        });
        fixed
    }

    /// Each unit's circle and name, and its values under it.
    fn units(&mut self, layout: &Layout, unit_texts: &UnitTexts) {
        for (col, units) in unit_texts.columns.iter().enumerate() {
            let class = if col == 0 { "input" } else { "unit" };
            for (j, (name, lines)) in units.iter().enumerate() {
                let (x, y) = (layout.x_of(col), layout.y_of(units.len(), j));
                self.circles.push((x, y, class));
                self.texts.push(Text {
                    x,
                    y: y + 5.0,
                    anchor: Anchor::Middle,
                    class: "name",
                    size: NAME_SIZE,
                    halo: false,
                    text: name.clone(),
                });
                for (k, line) in lines.iter().enumerate() {
                    self.texts.push(Text {
                        x,
                        y: y + RADIUS + 14.0 + VALUES_LINE * k as f64,
                        anchor: Anchor::Middle,
                        class: "vals",
                        size: VALUES_SIZE,
                        halo: true,
                        text: line.clone(),
                    });
                }
            }
        }
    }

    /// The biases: one box for the layer (shared) or one per unit, in rows above the units,
    /// between the layer and the one below it; each with its value and gradient beside it.
    fn biases(&mut self, d: &Derivation, layout: &Layout) {
        let g = &d.graph;
        for (l, layer) in d.layers.iter().enumerate() {
            let x1 = layout.x_of(l + 1);
            let bx = x1 - layout.col_gap * 0.42;
            for b in 0..layer.bias_count() {
                let param = Param::bias(&d.layers, l, b);
                let by = layout.bias_top + BIAS_ROW * b as f64;
                let targets: Vec<usize> = match layer.bias {
                    BiasKind::Shared => (0..layer.units).collect(),
                    BiasKind::PerUnit => vec![b],
                };
                for &j in &targets {
                    self.bias_lines.push([
                        bx,
                        by,
                        x1 - RADIUS * 0.7,
                        layout.y_of(layer.units, j) - RADIUS * 0.7,
                    ]);
                }
                if layer.bias_count() > DRAWN_BIASES {
                    continue;
                }
                let name = param.to_string();
                let half = 6.0 + 0.36 * BIAS_NAME_SIZE * name.len() as f64;
                self.bias_boxes.push(Rect {
                    left: bx - half,
                    right: bx + half,
                    top: by - 10.0,
                    bottom: by + 10.0,
                });
                let value = g.value_of(NodeName::Param(param)).unwrap_or(f64::NAN);
                let grad = g
                    .value_of(NodeName::Of(Derived::Grad, param))
                    .unwrap_or(f64::NAN);
                let beside = |y: f64, class: &'static str, text: String| Text {
                    x: bx + half + 5.0,
                    y,
                    anchor: Anchor::Start,
                    class,
                    size: LABEL_SIZE,
                    halo: true,
                    text,
                };
                self.texts.push(Text {
                    x: bx,
                    y: by + 5.0,
                    anchor: Anchor::Middle,
                    class: "bias-name",
                    size: BIAS_NAME_SIZE,
                    halo: false,
                    text: name,
                });
                self.texts
                    .push(beside(by - 3.0, "", format!("= {}", drawn(value))));
                self.texts
                    .push(beside(by + 12.0, "grad", format!("∂ = {}", drawn(grad))));
            }
        }
    }

    /// The boxes an edge label must not meet.
    fn obstacles(&self) -> Vec<Rect> {
        let circles = self
            .circles
            .iter()
            .map(|&(x, y, _)| Rect::around(x, y, RADIUS + 2.0, RADIUS + 2.0));
        let bias_name = |t: &&Text| t.class == "bias-name";
        circles
            .chain(self.bias_boxes.iter().cloned())
            .chain(self.texts.iter().filter(|t| !bias_name(t)).map(Text::rect))
            .collect()
    }
}

/// Where along an edge its label may sit (fractions of the way), nearest the middle first.
fn label_positions() -> impl Iterator<Item = f64> {
    (0..=28).map(|k| {
        let step = 0.025 * ((k + 1) / 2) as f64;
        if k % 2 == 0 {
            0.5 + step
        } else {
            0.5 - step
        }
    })
}

/// Each edge's label `w = value` over `∂ = gradient`, where along the edge its box meets no
/// other box; `None` when some edge has no such place.
fn place_edge_labels(d: &Derivation, layout: &Layout, fixed: &Fixed) -> Option<Vec<Text>> {
    let g = &d.graph;
    let mut taken = fixed.obstacles();
    let mut labels = Vec::new();
    for (l, layer) in d.layers.iter().enumerate() {
        let (x0, x1) = (layout.x_of(l) + RADIUS, layout.x_of(l + 1) - RADIUS);
        for j in 0..layer.units {
            let y1 = layout.y_of(layer.units, j);
            for i in 0..layer.inputs {
                let y0 = layout.y_of(layer.inputs, i);
                let w = Param::weight(&d.layers, l, j, i);
                let value = g.value_of(NodeName::Param(w)).unwrap_or(f64::NAN);
                let grad = g
                    .value_of(NodeName::Of(Derived::Grad, w))
                    .unwrap_or(f64::NAN);
                let pair = |t: f64| {
                    let (x, y) = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
                    let line = |dy: f64, class: &'static str, text: String| Text {
                        x,
                        y: y + dy,
                        anchor: Anchor::Middle,
                        class,
                        size: LABEL_SIZE,
                        halo: true,
                        text,
                    };
                    [
                        line(-5.0, "", format!("{w} = {}", drawn(value))),
                        line(10.0, "grad", format!("∂ = {}", drawn(grad))),
                    ]
                };
                let fits = |texts: &[Text; 2]| {
                    let boxes = [texts[0].rect(), texts[1].rect()];
                    boxes
                        .iter()
                        .all(|b| taken.iter().all(|o| !b.meets(o)) && b.inside(layout))
                };
                let placed = label_positions().map(pair).find(fits)?;
                taken.extend(placed.iter().map(Text::rect));
                labels.extend(placed);
            }
        }
    }
    Some(labels)
}

/// The SVG: edges (each with a hover title), bias lines, edge labels, then units, biases and
/// their texts.
fn draw(d: &Derivation, layout: &Layout, fixed: &Fixed, labels: &[Text]) -> String {
    let g = &d.graph;
    let mut out = format!(
        "<svg class=\"network\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" style=\"min-width: {min:.0}px\" role=\"img\">\n",
        w = layout.width,
        h = layout.height,
        min = layout.width * 0.7,
    );
    for (l, layer) in d.layers.iter().enumerate() {
        let (x0, x1) = (layout.x_of(l) + RADIUS, layout.x_of(l + 1) - RADIUS);
        for j in 0..layer.units {
            for i in 0..layer.inputs {
                let w = Param::weight(&d.layers, l, j, i);
                let value = g.value_of(NodeName::Param(w)).unwrap_or(f64::NAN);
                let grad = g
                    .value_of(NodeName::Of(Derived::Grad, w))
                    .unwrap_or(f64::NAN);
                out.push_str(&format!(
                    "<line class=\"edge\" x1=\"{x0:.1}\" y1=\"{:.1}\" x2=\"{x1:.1}\" y2=\"{:.1}\"><title>{w} = {}, ∂E_total/∂{w} = {}</title></line>\n",
                    layout.y_of(layer.inputs, i),
                    layout.y_of(layer.units, j),
                    drawn(value),
                    drawn(grad)
                ));
            }
        }
    }
    for [x1, y1, x2, y2] in &fixed.bias_lines {
        out.push_str(&format!(
            "<line class=\"bias-edge\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\"/>\n"
        ));
    }
    for t in labels {
        out.push_str(&t.svg());
    }
    for &(x, y, class) in &fixed.circles {
        out.push_str(&format!(
            "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{RADIUS}\"/>\n"
        ));
    }
    for b in &fixed.bias_boxes {
        out.push_str(&format!(
            "<rect class=\"bias\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"4\"/>\n",
            b.left,
            b.top,
            b.right - b.left,
            b.bottom - b.top
        ));
    }
    for t in &fixed.texts {
        out.push_str(&t.svg());
    }
    out.push_str("</svg>\n");
    out
}

/// An axis-aligned box in the drawing.
#[derive(Clone, Debug)]
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

    /// Whether the two boxes share any area.
    fn meets(&self, o: &Rect) -> bool {
        self.left < o.right && o.left < self.right && self.top < o.bottom && o.top < self.bottom
    }

    fn inside(&self, layout: &Layout) -> bool {
        self.left >= 0.0 && self.right <= layout.width && self.top >= 0.0
    }
}
