//! The `name = value` form: one named value per line in `explain`'s names (with forgiving
//! aliases), `#` comments. A file entirely in this form is read strictly: a line that is not
//! `name = value`, an unknown name or a name given twice is an error, as it always was.

use crate::derivation::Derivation;
use crate::derivation::NodeId;
use crate::error::{Error, Result};
use std::collections::HashMap;

/// Notes files larger than this are refused.
pub const MAX_NOTES_BYTES: usize = 1 << 20;

/// Whether every line with content (comments dropped) is `name = value` or `name: value` with a
/// name of one word: the strict form.
pub fn is_ledger(text: &str) -> bool {
    text.lines().all(|raw| {
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            return true;
        }
        match content.find(['=', ':']) {
            Some(p) => {
                let name = content[..p].trim();
                let value = &content[p + 1..];
                // a name of `explain`'s kind: `s1.z_h1`, `E1`, `δ_o(2)`, `∂E/∂w5`, `E` (not a
                // word such as `Today`)
                let name_like = name
                    .contains(|c: char| c.is_ascii_digit() || "_.()∂δ⁺+/".contains(c))
                    || name.chars().count() <= 2;
                !name.is_empty()
                    && name_like
                    && !name.contains(char::is_whitespace)
                    && !name.contains(['$', '\\', '{', '}'])
                    && !value.contains(['$', '\\'])
            }
            None => false,
        }
    })
}

/// One `name = value` line.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Line number, from 1.
    pub line: usize,
    /// The name as written, and the quantity it names.
    pub written: String,
    pub node: NodeId,
    /// The value as written, its value, and one unit of its last digit.
    pub text: String,
    pub value: f64,
    pub unit: f64,
}

