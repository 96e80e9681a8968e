//! The setup stated in the notes: network, parameters, data, loss, activation, learning rate.
//!
//! Read from assignments in any of the reader's notations: `w_1 = 0.15`, `(w_5, w_6) = (0.40,
//! 0.45)`, a matrix of names equal to a matrix of numbers, `b_1 = 0.35` (one bias per layer: `b1,
//! b2, …`), `X_1 = [0.05, 0.10]` and `y_1 = 0.01` (sample 1's inputs and target), `i_1 = 0.05` and
//! `target_{o1} = 0.01` (of the sample in context), `η = 0.5`, `learning rate: 0.5`, `学习率 0.5`,
//! `batch size = 2`; and from words: the activation (`sigmoid`, `tanh`, `ReLU`), the loss
//! (`½(target − output)²`, `MSE`, `cross-entropy`). The layer widths follow from the counts:
//! inputs from a sample's inputs, outputs from its targets, layers from the biases, hidden width
//! from the weights (`w1 w2` feed `h1`, as `explain` numbers them). What is read becomes a spec
//! (TOML text), so `--emit-spec` writes exactly what is checked against.

use super::identify::{clean, samples_mentioned};
use super::reader::{single_number, NoteLine};
use std::collections::BTreeMap;

/// One thing the notes state about the setup.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Fact {
    pub line: usize,
    /// `w1`, `b2`, `s1.i1`, `s2.t_o1`, `learning_rate`, `batch_size`, `activation`, `loss`.
    pub what: String,
    pub value: String,
    #[serde(skip)]
    pub number: Option<f64>,
    #[serde(skip)]
    pub unit: f64,
}

/// The setup as read.
#[derive(Clone, Debug, PartialEq)]
pub struct SetupRead {
    pub facts: Vec<Fact>,
    /// The spec built from the facts, or what is missing for one.
    pub spec: Result<String, Vec<String>>,
}

/// Reads the setup from the notes.
pub fn read(lines: &[NoteLine]) -> SetupRead {
    let mut facts: Vec<Fact> = Vec::new();
    let mut sample = 1;
    let all_text: String = lines
        .iter()
        .map(|l| l.plain.to_lowercase() + "\n")
        .collect();
    for line in lines {
        for statement in &line.statements {
            if let Some(&k) = samples_mentioned(statement).last() {
                sample = k;
            }
            assignments(statement, line.number, sample, &mut facts);
            keywords(statement, line.number, &mut facts);
        }
    }
    let first_line = |needle: &[&str]| {
        lines
            .iter()
            .find(|l| needle.iter().any(|n| l.plain.to_lowercase().contains(n)))
            .map_or(0, |l| l.number)
    };
    if let Some(act) = activation(&all_text) {
        let line = first_line(&[act, if act == "sigmoid" { "σ" } else { act }]);
        facts.push(fact(line, "activation", act, None, 0.0));
    }
    if let Some((loss, line)) = loss(lines) {
        facts.push(fact(line, "loss", loss, None, 0.0));
    }
    let mut seen = std::collections::HashSet::new();
    facts.retain(|f| seen.insert(f.what.clone()));
    let spec = build(&facts);
    SetupRead { facts, spec }
}

fn fact(line: usize, what: &str, value: &str, number: Option<f64>, unit: f64) -> Fact {
    Fact {
        line,
        what: what.to_string(),
        value: value.to_string(),
        number,
        unit,
    }
}

/// The items of `(a, b)` / `[a, b]`, or the one item.
fn items(s: &str) -> Vec<String> {
    let t = s.trim();
    let inner = t
        .strip_prefix(['(', '['])
        .and_then(|t| t.strip_suffix([')', ']']))
        .unwrap_or(t);
    inner.split(',').map(|x| x.trim().to_string()).collect()
}

/// `statement` cut at its commas outside brackets (`i1 = 0.05, i2 = 0.10`).
fn pieces(statement: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in statement.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&statement[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&statement[start..]);
    out
}

