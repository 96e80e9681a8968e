//! What quantity a claim is, from all the evidence, in this order:
//!
//! 1. **a name** on its left in any common notation: `explain`'s (`s1.z_h1`, `grad.w5`), the
//!    seed's (`z_{h1}`, `a_{h1}`, `δ_{o1}`, `∂E_1/∂z_{o1}`, `∂E_{total}/∂w_5`), Mazur's
//!    (`net_{h1}`, `out_{o1}`, `E_{total}`, `∂E_{total}/∂out_{o1}`, `w_5^{+}`), plain text
//!    (`input(h1)`, `output(o1)`, `y_hat`, `dE/dw5`, `delta_o`); a subscript `0` before a digit is
//!    read as `o` (`z_{01}` is `z_{o1}`); the sample from a subscript (`E_1`), a superscript
//!    (`z_h1^{(2)}`) or the context;
//! 2. **"similarly"** (`同理`, `likewise`): the claim before, with what the line changes (a
//!    parameter, `w_6 同理`; a sample, `样本2 同理`);
//! 3. **words**: `总误差`/`total error` is `E_total`; `误差`/`error`/`loss` with a sample is that
//!    sample's `E`; `gradient`/`梯度`, `new`/`更新` with a parameter;
//! 4. **the numbers of its formula**: the one quantity whose inputs are exactly those numbers (the
//!    learner's own values or the exact ones), `1/(1+e^{−1.1059})` reads the learner's z_o;
//! 5. and last **the value**, only to choose between quantities the other evidence allows.
//!
//! The sample in context: the last mention of a sample in the line so far or in the lines above
//! (`sample 2`, `Sample 2:`, `样本二`, `样本 2`, `第二个样本`).

use crate::derivation::{Derivation, NodeId};

/// What a name names.
#[derive(Clone, Debug, PartialEq)]
pub enum Named {
    /// A quantity of the step.
    Node(NodeId),
    /// A given value or a hyper-parameter: part of the setup, not a claim.
    Setup,
    /// A quantity the step does not compute (`∂E_1/∂w_5`: the step has the batch mean), in
    /// `explain`-like words.
    Absent(String),
    /// A per-sample quantity with no sample to be found.
    NeedsSample(String),
    /// Not a name.
    Unknown,
}

/// How a claim's quantity was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    Name,
    Similarly,
    Words,
    Formula,
    None,
}

/// A name as written, without the decoration that does not change its meaning.
pub fn clean(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '{' | '}' | '\\' | '$' | '`' | '*'))
        .collect()
}

/// The quantity a name means, with `sample` the sample in context.
pub fn resolve(raw: &str, sample: Option<usize>, d: &Derivation) -> Named {
    let c = clean(raw);
    if c.is_empty() || c.chars().count() > 40 {
        return Named::Unknown;
    }
    if let Some(id) = d.graph.id(&c) {
        return given_or_node(id, d);
    }
    let canon = super::ledger::canonical(&c);
    if canon != c {
        if let Some(id) = d.graph.id(&canon) {
            return given_or_node(id, d);
        }
    }
    let mut s = c.clone();
    let mut new = false;
    for suffix in ["^+", "^new", "^(new)", "+", "'", "⁺"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.to_string();
            new = true;
            break;
        }
    }
    for prefix in ["new_", "new", "updated_"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            if !rest.is_empty() {
                s = rest.to_string();
                new = true;
            }
            break;
        }
    }
    let mut sample = sample;
    if let Some(open) = s.rfind('(') {
        if let Some(inner) = s[open + 1..].strip_suffix(')') {
            if let Ok(k) = inner.parse::<usize>() {
                sample = Some(k);
                s = s[..open].trim_end_matches('^').to_string();
            }
        }
    }
    if let Some((num, den)) = s.split_once('/') {
        return derivative(num, den, sample, d);
    }
    match quantity(&s, d) {
        Some(Q::Param(p)) if new => node(&format!("new.{p}"), d),
        Some(Q::Param(_) | Q::Given) => Named::Setup,
        Some(Q::E(Some(k))) => node(&format!("s{k}.E"), d),
        Some(Q::E(None)) if c.contains("total") || c.contains("tot") || sample.is_none() => {
            node("E_total", d)
        }
        Some(Q::E(None)) => per_sample("E", sample, d),
        Some(Q::Z(u)) => per_sample(&format!("z_{u}"), sample, d),
        Some(Q::A(u)) => per_sample(&format!("a_{u}"), sample, d),
        Some(Q::Delta(u)) => per_sample(&format!("delta_{u}"), sample, d),
        Some(Q::Other(what)) => Named::Absent(what),
        None => Named::Unknown,
    }
}

