//! How a quantity's name (`s1.z_h1`, `grad.w5`, `new.b1`) is written as mathematics:
//! `z_{h1}^{(1)}`, `∂E_total/∂w_5`, `b_1^+`.
//!
//! The names themselves are the notes' notation generalised (see `crate::engine::notation` and
//! README "Explain and check"): `s{n}.` prefixes a quantity of sample n; `grad.`, `new.`, `v.`,
//! `m.` prefix a parameter's gradient, updated value and optimizer state.

use super::expr::{escape, greek_latex};

/// A name as mathematics: a symbol with optional subscript and superscript, or a partial
/// derivative of one by another.
#[derive(Clone, Debug, PartialEq)]
pub enum MathName {
    Symbol {
        base: String,
        sub: Option<String>,
        sup: Option<String>,
    },
    Partial(Box<MathName>, Box<MathName>),
}

impl MathName {
    /// A hyper-parameter's symbol: `β₁` → β with subscript 1.
    pub fn symbol(text: &str) -> MathName {
        let (mut base, mut sub) = (String::new(), String::new());
        for c in text.chars() {
            match c {
                '₀'..='₉' => sub.push(char::from(b'0' + (c as u32 - '₀' as u32) as u8)),
                c => base.push(c),
            }
        }
        MathName::plain(&base, Some(&sub))
    }

    fn plain(base: &str, sub: Option<&str>) -> MathName {
        MathName::Symbol {
            base: base.to_string(),
            sub: sub.filter(|s| !s.is_empty()).map(str::to_string),
            sup: None,
        }
    }

    /// Marks the quantity as sample `n`'s: `E` becomes `E_n`, anything else gets `^{(n)}`.
    fn of_sample(self, n: &str) -> MathName {
        match self {
            MathName::Symbol { base, sub, sup } => {
                if base == "E" && sub.is_none() {
                    MathName::Symbol {
                        base,
                        sub: Some(n.to_string()),
                        sup,
                    }
                } else {
                    MathName::Symbol {
                        base,
                        sub,
                        sup: Some(format!("({n})")),
                    }
                }
            }
            MathName::Partial(a, b) => {
                MathName::Partial(Box::new(a.of_sample(n)), Box::new(b.of_sample(n)))
            }
        }
    }

    pub fn latex(&self) -> String {
        match self {
            MathName::Symbol { base, sub, sup } => {
                let mut s = greek_latex(base);
                if let Some(sub) = sub {
                    s.push_str(&format!("_{{{}}}", latex_text(sub)));
                }
                if let Some(sup) = sup {
                    s.push_str(&format!("^{{{sup}}}"));
                }
                s
            }
            MathName::Partial(a, b) => {
                format!(
                    "\\frac{{\\partial {}}}{{\\partial {}}}",
                    a.latex(),
                    b.latex()
                )
            }
        }
    }

    pub fn mathml(&self) -> String {
        match self {
            MathName::Symbol { base, sub, sup } => {
                let base = format!("<mi>{}</mi>", escape(base));
                let sub = sub.as_ref().map(|s| format!("<mi>{}</mi>", escape(s)));
                let sup = sup.as_ref().map(|s| format!("<mi>{}</mi>", escape(s)));
                match (sub, sup) {
                    (None, None) => base,
                    (Some(b), None) => format!("<msub>{base}{b}</msub>"),
                    (None, Some(p)) => format!("<msup>{base}{p}</msup>"),
                    (Some(b), Some(p)) => format!("<msubsup>{base}{b}{p}</msubsup>"),
                }
            }
            MathName::Partial(a, b) => format!(
                "<mfrac><mrow><mo>∂</mo>{}</mrow><mrow><mo>∂</mo>{}</mrow></mfrac>",
                a.mathml(),
                b.mathml()
            ),
        }
    }
}

/// A subscript in LaTeX: text subscripts upright (`\text{total}`), underscores escaped.
fn latex_text(sub: &str) -> String {
    if sub.chars().all(|c| c.is_ascii_digit() || c == ',') || sub.len() <= 3 {
        sub.to_string()
    } else {
        format!("\\text{{{}}}", sub.replace('_', "\\_"))
    }
}

/// The mathematics of a name as `explain` prints it.
pub fn math_name(name: &str) -> MathName {
    if let Some((prefix, rest)) = name.split_once('.') {
        if let Some(n) = prefix.strip_prefix('s') {
            if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) {
                return math_name(rest).of_sample(n);
            }
        }
        match prefix {
            "grad" => {
                return MathName::Partial(
                    Box::new(MathName::plain("E", Some("total"))),
                    Box::new(math_name(rest)),
                )
            }
            "new" => {
                if let MathName::Symbol { base, sub, .. } = math_name(rest) {
                    return MathName::Symbol {
                        base,
                        sub,
                        sup: Some("+".into()),
                    };
                }
            }
            "v" | "m" => return MathName::plain(prefix, Some(rest)),
            _ => {}
        }
        return MathName::plain(name, None);
    }
    if let Some(rest) = name.strip_prefix("dE_da_") {
        return MathName::Partial(
            Box::new(MathName::plain("E", None)),
            Box::new(MathName::plain("a", Some(&unit(rest)))),
        );
    }
    if let Some(rest) = name.strip_prefix("da_dz_") {
        return MathName::Partial(
            Box::new(MathName::plain("a", Some(&unit(rest)))),
            Box::new(MathName::plain("z", Some(&unit(rest)))),
        );
    }
    if let Some(rest) = name.strip_prefix("delta_") {
        return MathName::plain("δ", Some(&unit(rest)));
    }
    // w5, b1, i2, b1_2: letters, then the number(s) as the subscript
    let letters = name
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(name.len());
    if letters > 0 && name[letters..].starts_with(|c: char| c.is_ascii_digit()) {
        return MathName::plain(&name[..letters], Some(&unit(&name[letters..])));
    }
    // z_h1, t_o, E_total: the part after the first underscore as the subscript
    if let Some((base, sub)) = name.split_once('_') {
        return MathName::plain(base, Some(&unit(sub)));
    }
    MathName::plain(name, None)
}

/// A unit or parameter subscript: `h2_3` → `h2,3`.
fn unit(s: &str) -> String {
    s.replace('_', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_the_notes_mathematics() {
        assert_eq!(math_name("z_h1").latex(), "z_{h1}");
        assert_eq!(math_name("s2.a_h1").latex(), "a_{h1}^{(2)}");
        assert_eq!(math_name("s1.E").latex(), "E_{1}");
        assert_eq!(math_name("E_total").latex(), "E_{\\text{total}}");
        assert_eq!(
            math_name("grad.w5").latex(),
            "\\frac{\\partial E_{\\text{total}}}{\\partial w_{5}}"
        );
        assert_eq!(math_name("new.b1_2").latex(), "b_{1,2}^{+}");
        assert_eq!(math_name("delta_o").latex(), "\\delta_{o}");
        assert_eq!(
            math_name("dE_da_h1").latex(),
            "\\frac{\\partial E}{\\partial a_{h1}}"
        );
    }
}
