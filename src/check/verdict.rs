//! The verdict a teacher would give one claim.
//!
//! - **Precision.** A value written with k decimals is right when it is within one unit of its
//!   last digit (10^−k) of the target, so rounding and truncation both pass.
//! - **The learner's world.** Every value the learner wrote is what they computed with; every
//!   other quantity is recomputed, in order, from those values.
//! - **correct**: within its precision of the exact value; or the learner's own formula, on
//!   numbers that are all right to their own precision, gives it, and the exact value lies within
//!   what the rounding of those numbers can move the result (Σᵢ |f(x + uᵢeᵢ) − f(x)|): a value
//!   computed from the learner's own rounded inputs is not a slip.
//! - With a formula of numbers written: a number that is none of the quantities the claim
//!   depends on (to its precision, the learner's value or the exact one) is a *slip, wrong
//!   number*, naming the quantity it is nearest; else a result the formula does not give is a
//!   *slip, arithmetic*; else a result that follows from the learner's earlier values is
//!   *carried*, naming the wrong ones among the nearest values they wrote up the formula (or,
//!   when none is wrong, the rounded ones); else the formula is not the quantity's: *slip, wrong
//!   formula*.
//! - Without a formula: *carried* when it follows from the learner's values; *misnamed* when the
//!   value is right for another quantity (`∂E₁/∂w₅ = 0.74136` is ∂E₁/∂a_o); else a *slip* with no
//!   working shown.
//!
//! Checking the exact value first keeps a right value right after a mistyped earlier one (the
//! seed writes z_h1 = 0.375 but computes a_h1 = σ(0.3775)).

use super::arith::{self, Arithmetic};
use crate::derivation::{Derivation, NodeId};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Correct,
    Slip,
    Carried,
    Misnamed,
    Unrecognised,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlipKind {
    /// The learner's own formula does not give the result.
    Arithmetic,
    /// The formula uses a number that is not the value it stands for.
    WrongNumber,
    /// The formula gives the result, but it is not the quantity's formula.
    WrongFormula,
    /// No formula shown, and the value follows from nothing the learner wrote.
    NoWorking,
}

/// A number in a formula that is none of the values it could stand for.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct WrongNumber {
    pub written: f64,
    /// The quantity it is nearest, and that quantity's value in the learner's world.
    pub nearest: String,
    pub value: f64,
    /// The line where the learner wrote that value, if they did.
    pub line: Option<usize>,
}

/// A value the learner wrote: value, unit, line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Given {
    pub value: f64,
    pub unit: f64,
    pub line: usize,
}

/// The judgement of one claim.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    pub verdict: Verdict,
    pub kind: Option<SlipKind>,
    /// What the learner's own formula or values give.
    pub yours: Option<f64>,
    /// Carried: the learner's values it is carried from; `rounding` when none is wrong, only
    /// rounded too early.
    pub from: Vec<NodeId>,
    pub rounding: bool,
    /// Misnamed: what it is.
    pub is: Option<NodeId>,
    pub wrong_numbers: Vec<WrongNumber>,
    /// The formula of numbers judged (as written, plain).
    pub formula: Option<String>,
}

impl Judgement {
    fn new(verdict: Verdict) -> Judgement {
        Judgement {
            verdict,
            kind: None,
            yours: None,
            from: Vec::new(),
            rounding: false,
            is: None,
            wrong_numbers: Vec::new(),
            formula: None,
        }
    }
}

/// The numbers of a formula written with a decimal point (or an exponent): integers such as
/// the 1 and 2 of ½(t − a)² are its structure, not values it reads.
fn decimals(a: &Arithmetic) -> Vec<(f64, f64)> {
    a.numbers
        .iter()
        .copied()
        .filter(|&(f, u)| u < 1.0 || f.fract() != 0.0)
        .collect()
}

fn passes(v: f64, target: f64, tolerance: f64) -> bool {
    (v - target).abs() <= tolerance * (1.0 + 1e-9) + 1e-15
}

/// Judges the claim `value` (one unit `unit`) of quantity `id`, with the chain's `steps` as
/// written, in the learner's world `world` (every node's value) built from `given`.
pub fn judge(
    id: NodeId,
    value: f64,
    unit: f64,
    steps: &[String],
    d: &Derivation,
    world: &[f64],
    given: &HashMap<NodeId, Given>,
) -> Judgement {
    let node = d.graph.node(id);
    let exact = node.value;
    if passes(value, exact, unit) {
        return Judgement::new(Verdict::Correct);
    }
    let ancestors: Vec<NodeId> = d
        .graph
        .ancestors(id)
        .iter()
        .enumerate()
        .filter(|&(i, &r)| r && i != id)
        .map(|(i, _)| i)
        .collect();
    let numeric: Vec<(&String, Arithmetic)> = steps
        .iter()
        .filter_map(|s| arith::evaluate(s).map(|a| (s, a)))
        .collect();
    let from_world = (!node.inputs.is_empty()).then(|| {
        let x: Vec<f64> = node.inputs.iter().map(|&i| world[i]).collect();
        node.op.eval(&x)
    });
    if let Some((text, last)) = numeric.last() {
        let spread = arith::rounding_spread(text, last);
        let right = |&(f, u): &(f64, f64)| {
            ancestors
                .iter()
                .any(|&a| passes(f, d.graph.node(a).value.abs(), u))
        };
        if decimals(last).iter().all(right)
            && passes(value, last.value, unit)
            && passes(last.value, exact, unit + spread)
        {
            return Judgement::new(Verdict::Correct);
        }
        let mut j = Judgement::new(Verdict::Slip);
        j.yours = Some(last.value);
        j.formula = Some(text.to_string());
        j.wrong_numbers = wrong_numbers(&numeric, &ancestors, d, world, given);
        j.kind = Some(if !j.wrong_numbers.is_empty() {
            SlipKind::WrongNumber
        } else if !passes(value, last.value, unit) {
            SlipKind::Arithmetic
        } else if from_world.is_some_and(|w| passes(value, w, unit + spread)) {
            return carried(id, d, given, Some(last.value), Some(text.to_string()));
        } else {
            SlipKind::WrongFormula
        });
        return j;
    }
    if from_world.is_some_and(|w| passes(value, w, unit)) {
        return carried(id, d, given, from_world, None);
    }
    if let Some(other) = misnamed(value, unit, Some(id), d) {
        let mut j = Judgement::new(Verdict::Misnamed);
        j.is = Some(other);
        return j;
    }
    let mut j = Judgement::new(Verdict::Slip);
    j.kind = Some(SlipKind::NoWorking);
    j.yours = from_world;
    j
}

