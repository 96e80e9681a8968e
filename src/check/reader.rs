//! Notes as written → lines of plain statements.
//!
//! Each line is normalised to one plain notation: LaTeX (`$…$`, `$$…$$`, `\frac`, `\partial`,
//! `\cdot`, `\times`, `\text{}`, `aligned`, `pmatrix`, `cases`, `\rightarrow`, `\approx`),
//! Unicode math (σ δ ∂ ⁺ × · − ≈ → ½ ²), full-width punctuation (`：＝，（）`) and decimal commas
//! (`0,3775`, only on a line with no decimal point) all become ASCII-like text: `*` for every
//! product, `/` for every quotient, `=` for `≈`, `→` for every arrow. `~~struck~~` text is
//! dropped (the learner crossed it out). The line is then cut into *statements* at math
//! boundaries (`$`), arrows and `;`: `所以样本一误差是 $\rightarrow \frac{1}{2}(0.01 −
//! 0.75136)^2 = 0.27483$` becomes `所以样本一误差是` and `((1)/(2))(0.01 - 0.75136)^2 = 0.27483`.

/// One line of the notes.
#[derive(Clone, Debug, PartialEq)]
pub struct NoteLine {
    /// 1-based.
    pub number: usize,
    pub original: String,
    /// The whole line normalised.
    pub plain: String,
    /// The statements of the line, in order (non-empty, trimmed).
    pub statements: Vec<String>,
}