fn given_or_node(id: NodeId, d: &Derivation) -> Named {
    if d.graph.node(id).inputs.is_empty() {
        Named::Setup
    } else {
        Named::Node(id)
    }
}

fn node(name: &str, d: &Derivation) -> Named {
    match d.graph.id(name) {
        Some(id) => given_or_node(id, d),
        None => Named::Absent(name.to_string()),
    }
}

/// `base` of the sample in context (or of the only sample).
fn per_sample(base: &str, sample: Option<usize>, d: &Derivation) -> Named {
    let sample = sample.or_else(|| (d.samples.len() == 1).then(|| d.samples[0]));
    match sample {
        Some(k) => node(&format!("s{k}.{base}"), d),
        None => Named::NeedsSample(base.to_string()),
    }
}

/// The kinds of quantity a name can be.
#[derive(Clone, Debug, PartialEq)]
enum Q {
    /// An error: of a sample, or (None) the total or the sample in context.
    E(Option<usize>),
    Z(String),
    A(String),
    Delta(String),
    Param(String),
    Given,
    /// A quantity the step does not name.
    Other(String),
}

/// `z_h1`, `net_{h1}`, `input(h1)`, `out_o1`, `a_{01}`, `y_hat`, `E_1`, `E_{o1}`, `E_total`,
/// `δ_o`, `w_5`, `b1`, `t_o`, `η`.
fn quantity(s: &str, d: &Derivation) -> Option<Q> {
    let lower = s.to_lowercase();
    if matches!(
        lower.as_str(),
        "η" | "eta" | "lr" | "α" | "alpha" | "learning_rate" | "learningrate" | "batch_size"
    ) {
        return Some(Q::Given);
    }
    if matches!(lower.as_str(), "y_hat" | "yhat" | "y^" | "prediction") {
        return output_unit("o", d).map(Q::A);
    }
    let (prefix, unit) = split_name(s)?;
    let unit_lower = unit.to_lowercase().replace('_', "");
    match prefix.as_str() {
        "E" | "Error" | "error" | "J" | "L" | "Loss" | "loss" | "C" => {
            if unit_lower.is_empty() || unit_lower == "total" || unit_lower == "tot" {
                return Some(Q::E(None));
            }
            if let Ok(k) = unit_lower.parse::<usize>() {
                return Some(Q::E(Some(k)));
            }
            // E_{o1}: the error of output o1, which is the sample's error with one output.
            let o = output_unit(&unit_lower, d)?;
            Some(if o == "o" {
                Q::E(None)
            } else {
                Q::Other(format!("E_{o}, the share of output {o} in E"))
            })
        }
        "w" | "W" | "b" | "B" if unit_lower.chars().all(|c| c.is_ascii_digit()) => (!unit_lower
            .is_empty())
        .then(|| Q::Param(format!("{}{unit_lower}", prefix.to_lowercase()))),
        "b" | "B" => Some(Q::Param(format!("b{}", unit.trim_start_matches('_')))),
        "i" | "x" | "X" | "t" | "T" | "y" | "Y" | "target" | "input" | "inputs" => {
            if prefix == "input" {
                if let Some(u) = hidden_or_output(&unit_lower, d) {
                    return Some(Q::Z(u));
                }
            }
            Some(Q::Given)
        }
        "z" | "net" | "in" => hidden_or_output(&unit_lower, d).map(Q::Z),
        "a" | "out" | "output" | "h" => hidden_or_output(&unit_lower, d).map(Q::A),
        "δ" | "delta" | "d" => hidden_or_output(&unit_lower, d).map(Q::Delta),
        _ => None,
    }
}

/// `z_h1` → (`z`, `h1`); `input(h1)` → (`input`, `h1`); `zh1` → (`z`, `h1`).
fn split_name(s: &str) -> Option<(String, String)> {
    if let Some(open) = s.find('(') {
        let inner = s[open + 1..].strip_suffix(')')?;
        return Some((s[..open].to_string(), inner.to_string()));
    }
    if let Some((p, u)) = s.split_once('_') {
        return Some((p.to_string(), u.to_string()));
    }
    for p in [
        "output", "input", "delta", "Error", "error", "target", "net", "out", "in", "δ", "z", "a",
        "E", "w", "b", "t", "y", "x", "i", "J",
    ] {
        if let Some(rest) = s.strip_prefix(p) {
            return Some((p.to_string(), rest.to_string()));
        }
    }
    None
}