fn carried(
    id: NodeId,
    d: &Derivation,
    given: &HashMap<NodeId, Given>,
    yours: Option<f64>,
    formula: Option<String>,
) -> Judgement {
    let sources = nearest_given(d, id, given);
    let wrong: Vec<NodeId> = sources
        .iter()
        .copied()
        .filter(|s| !passes(given[s].value, d.graph.node(*s).value, given[s].unit))
        .collect();
    let mut j = Judgement::new(Verdict::Carried);
    j.rounding = wrong.is_empty();
    j.from = if j.rounding {
        sources
            .into_iter()
            .filter(|s| given[s].value != d.graph.node(*s).value)
            .collect()
    } else {
        wrong
    };
    j.yours = yours;
    j.formula = formula;
    j
}

/// The numbers of the best-read step (the one whose numbers are most often values of the
/// quantities the claim depends on) that are none of them. Nothing is reported for a step
/// whose numbers are mostly not such values (intermediate products, `0.0075 + 0.02 + 0.35`).
fn wrong_numbers(
    numeric: &[(&String, Arithmetic)],
    ancestors: &[NodeId],
    d: &Derivation,
    world: &[f64],
    given: &HashMap<NodeId, Given>,
) -> Vec<WrongNumber> {
    let stands_for = |f: f64, u: f64, a: NodeId| {
        let learner = given.get(&a).map_or(0.0, |g| g.unit);
        passes(f, d.graph.node(a).value.abs(), u) || passes(f, world[a].abs(), u + learner)
    };
    let best = numeric
        .iter()
        .map(|(_, a)| {
            let nums = decimals(a);
            let hit = nums
                .iter()
                .filter(|&&(f, u)| ancestors.iter().any(|&x| stands_for(f, u, x)))
                .count();
            (hit, nums)
        })
        .filter(|(_, nums)| !nums.is_empty())
        .max_by(|a, b| (a.0 as f64 / a.1.len() as f64).total_cmp(&(b.0 as f64 / b.1.len() as f64)));
    let Some((hit, nums)) = best else {
        return Vec::new();
    };
    if 2 * hit < nums.len() {
        return Vec::new();
    }
    nums.iter()
        .filter(|&&(f, u)| !ancestors.iter().any(|&x| stands_for(f, u, x)))
        .filter_map(|&(f, _)| {
            let nearest = ancestors
                .iter()
                .copied()
                .filter(|&a| world[a] != 0.0)
                .min_by(|&a, &b| {
                    // relative distance, the values the learner wrote first (a number copied
                    // wrongly is most often one of theirs)
                    let r = |x: NodeId| {
                        let weight = if given.contains_key(&x) { 1.0 } else { 3.0 };
                        weight * ((f - world[x].abs()) / world[x]).abs()
                    };
                    r(a).total_cmp(&r(b))
                })?;
            Some(WrongNumber {
                written: f,
                nearest: d.graph.node(nearest).name.clone(),
                value: world[nearest],
                line: given.get(&nearest).map(|g| g.line),
            })
        })
        .collect()
}

/// Another computed quantity whose exact value this is, to its precision (one of the same
/// sample first).
pub fn misnamed(value: f64, unit: f64, not: Option<NodeId>, d: &Derivation) -> Option<NodeId> {
    let own = not.and_then(|n| Derivation::sample_of(&d.graph.node(n).name));
    let mut hits: Vec<NodeId> = d
        .graph
        .nodes()
        .iter()
        .enumerate()
        .filter(|&(i, n)| Some(i) != not && !n.inputs.is_empty() && passes(value, n.value, unit))
        .map(|(i, _)| i)
        .collect();
    hits.sort_by_key(|&i| Derivation::sample_of(&d.graph.node(i).name) != own);
    hits.first().copied()
}

/// The learner's values nearest to `id` up its formula: walking back through the inputs, the
/// first nodes met that the learner wrote down (in id order).
pub fn nearest_given(d: &Derivation, id: NodeId, given: &HashMap<NodeId, Given>) -> Vec<NodeId> {
    let mut found = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<NodeId> = d.graph.node(id).inputs.clone();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        if given.contains_key(&n) {
            found.push(n);
        } else {
            stack.extend(&d.graph.node(n).inputs);
        }
    }
    found.sort_unstable();
    found
}