/// Reads `name = value` lines (`:` also separates; `#` starts a comment; a line with several
/// `=` — a line copied from `explain` — counts its last value).
pub fn parse_notes(text: &str, file: &str, d: &Derivation) -> Result<Vec<Entry>> {
    let err = |line: usize, message: String| Error::File {
        file: format!("{file}: line {line}"),
        message,
    };
    if text.len() > MAX_NOTES_BYTES {
        return Err(Error::File {
            file: file.to_string(),
            message: format!(
                "{} bytes, more than the {} a notes file may have (one `name = value` per line)",
                text.len(),
                MAX_NOTES_BYTES
            ),
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut entries: Vec<Entry> = Vec::new();
    let mut first_line: HashMap<NodeId, usize> = HashMap::new();
    for (k, raw) in text.lines().enumerate() {
        let line = k + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        if content.chars().any(|c| c.is_control() && c != '\t') {
            return Err(err(
                line,
                "contains control characters; expected `name = value` (is this a text file?)"
                    .into(),
            ));
        }
        let Some(split) = content.find(['=', ':']) else {
            return Err(err(
                line,
                format!("`{}` is not `name = value`", clip(content)),
            ));
        };
        let written = content[..split].trim();
        let value_text = content.rsplit(['=', ':']).next().unwrap_or("").trim();
        if written.is_empty() {
            return Err(err(
                line,
                "no name before `=`; expected `name = value`".into(),
            ));
        }
        let node = resolve(written, d).map_err(|m| err(line, m))?;
        let (value, unit) = parse_value(value_text).ok_or_else(|| {
            err(
                line,
                format!(
                    "`{}` is not a number; expected a decimal such as 0.3775 or -4.2e-2",
                    clip(value_text)
                ),
            )
        })?;
        if let Some(first) = first_line.insert(node, line) {
            return Err(err(
                line,
                format!(
                    "{} is given twice (first on line {first}); keep one value",
                    d.graph.node(node).name
                ),
            ));
        }
        entries.push(Entry {
            line,
            written: written.to_string(),
            node,
            text: value_text.to_string(),
            value,
            unit,
        });
    }
    if entries.is_empty() {
        return Err(Error::File {
            file: file.to_string(),
            message: "no `name = value` lines found (e.g. `s1.z_h1 = 0.3775`)".into(),
        });
    }
    Ok(entries)
}

/// At most 40 characters of a piece of input, for an error message.
fn clip(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// A written number and one unit of its last digit: `0.375` → (0.375, 0.001); `-4.2e-2` →
/// (−0.042, 0.001). Accepts `+`, `-` and `−`; nothing else (no `nan`, no `inf`).
pub fn parse_value(s: &str) -> Option<(f64, f64)> {
    let s = s.replace('−', "-");
    let s = s.trim();
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(p) => (&s[..p], Some(&s[p + 1..])),
        None => (s, None),
    };
    let digits = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let exp: i32 = match exponent {
        Some(e) => {
            let body = e.strip_prefix(['+', '-']).unwrap_or(e);
            if body.is_empty() || body.len() > 4 || !all_digits(body) {
                return None;
            }
            e.parse().ok()?
        }
        None => 0,
    };
    let value: f64 = s.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    let unit = 10f64.powi(exp - frac.len() as i32);
    Some((value, unit))
}

/// The quantity a written name means, or a message naming the closest valid names.
fn resolve(written: &str, d: &Derivation) -> std::result::Result<NodeId, String> {
    let name = canonical(written);
    if let Some(id) = d.graph.id(&name) {
        return Ok(id);
    }
    // A per-sample quantity without its sample: fine when the batch has one sample.
    if Derivation::sample_of(&name).is_none() {
        let owners: Vec<usize> = d
            .samples
            .iter()
            .copied()
            .filter(|s| d.graph.id(&format!("s{s}.{name}")).is_some())
            .collect();
        match owners.as_slice() {
            [s] => return Ok(d.graph.id(&format!("s{s}.{name}")).expect("found")),
            [] => {}
            many => {
                let options: Vec<String> = many.iter().map(|s| format!("s{s}.{name}")).collect();
                return Err(format!(
                    "`{written}` is a quantity of each sample: write {} (or {name}({}))",
                    options.join(" or "),
                    many[many.len() - 1]
                ));
            }
        }
    }
    Err(format!(
        "unknown name `{}`; the closest valid names are {}",
        clip(written),
        closest(&name, d).join(", ")
    ))
}

/// The spelling `explain` uses for a name written in one of the forgiving forms:
/// `E1`/`E_1` → `s1.E`; `Etotal`, `E_total`, `E` → `E_total`; `δ_o`/`delta_o` → `delta_o`;
/// `∂E/∂w5`, `dE/dw5`, `dE_dw5`, `grad_w5` → `grad.w5`; `w5⁺`, `w5+`, `new_w5` → `new.w5`;
/// a sample written after the name, `z_h1(2)` or `z_h1^(2)`, → `s2.z_h1`; `s2_E` → `s2.E`.
pub fn canonical(written: &str) -> String {
    let mut s: String = written
        .trim()
        .replace(['δ', 'Δ'], "delta_")
        .replace("delta__", "delta_")
        .replace(' ', "");
    if s.starts_with("delta") && !s.starts_with("delta_") {
        s = s.replacen("delta", "delta_", 1);
    }
    // Sample written after the name: z_h1(2), z_h1^(2), z_h1^{(2)}
    let mut sample = None;
    if let Some(open) = s.rfind('(') {
        if s.ends_with(')') {
            let inner = s[open + 1..s.len() - 1]
                .trim_start_matches("sample")
                .trim_start_matches('s');
            if let Ok(n) = inner.parse::<usize>() {
                sample = Some(n);
                s.truncate(open);
                s = s
                    .trim_end_matches('{')
                    .trim_end_matches('^')
                    .trim_end_matches('_')
                    .to_string();
            }
        }
    }
    // s2_E → s2.E
    if let Some(rest) = s.strip_prefix('s') {
        if let Some((n, tail)) = rest.split_once('_') {
            if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) {
                s = format!("s{n}.{tail}");
            }
        }
    }
    let (prefix, mut base) = match s.split_once('.') {
        Some((p, b)) if p.starts_with('s') && p[1..].chars().all(|c| c.is_ascii_digit()) => {
            (Some(p.to_string()), b.to_string())
        }
        _ => (None, s.clone()),
    };
    for (from, to) in [
        ("∂E/∂", "grad."),
        ("dE/d", "grad."),
        ("dE_total/d", "grad."),
    ] {
        if let Some(rest) = base.strip_prefix(from) {
            if !rest.starts_with(['a', 'z']) || rest.len() < 2 {
                base = format!("{to}{rest}");
            }
        }
    }
    for from in ["∂E_total/∂", "grad_", "dE_d"] {
        if let Some(rest) = base.strip_prefix(from) {
            if from != "dE_d" || !rest.starts_with(['a', 'z']) {
                base = format!("grad.{rest}");
            }
        }
    }
    if let Some(rest) = base.strip_prefix("new_") {
        base = format!("new.{rest}");
    }
    for plus in ['⁺', '+'] {
        if let Some(rest) = base.strip_suffix(plus) {
            base = format!("new.{rest}");
        }
    }
    match base.as_str() {
        "Etotal" | "E_total" | "Etot" | "E_tot" => base = "E_total".into(),
        "E" if prefix.is_none() && sample.is_none() => base = "E_total".into(),
        _ => {}
    }
    if let Some(n) = base
        .strip_prefix("E_")
        .or_else(|| base.strip_prefix('E'))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    {
        return format!("s{n}.E");
    }
    match (prefix, sample) {
        (Some(p), _) => format!("{p}.{base}"),
        (None, Some(n)) => format!("s{n}.{base}"),
        (None, None) => base,
    }
}

/// The three valid names closest to `name` (edit distance, ignoring case).
fn closest(name: &str, d: &Derivation) -> Vec<String> {
    let target = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = d
        .graph
        .nodes()
        .iter()
        .map(|n| (distance(&target, &n.name.to_lowercase()), n.name.as_str()))
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_string())
        .collect()
}

/// Levenshtein distance (on characters).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let up = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != b[j]))
                .min(up + 1)
                .min(row[j] + 1);
            diagonal = up;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_as_precise_as_its_last_digit() {
        assert_eq!(parse_value("0.375"), Some((0.375, 1e-3)));
        let (v, u) = parse_value("−0.04267").unwrap();
        assert_eq!(v, -0.04267);
        assert!((u - 1e-5).abs() < 1e-20);
        let (v, u) = parse_value("4.2e-2").unwrap();
        assert!((v - 0.042).abs() < 1e-15 && (u - 1e-3).abs() < 1e-18);
        assert_eq!(parse_value("2"), Some((2.0, 1.0)));
        for bad in [
            "", "nan", "inf", "0.3.4", "1e", "abc", "0,5", "--1", "1e99999",
        ] {
            assert_eq!(parse_value(bad), None, "{bad}");
        }
    }

    #[test]
    fn forgiving_names_map_to_explains_names() {
        for (written, name) in [
            ("E1", "s1.E"),
            ("E_2", "s2.E"),
            ("Etotal", "E_total"),
            ("E", "E_total"),
            ("δ_o(2)", "s2.delta_o"),
            ("s2.δ_o", "s2.delta_o"),
            ("∂E/∂w6", "grad.w6"),
            ("dE/db2", "grad.b2"),
            ("dE_dw5", "grad.w5"),
            ("w5⁺", "new.w5"),
            ("new_b1", "new.b1"),
            ("z_h1^(2)", "s2.z_h1"),
            ("s1.dE_da_o", "s1.dE_da_o"),
            ("s1_z_h1", "s1.z_h1"),
        ] {
            assert_eq!(canonical(written), name, "{written}");
        }
    }
}