/// A unit's name in `explain`'s notation: `h1`, `h2_3`, `o`, `o2`; `01` (zero one) is `o1`.
fn hidden_or_output(u: &str, d: &Derivation) -> Option<String> {
    if u.starts_with('h') && u.len() > 1 && u[1..].chars().all(|c| c.is_ascii_digit()) {
        return Some(u.to_string());
    }
    output_unit(u, d)
}

fn output_unit(u: &str, d: &Derivation) -> Option<String> {
    let digits = u
        .strip_prefix('o')
        .or_else(|| u.strip_prefix('0').filter(|r| !r.is_empty()))?;
    let digits = digits.trim_start_matches('0');
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let single = d.graph.nodes().iter().any(|n| n.name.ends_with(".z_o"));
    match (single, digits) {
        (true, "" | "1") => Some("o".into()),
        (false, k) if !k.is_empty() => Some(format!("o{k}")),
        _ => None,
    }
}

/// `∂num/∂den`, with a sample in context.
fn derivative(num: &str, den: &str, sample: Option<usize>, d: &Derivation) -> Named {
    let strip = |s: &str| -> String {
        let s = s.trim_start_matches('∂');
        let s = match s.strip_prefix('d') {
            Some(rest)
                if rest
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == 'δ') =>
            {
                rest
            }
            _ => s,
        };
        s.to_string()
    };
    let (num, den) = (strip(num), strip(den));
    let Some(top) = quantity(&num, d) else {
        return Named::Unknown;
    };
    let Some(bottom) = quantity(&den, d) else {
        return Named::Unknown;
    };
    let total = num.to_lowercase().contains("tot") || matches!(top, Q::E(None));
    match (top, bottom) {
        (Q::E(k), Q::Param(p)) => match k {
            Some(k) if d.samples.len() > 1 => Named::Absent(format!("∂E_{k}/∂{p}")),
            _ if total || k.is_some() => node(&format!("grad.{p}"), d),
            _ => Named::Unknown,
        },
        (Q::E(k), Q::Z(u)) => per_sample(&format!("delta_{u}"), k.or(sample), d),
        (Q::E(k), Q::A(u)) => per_sample(&format!("dE_da_{u}"), k.or(sample), d),
        (Q::A(a), Q::Z(z)) if a == z => per_sample(&format!("da_dz_{a}"), sample, d),
        _ => Named::Unknown,
    }
}

/// Every mention of a sample in `text`, in order: `sample 2`, `Sample #2`, `样本二`, `样本 2`,
/// `第二个样本`, `the second sample`.
pub fn samples_mentioned(text: &str) -> Vec<usize> {
    let lower = text.to_lowercase();
    let mut found: Vec<(usize, usize)> = Vec::new();
    let number_after = |rest: &str| -> Option<usize> {
        let rest = rest
            .trim_start()
            .trim_start_matches(['#', ':'])
            .trim_start();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            return digits.parse().ok();
        }
        let c = rest.chars().next()?;
        chinese_digit(c).or_else(|| {
            [
                "one", "two", "three", "four", "five", "six", "seven", "eight",
            ]
            .iter()
            .position(|w| rest.starts_with(w))
            .map(|p| p + 1)
        })
    };
    for word in ["sample", "样本"] {
        for (at, _) in lower.match_indices(word) {
            if let Some(k) = number_after(&lower[at + word.len()..]) {
                found.push((at, k));
            }
        }
    }
    for (at, _) in lower.match_indices("个样本") {
        let before: Vec<char> = lower[..at].chars().collect();
        if let Some(k) = before.last().and_then(|&c| chinese_digit(c)) {
            found.push((at, k));
        }
    }
    for (k, w) in ["first", "second", "third", "fourth"].iter().enumerate() {
        for (at, _) in lower.match_indices(&format!("{w} sample")) {
            found.push((at, k + 1));
        }
    }
    found.sort_unstable();
    found.into_iter().map(|(_, k)| k).collect()
}

fn chinese_digit(c: char) -> Option<usize> {
    "一二三四五六七八九十"
        .chars()
        .position(|d| d == c)
        .map(|p| p + 1)
        .or_else(|| c.to_digit(10).map(|d| d as usize))
}