/// Reads every line (a leading byte-order mark dropped).
pub fn read(text: &str) -> Vec<NoteLine> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .enumerate()
        .map(|(k, original)| {
            let plain = normalise(original);
            let statements = plain
                .split(['|', '→', '←', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            NoteLine {
                number: k + 1,
                original: original.to_string(),
                plain,
                statements,
            }
        })
        .collect()
}

/// One line in the plain notation (statement boundaries as `|`).
pub fn normalise(line: &str) -> String {
    let mut s = drop_struck(line);
    s = environments(&s);
    s = fractions(&s);
    for cmd in [
        "text",
        "mathrm",
        "textbf",
        "mathbf",
        "operatorname",
        "boldsymbol",
        "mathit",
    ] {
        s = unwrap_command(&s, cmd);
    }
    s = s.replace("\\hat{y}", "y_hat").replace("\\hat y", "y_hat");
    for (from, to) in COMMANDS {
        s = replace_command(&s, from, to);
    }
    for (from, to) in SYMBOLS {
        s = s.replace(from, to);
    }
    if !has_decimal_point(&s) {
        s = decimal_commas(&s);
    }
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("∂ ", "∂")
}

/// LaTeX commands (replaced only where the next character is not a letter).
const COMMANDS: [(&str, &str); 30] = [
    ("\\left", ""),
    ("\\right", ""),
    ("\\cdot", "*"),
    ("\\times", "*"),
    ("\\ast", "*"),
    ("\\longrightarrow", " → "),
    ("\\rightarrow", " → "),
    ("\\Rightarrow", " → "),
    ("\\implies", " → "),
    ("\\to", " → "),
    ("\\mapsto", " → "),
    ("\\leftarrow", " ← "),
    ("\\Leftarrow", " ← "),
    ("\\approx", " = "),
    ("\\simeq", " = "),
    ("\\partial", "∂"),
    ("\\delta", "δ"),
    ("\\Delta", "Δ"),
    ("\\sigma", "σ"),
    ("\\eta", "η"),
    ("\\alpha", "α"),
    ("\\exp", "exp"),
    ("\\downarrow", " "),
    ("\\uparrow", " "),
    ("\\quad", " "),
    ("\\qquad", " "),
    ("\\displaystyle", " "),
    ("\\big", ""),
    ("\\Big", ""),
    ("\\tag", " "),
];

/// Characters and short sequences.
const SYMBOLS: [(&str, &str); 38] = [
    ("\\,", " "),
    ("\\;", " "),
    ("\\!", ""),
    ("\\ ", " "),
    ("\\{", "("),
    ("\\}", ")"),
    ("\\\\", " "),
    ("$$", " | "),
    ("$", " | "),
    ("&", " "),
    ("**", ""),
    ("`", ""),
    ("−", "-"),
    ("–", "-"),
    ("×", "*"),
    ("·", "*"),
    ("⋅", "*"),
    ("∙", "*"),
    ("÷", "/"),
    ("≈", " = "),
    ("≃", " = "),
    ("＝", "="),
    ("：", ":"),
    ("，", ", "),
    ("（", "("),
    ("）", ")"),
    ("；", ";"),
    ("。", " "),
    ("->", " → "),
    ("=>", " → "),
    ("⇒", " → "),
    ("⟶", " → "),
    ("↓", " "),
    ("↑", " "),
    ("⁺", "^+"),
    ("²", "^2"),
    ("½", "(1/2)"),
    ("ŷ", "y_hat"),
];

/// `~~struck out~~` removed.
fn drop_struck(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("~~") {
        match rest[start + 2..].find("~~") {
            Some(len) => {
                out.push_str(&rest[..start]);
                rest = &rest[start + 2 + len + 2..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// The text of the brace group starting at byte `open` (which holds `{`), and the byte after it.
fn group(s: &str, open: usize) -> Option<(&str, usize)> {
    if !s[open..].starts_with('{') {
        return None;
    }
    let mut depth = 0usize;
    for (i, c) in s[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&s[open + 1..open + i], open + i + 1));
                }
            }
            _ => {}
        }
    }
    None
}

/// `\begin{pmatrix} a & b \\ c & d \end{pmatrix}` → `(a, b, c, d)`; `cases` → its rows
/// separated by `;`; `aligned` and the like → their content on one line.
fn environments(s: &str) -> String {
    let mut s = s.to_string();
    for _ in 0..32 {
        let Some(begin) = s.rfind("\\begin{") else {
            break;
        };
        let Some((name, body_start)) = group(&s, begin + 6) else {
            break;
        };
        let name = name.to_string();
        let end_tag = format!("\\end{{{name}}}");
        let Some(end) = s[body_start..].find(&end_tag).map(|e| e + body_start) else {
            break;
        };
        let body = &s[body_start..end];
        let replaced = if name.ends_with("matrix") {
            let cells: Vec<&str> = body
                .split(['&'])
                .flat_map(|c| c.split("\\\\"))
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            format!("({})", cells.join(", "))
        } else if name == "cases" {
            body.replace("\\\\", " ; ")
        } else {
            body.replace("\\\\", " ").replace('&', " ")
        };
        s = format!("{}{replaced}{}", &s[..begin], &s[end + end_tag.len()..]);
    }
    s
}

/// `\frac{∂E}{∂w_5}` → `∂E/∂w_5`; `\frac{a}{b}` → `((a)/(b))`; also `\dfrac`, `\tfrac` and
/// `\frac12`.
fn fractions(s: &str) -> String {
    let mut s = s.to_string();
    for _ in 0..256 {
        let Some((at, len)) = ["\\dfrac", "\\tfrac", "\\frac"]
            .iter()
            .filter_map(|f| s.rfind(f).map(|p| (p, f.len())))
            .max()
        else {
            break;
        };
        let after = at + len;
        let rest = s[after..].trim_start();
        let after = s.len() - rest.len();
        let (num, den, end) = if let Some((num, next)) = group(&s, after) {
            let next_trim = s.len() - s[next..].trim_start().len();
            match group(&s, next_trim) {
                Some((den, end)) => (num.to_string(), den.to_string(), end),
                None => break,
            }
        } else {
            // \frac12
            let digits: Vec<char> = rest.chars().take(2).collect();
            if digits.len() == 2 && digits.iter().all(char::is_ascii_digit) {
                (digits[0].to_string(), digits[1].to_string(), after + 2)
            } else {
                break;
            }
        };
        let derivative = |t: &str| {
            let t = t.trim();
            t.starts_with("\\partial") || t.starts_with('∂') || t.starts_with('d')
        };
        let replaced = if derivative(&num) && derivative(&den) && !num.contains(['+', '-']) {
            format!(" {}/{} ", num.trim(), den.trim())
        } else {
            format!("(({num})/({den}))")
        };
        s = format!("{}{replaced}{}", &s[..at], &s[end..]);
    }
    s
}

/// `\text{abc}` → `abc`.
fn unwrap_command(s: &str, cmd: &str) -> String {
    let tag = format!("\\{cmd}{{");
    let mut s = s.to_string();
    while let Some(at) = s.find(&tag) {
        match group(&s, at + tag.len() - 1) {
            Some((body, end)) => s = format!("{}{body}{}", &s[..at], &s[end..]),
            None => break,
        }
    }
    s
}

/// Replaces a LaTeX command where it is not the start of a longer one.
fn replace_command(s: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(from) {
        let next = rest[at + from.len()..].chars().next();
        out.push_str(&rest[..at]);
        if next.is_some_and(|c| c.is_ascii_alphabetic()) {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

/// Whether `s` has a number with a decimal point (`0.5`).
pub fn has_decimal_point(s: &str) -> bool {
    let b = s.as_bytes();
    (1..b.len().saturating_sub(1))
        .any(|i| b[i] == b'.' && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit())
}

/// `0,3775` → `0.3775` (a comma between digits, with no space after it).
fn decimal_commas(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = i > 0
            && i + 1 < chars.len()
            && chars[i - 1].is_ascii_digit()
            && chars[i + 1].is_ascii_digit();
        out.push(if c == ',' && between_digits { '.' } else { c });
    }
    out
}

/// A number as written at the start of `s` (sign allowed: `-`, `+`): its text, value, one unit
/// of its last digit, and the byte length read. `1e-3` has the unit of its mantissa's last digit
/// times its power of ten.
pub fn number_at(s: &str) -> Option<(String, f64, f64, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_len = i - int_start;
    let mut frac_len = 0i32;
    if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            frac_len += 1;
        }
    }
    if int_len == 0 && frac_len == 0 {
        return None;
    }
    let mut exp = 0i32;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
            j += 1;
        }
        let digits_start = j;
        while j < b.len() && b[j].is_ascii_digit() && j - digits_start < 4 {
            j += 1;
        }
        if j > digits_start && !(j < b.len() && b[j].is_ascii_alphanumeric()) {
            exp = s[i + 1..j].parse().ok()?;
            i = j;
        }
    }
    let text = &s[..i];
    let value: f64 = text.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    Some((text.to_string(), value, 10f64.powi(exp - frac_len), i))
}