fn assignments(statement: &str, line: usize, sample: usize, facts: &mut Vec<Fact>) {
    for piece in pieces(statement) {
        let segments: Vec<&str> = piece.split('=').collect();
        for pair in segments.windows(2) {
            // the name: the whole left side after a label (`sample 1: X_1`), one word or a list
            let left = pair[0].rsplit(':').next().unwrap_or("").trim();
            let is_list = left.starts_with(['(', '[']);
            if left.is_empty() || (!is_list && left.contains(' ')) {
                continue;
            }
            let right = pair[1].trim();
            let names = items(left);
            let right_items = items(right);
            let values: Vec<(String, f64, f64)> = right_items
                .iter()
                .filter_map(|v| single_number(v))
                .collect();
            if values.is_empty() || values.len() != right_items.len() {
                continue;
            }
            if names.len() == values.len() {
                for (n, (text, v, u)) in names.iter().zip(&values) {
                    if let Some(what) = scalar_name(n, sample) {
                        facts.push(fact(line, &what, text, Some(*v), *u));
                    }
                }
            } else if names.len() == 1 {
                if let Some((prefix, k)) = vector_name(&names[0]) {
                    for (j, (text, v, u)) in values.iter().enumerate() {
                        let what = format!("s{k}.{prefix}{}", j + 1);
                        facts.push(fact(line, &what, text, Some(*v), *u));
                    }
                }
            }
        }
    }
}

/// `w_1` → `w1`; `b_2` → `b2`; `i_1` → `s{sample}.i1`; `y_1` → `s1.t1`; `target_{o2}` →
/// `s{sample}.t2`; `η` → `learning_rate`.
fn scalar_name(raw: &str, sample: usize) -> Option<String> {
    let c = clean(raw);
    let lower = c.to_lowercase();
    if matches!(
        lower.as_str(),
        "η" | "eta" | "lr" | "α" | "alpha" | "learning_rate" | "learningrate"
    ) {
        return Some("learning_rate".into());
    }
    if matches!(lower.as_str(), "batch_size" | "batchsize" | "size") {
        return Some("batch_size".into());
    }
    let (prefix, rest) = match c.split_once('_') {
        Some((p, r)) => (p.to_string(), r.to_string()),
        None => {
            let p: String = c.chars().take_while(|c| c.is_alphabetic()).collect();
            let r = c[p.len()..].to_string();
            (p, r)
        }
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match prefix.as_str() {
        "w" | "b" if digits(&rest) => Some(format!("{prefix}{rest}")),
        "i" | "x" if digits(&rest) => Some(format!("s{sample}.i{rest}")),
        "y" | "t" | "target" => {
            if let Some(o) = rest.strip_prefix('o').or_else(|| rest.strip_prefix('0')) {
                let o = if o.is_empty() { "1" } else { o };
                return digits(o).then(|| format!("s{sample}.t{o}"));
            }
            if digits(&rest) {
                return Some(format!("s{rest}.t1"));
            }
            rest.is_empty().then(|| format!("s{sample}.t1"))
        }
        _ => None,
    }
}

/// `X_1`, `x_2`, `x^(2)` (a sample's inputs) → (`i`, 1); `y_1`, `t_2` (its targets) → (`t`, k).
fn vector_name(raw: &str) -> Option<(&'static str, usize)> {
    let c = clean(raw).replace(['^', '(', ')'], "");
    let (p, rest) = c.split_at(c.find(|ch: char| !ch.is_alphabetic()).unwrap_or(c.len()));
    let k: usize = rest.trim_start_matches('_').parse().ok()?;
    match p {
        "x" | "X" | "input" | "inputs" => Some(("i", k)),
        "y" | "Y" | "t" | "T" | "target" | "targets" => Some(("t", k)),
        _ => None,
    }
}

/// `learning rate 0.5`, `学习率: 0.5`, `batch size of 2`.
fn keywords(statement: &str, line: usize, facts: &mut Vec<Fact>) {
    let lower = statement.to_lowercase();
    for (words, what) in [
        (&["learning rate", "学习率", "步长"][..], "learning_rate"),
        (
            &["batch size", "batch_size", "批大小", "批量大小"][..],
            "batch_size",
        ),
    ] {
        for w in words {
            if let Some(at) = lower.find(w) {
                let rest = lower[at + w.len()..]
                    .trim_start()
                    .trim_start_matches([':', '=', '('])
                    .trim_start();
                let rest = rest
                    .strip_prefix("is ")
                    .or_else(|| rest.strip_prefix("of "))
                    .or_else(|| rest.strip_prefix("为"))
                    .or_else(|| rest.strip_prefix("是"))
                    .unwrap_or(rest)
                    .trim_start();
                if let Some((text, v, u, _)) = super::reader::number_at(rest) {
                    facts.push(fact(line, what, &text, Some(v), u));
                }
            }
        }
    }
}

fn activation(text: &str) -> Option<&'static str> {
    [
        ("sigmoid", "sigmoid"),
        ("logistic", "sigmoid"),
        ("σ(", "sigmoid"),
        ("tanh", "tanh"),
        ("leaky", "leaky_relu"),
        ("relu", "relu"),
    ]
    .iter()
    .filter_map(|(w, a)| text.find(w).map(|p| (p, *a)))
    .min()
    .map(|(_, a)| a)
}