/// Parameters mentioned in prose (`w_6`, `w6`, `b_2`), in order.
pub fn params_mentioned(text: &str) -> Vec<String> {
    let chars: Vec<char> = clean(text).chars().collect();
    let mut out = Vec::new();
    for i in 0..chars.len() {
        let c = chars[i];
        if (c == 'w' || c == 'b') && (i == 0 || !chars[i - 1].is_alphanumeric()) {
            let mut j = i + 1;
            if j < chars.len() && chars[j] == '_' {
                j += 1;
            }
            let digits: String = chars[j..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            let after = chars.get(j + digits.len());
            if !digits.is_empty() && !after.is_some_and(|c| c.is_ascii_alphanumeric()) {
                out.push(format!("{c}{digits}"));
            }
        }
    }
    out
}

/// Words that say "the same as the claim before".
pub fn says_similarly(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "同理",
        "同样",
        "similarly",
        "likewise",
        "same way",
        "in the same way",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// The claim before (`prev`, a node name) changed as the line says: another parameter, another
/// sample.
pub fn similar(prev: &str, context: &str, d: &Derivation) -> Option<NodeId> {
    let mut name = prev.to_string();
    let mut changed = false;
    if let Some(p) = params_mentioned(context).last() {
        if let Some((kind, old)) = name.split_once('.') {
            if old.starts_with(['w', 'b']) && old != p {
                name = format!("{kind}.{p}");
                changed = true;
            }
        }
    }
    if let Some(&k) = samples_mentioned(context).last() {
        if let Some(old) = Derivation::sample_of(&name) {
            if old != k {
                let rest = name.split_once('.').map_or("", |(_, r)| r).to_string();
                name = format!("s{k}.{rest}");
                changed = true;
            }
        }
    }
    changed.then(|| d.graph.id(&name)).flatten()
}

/// The quantity that prose names: `总误差`/`total error` → `E_total`; `误差`/`error` with a
/// sample → its `E`; `gradient`/`梯度` or `new`/`更新` with a parameter.
pub fn by_words(text: &str, sample: Option<usize>, d: &Derivation) -> Option<NodeId> {
    let lower = text.to_lowercase();
    let has = |ws: &[&str]| ws.iter().any(|w| lower.contains(w));
    if has(&[
        "总误差",
        "总损失",
        "total error",
        "total loss",
        "e_total",
        "etotal",
    ]) {
        return d.graph.id("E_total");
    }
    let param = params_mentioned(text).last().cloned();
    if let Some(p) = &param {
        if has(&["更新", "new", "updated", "after the step"]) {
            return d.graph.id(&format!("new.{p}"));
        }
        if has(&["梯度", "gradient", "grad"]) {
            return d.graph.id(&format!("grad.{p}"));
        }
    }
    if has(&["误差", "error", "loss", "损失"]) {
        let sample = sample.or_else(|| (d.samples.len() == 1).then(|| d.samples[0]))?;
        return d.graph.id(&format!("s{sample}.E"));
    }
    None
}

/// The one computed quantity whose inputs are the formula's numbers (each number used once,
/// every input matched, to the number's precision), among those of `sample` (and the batch's);
/// between several, the one whose value is nearest `value`.
pub fn by_formula(
    numbers: &[(f64, f64)],
    values: &[f64],
    sample: Option<usize>,
    value: f64,
    d: &Derivation,
) -> Option<NodeId> {
    let numbers: Vec<(f64, f64)> = numbers.to_vec();
    if numbers.is_empty() {
        return None;
    }
    let matches = |x: f64, (f, u): (f64, f64)| (x.abs() - f).abs() <= u * (1.0 + 1e-9) + 1e-12;
    let mut candidates: Vec<NodeId> = Vec::new();
    for (id, n) in d.graph.nodes().iter().enumerate() {
        if n.inputs.len() != numbers.len() {
            continue;
        }
        if let (Some(k), Some(own)) = (sample, Derivation::sample_of(&n.name)) {
            if k != own {
                continue;
            }
        }
        let mut used = vec![false; numbers.len()];
        let all = n.inputs.iter().all(|&i| {
            let x = [values[i], d.graph.node(i).value];
            let hit =
                (0..numbers.len()).find(|&k| !used[k] && x.iter().any(|&x| matches(x, numbers[k])));
            hit.map(|k| used[k] = true).is_some()
        });
        if all {
            candidates.push(id);
        }
    }
    let distance = |id: NodeId| {
        let v = values[id];
        (v - value)
            .abs()
            .min((d.graph.node(id).value - value).abs())
    };
    candidates.sort_by(|&a, &b| distance(a).total_cmp(&distance(b)));
    match candidates.as_slice() {
        [] => None,
        [one] => Some(*one),
        [a, b, ..] if distance(*a) < distance(*b) * 0.5 => Some(*a),
        _ => None,
    }
}
