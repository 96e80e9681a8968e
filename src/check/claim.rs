//! Claims: the numbers a learner wrote as the result of a computation.
//!
//! In a statement, a claim is the last number of a chain `… = … = n` (`≈` is `=`), a number
//! standing alone after an arrow (`w_6 同理 → 0.02755`), or a number after a word that gives a
//! result: `is`, `equals`, `gives`, `是`, `得`, `为`, `:` (`样本二误差算出来是 0.02692`). A line
//! that starts with `=` continues the chain of the line before (`$= 0.74136$` under
//! `∂E₁/∂w₅ = 0.74136 × ∂z_o/∂w₅`). Numbers inside a formula are its inputs, not claims.

use super::reader::{single_number, NoteLine};

/// A number written as a result, with what the line says around it.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    pub line: usize,
    /// The number as written, its value and one unit of its last digit.
    pub text: String,
    pub value: f64,
    pub unit: f64,
    /// The chain's left side when it is not a formula of numbers (`z_{h1}`, `∂E_1/∂w_5`).
    pub head: Option<String>,
    /// A label before `:` (`总误差`, `sigmoid`, `Output layer`).
    pub label: Option<String>,
    /// The chain's segments between the head and the claim.
    pub steps: Vec<String>,
    /// The line's text before the claim's statement (prose: `样本2 同理`, `所以样本一误差是`).
    pub context: String,
}

/// Every claim of the notes, in order.
pub fn claims(lines: &[NoteLine]) -> Vec<Written> {
    let mut out = Vec::new();
    let mut open_head: Option<String> = None;
    for line in lines {
        let mut context = String::new();
        for (k, statement) in line.statements.iter().enumerate() {
            let mut st = statement.clone();
            if k == 0 && st.starts_with('=') {
                if let Some(h) = &open_head {
                    st = format!("{h} {st}");
                }
            }
            if let Some(w) = claim_of(&st, line.number, &context) {
                out.push(w);
            }
            let segments: Vec<&str> = st.split('=').map(str::trim).collect();
            if segments.len() >= 2 && !segments[0].is_empty() {
                open_head = Some(segments[0].to_string());
            }
            context.push_str(statement);
            context.push(' ');
        }
    }
    out
}

/// The words after which a number is a result.
const RESULT_WORDS: [&str; 9] = [
    ":", " is", "equals", "gives", "是", "得", "为", "得到", "等于",
];

fn claim_of(st: &str, line: usize, context: &str) -> Option<Written> {
    let segments: Vec<&str> = st.split('=').map(str::trim).collect();
    let make = |text: String, value: f64, unit: f64, head: Option<String>, label, steps| Written {
        line,
        text,
        value,
        unit,
        head,
        label,
        steps,
        context: context.trim().to_string(),
    };
    if segments.len() >= 2 {
        let (text, value, unit) = single_number(segments[segments.len() - 1])?;
        let mut first = segments[0].to_string();
        let mut label = None;
        if let Some(p) = first.rfind(':') {
            label = Some(first[..p].trim().to_string()).filter(|l| !l.is_empty());
            first = first[p + 1..].trim().to_string();
        }
        let mut steps: Vec<String> = segments[1..segments.len() - 1]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let head = if super::arith::evaluate(&first).is_some() || first.is_empty() {
            if !first.is_empty() {
                steps.insert(0, first);
            }
            None
        } else {
            Some(first)
        };
        return Some(make(text, value, unit, head, label, steps));
    }
    if let Some((text, value, unit)) = single_number(st) {
        return Some(make(text, value, unit, None, None, Vec::new()));
    }
    // `… is 0.5`: the last word is a number and a result word comes before it.
    let last_space = st.rfind(|c: char| c.is_whitespace() || c == ':')?;
    let (before, number) = st.split_at(last_space);
    let number = number.trim_start_matches(':');
    let (text, value, unit) = single_number(number)?;
    let before_trim = before.trim_end();
    let ends_with_word = RESULT_WORDS
        .iter()
        .any(|w| before_trim.ends_with(w.trim_start()) || st[last_space..].starts_with(':'));
    if !ends_with_word {
        return None;
    }
    let mut label = before_trim.to_string();
    for w in RESULT_WORDS {
        if let Some(l) = label.strip_suffix(w.trim_start()) {
            label = l.trim_end().to_string();
            break;
        }
    }
    Some(make(
        text,
        value,
        unit,
        None,
        Some(label).filter(|l| !l.is_empty()),
        Vec::new(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::reader::read;
    use super::*;

    #[test]
    fn results_are_claims_and_inputs_are_not() {
        let lines = read(
            "$$z_{h1} = w_1 \\cdot i_1 + b_1 = 0.15 \\times 0.05 + 0.35 = 0.3575$$\n\
             样本二误差算出来是 0.02692 \\rightarrow 省略计算\n\
             w_6 同理 → 0.02755\n\
             $\\frac{\\partial E_1}{\\partial w_5} = 0.74136 \\times x$\n\
             $= 0.74136$\n\
             the learning rate is 0.5 and sample 2 follows",
        );
        let c = claims(&lines);
        let got: Vec<(usize, &str)> = c.iter().map(|w| (w.line, w.text.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (1, "0.3575"),
                (2, "0.02692"),
                (3, "0.02755"),
                (5, "0.74136")
            ]
        );
        assert_eq!(c[0].head.as_deref(), Some("z_{h1}"));
        assert_eq!(c[0].steps.len(), 2);
        assert_eq!(c[1].label.as_deref(), Some("样本二误差算出来"));
        assert_eq!(c[2].context, "w_6 同理");
        assert_eq!(c[3].head.as_deref(), Some("∂E_1/∂w_5"));
    }
}