/// `s` is exactly one number (parenthesised or not): `-0.04267`, `(−0.5)`.
pub fn single_number(s: &str) -> Option<(String, f64, f64)> {
    let t = s.trim();
    let t = t
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(t)
        .trim();
    let (text, v, u, len) = number_at(t)?;
    (len == t.len()).then_some((text, v, u))
}

/// Every number in `s` that is not part of a name (`w_5`, `h1`, `E_1` are names), unsigned,
/// with its unit and whether it was written with a decimal point.
pub fn numbers_in(s: &str) -> Vec<(f64, f64, bool)> {
    let mut out = Vec::new();
    let mut i = 0;
    let b = s.as_bytes();
    while i < b.len() {
        let prev = if i == 0 { b' ' } else { b[i - 1] };
        if b[i].is_ascii_digit() && !(prev.is_ascii_alphanumeric() || prev == b'_' || prev == b'.')
        {
            if let Some((text, v, u, len)) = number_at(&s[i..]) {
                out.push((v.abs(), u, text.contains('.')));
                i += len;
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latex_becomes_plain_statements() {
        let l =
            &read("所以样本一误差是 $\\rightarrow \\frac{1}{2}(0.01 - 0.75136)^2 = 0.27483$")[0];
        assert_eq!(
            l.statements,
            vec!["所以样本一误差是", "((1)/(2))(0.01 - 0.75136)^2 = 0.27483"]
        );
        assert_eq!(
            normalise("$\\frac{\\partial E_1}{\\partial w_5} = 0.74136 \\times x$"),
            "| ∂E_1/∂w_5 = 0.74136 * x |"
        );
        assert_eq!(
            normalise("$W = \\begin{pmatrix} 0.15 & 0.20 \\\\ 0.25 & 0.30 \\end{pmatrix}$"),
            "| W = (0.15, 0.20, 0.25, 0.30) |"
        );
        assert_eq!(normalise("学习率：~~0.4~~ 0,5"), "学习率: 0.5");
        assert_eq!(normalise("a ≈ 0.5 → b"), "a = 0.5 → b");
    }

    #[test]
    fn numbers_and_their_units() {
        let (t, v, u) = single_number("(-0.04267)").unwrap();
        assert_eq!((t.as_str(), v), ("-0.04267", -0.04267));
        assert!((u - 1e-5).abs() < 1e-18);
        assert_eq!(single_number("0.5 x"), None);
        let n = numbers_in("w_1 * 0.15 + 2 * 1e-3");
        assert_eq!(n.len(), 3);
        assert!((n[2].0 - 1e-3).abs() < 1e-18 && (n[2].1 - 1e-3).abs() < 1e-18);
    }
}