/// The loss, from words or from its formula: ½(target − output)² is `half_sse`.
fn loss(lines: &[NoteLine]) -> Option<(&'static str, usize)> {
    for l in lines {
        for st in &l.statements {
            let t = st.to_lowercase().replace(' ', "");
            if t.contains("cross") && t.contains("entropy") || t.contains("交叉熵") {
                return Some(("cross_entropy", l.number));
            }
            if t.contains("mse") || t.contains("meansquared") || t.contains("均方误差") {
                return Some(("mse", l.number));
            }
            let half = ["((1)/(2))", "(1/2)", "1/2", "0.5*"]
                .iter()
                .any(|h| t.contains(h));
            let square = t.contains("^2") || t.contains("squared");
            let about_error = [
                "target", "output", "y_", "t-", "(t", "误差", "loss", "损失", "error", "e=",
            ]
            .iter()
            .any(|w| t.contains(w));
            if half && square && about_error && !super::reader::has_decimal_point(&t) {
                return Some(("half_sse", l.number));
            }
        }
    }
    None
}

/// A sample's inputs and targets, by index from 1.
type Sample = (BTreeMap<usize, f64>, BTreeMap<usize, f64>);

/// The spec of the facts, or what is missing.
fn build(facts: &[Fact]) -> Result<String, Vec<String>> {
    let get = |w: &str| facts.iter().find(|f| f.what == w);
    let mut missing = Vec::new();
    let indexed = |prefix: &str| -> BTreeMap<usize, f64> {
        facts
            .iter()
            .filter_map(|f| {
                let k: usize = f.what.strip_prefix(prefix)?.parse().ok()?;
                Some((k, f.number?))
            })
            .collect()
    };
    let weights = indexed("w");
    let biases = indexed("b");
    let mut samples: BTreeMap<usize, Sample> = BTreeMap::new();
    for f in facts {
        let Some((s, q)) = f.what.split_once('.') else {
            continue;
        };
        let (Some(k), Some(v)) = (s.strip_prefix('s').and_then(|k| k.parse().ok()), f.number)
        else {
            continue;
        };
        let entry = samples.entry(k).or_default();
        if let Some(j) = q.strip_prefix('i').and_then(|j| j.parse().ok()) {
            entry.0.insert(j, v);
        } else if let Some(j) = q.strip_prefix('t').and_then(|j| j.parse().ok()) {
            entry.1.insert(j, v);
        }
    }
    samples.retain(|_, (i, t)| !i.is_empty() && !t.is_empty());
    let contiguous = |m: &BTreeMap<usize, f64>| m.keys().copied().eq(1..=m.len());
    if samples.is_empty() {
        missing.push(
            "the inputs and targets of each sample (e.g. `X_1 = [0.05, 0.10]`, `y_1 = 0.01`)"
                .to_string(),
        );
    }
    if weights.is_empty() || !contiguous(&weights) {
        missing.push(
            "the weights w1, w2, … (e.g. `w_1 = 0.15` or `(w_5, w_6) = (0.40, 0.45)`)".into(),
        );
    }
    if biases.is_empty() || !contiguous(&biases) {
        missing.push("one bias per layer b1, b2, … (e.g. `b_1 = 0.35`)".into());
    }
    let activation = get("activation").map(|f| f.value.clone());
    if activation.is_none() {
        missing.push("the activation (e.g. `sigmoid`)".into());
    }
    let loss = get("loss").map(|f| f.value.clone());
    if loss.is_none() {
        missing.push("the loss (e.g. `E = ½(target − output)²`)".into());
    }
    let lr = get("learning_rate").and_then(|f| f.number);
    if lr.is_none() {
        missing.push("the learning rate (e.g. `η = 0.5`)".into());
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    let (first_inputs, first_targets) = samples.values().next().expect("checked");
    let n_in = first_inputs.len();
    let n_out = first_targets.len();
    for (k, (i, t)) in &samples {
        if i.len() != n_in || t.len() != n_out || !contiguous(i) || !contiguous(t) {
            return Err(vec![format!(
                "sample {k}'s inputs and targets in the shape of sample 1's ({n_in} inputs, {n_out} targets)"
            )]);
        }
    }
    let layers = biases.len();
    let w = weights.len();
    let hidden = if layers == 1 {
        (w == n_in * n_out).then_some(0)
    } else {
        (1..=64).find(|&h| n_in * h + (layers - 2) * h * h + h * n_out == w)
    };
    let Some(h) = hidden else {
        return Err(vec![format!(
            "weights that fit {n_in} inputs, {n_out} outputs and {layers} layers (the notes give {w} weights)"
        )]);
    };
    let mut widths = vec![h; layers - 1];
    widths.push(n_out);
    let ws: Vec<f64> = weights.values().copied().collect();
    let mut toml = format!(
        "# The setup read from the notes.\ninputs = {n_in}\nloss = \"{}\"\ndtype = \"f64\"\n\n[optimizer]\nkind = \"sgd\"\nlearning_rate = {:?}\n",
        loss.expect("checked"),
        lr.expect("checked")
    );
    let mut at = 0;
    let mut fan_in = n_in;
    for (layer, &units) in widths.iter().enumerate() {
        let rows: Vec<String> = (0..units)
            .map(|u| {
                let row: Vec<String> = ws[at + u * fan_in..at + (u + 1) * fan_in]
                    .iter()
                    .map(|x| format!("{x:?}"))
                    .collect();
                format!("[{}]", row.join(", "))
            })
            .collect();
        at += units * fan_in;
        fan_in = units;
        toml += &format!(
            "\n[[layers]]\nunits = {units}\nactivation = \"{}\"\nweights = [{}]\nbias = {:?}\n",
            activation.as_deref().expect("checked"),
            rows.join(", "),
            biases[&(layer + 1)]
        );
    }
    let batch = get("batch_size")
        .and_then(|f| f.number)
        .map_or(samples.len(), |b| b as usize);
    let vectors = |pick: &dyn Fn(&Sample) -> Vec<f64>| {
        let rows: Vec<String> = samples
            .values()
            .map(|s| {
                let r: Vec<String> = pick(s).iter().map(|x| format!("{x:?}")).collect();
                format!("[{}]", r.join(", "))
            })
            .collect();
        format!("[{}]", rows.join(", "))
    };
    toml += &format!(
        "\n[training]\nbatch_size = {batch}\nepochs = 1\nshuffle = false\n\n[data]\ninputs = {}\ntargets = {}\n",
        vectors(&|s| s.0.values().copied().collect()),
        vectors(&|s| s.1.values().copied().collect())
    );
    Ok(toml)
}
