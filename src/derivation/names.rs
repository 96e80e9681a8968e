//! How a quantity's name (`s1.z_h1`, `grad.w5`, `new.b1`) is written as mathematics:
//! `z_{h1}^{(1)}`, `∂E_total/∂w_5`, `b_1^+`.
//!
//! The names themselves are typed in [`super::node_name`]; this file only says how each kind is
//! written as mathematics.

use super::node_name::{Derived, NodeName, Param, Quantity, Unit};
use super::symbols::{escape, greek_latex};

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

/// The mathematics of a name as `explain` prints it: a node's name ([`NodeName`]), a sample's
/// quantity written without its sample (`z_h1`, `E`), or any other symbol as it is.
pub fn math_name(name: &str) -> MathName {
    if let Ok(node) = name.parse::<NodeName>() {
        return node.math();
    }
    if let Ok(q) = name.parse::<Quantity>() {
        return q.math();
    }
    MathName::plain(name, None)
}

impl NodeName {
    /// The name as mathematics: `s1.z_h1` is `z_{h1}^{(1)}`, `grad.w5` is `∂E_total/∂w_5`.
    pub fn math(&self) -> MathName {
        match self {
            NodeName::Param(p) => p.math(),
            NodeName::Sample(n, q) => q.math().of_sample(&n.to_string()),
            NodeName::Total => MathName::plain("E", Some("total")),
            NodeName::Of(Derived::Grad, p) => MathName::Partial(
                Box::new(MathName::plain("E", Some("total"))),
                Box::new(p.math()),
            ),
            NodeName::Of(Derived::New, p) => match p.math() {
                MathName::Symbol { base, sub, .. } => MathName::Symbol {
                    base,
                    sub,
                    sup: Some("+".into()),
                },
                partial => partial,
            },
            NodeName::Of(Derived::Decayed, p) => MathName::plain("g", Some(&p.to_string())),
            NodeName::Of(Derived::Velocity, p) => MathName::plain("v", Some(&p.to_string())),
            NodeName::Of(Derived::Moment, p) => MathName::plain("m", Some(&p.to_string())),
        }
    }
}

impl Param {
    /// `w_5`, `b_1`, `b_{1,2}`.
    pub fn math(&self) -> MathName {
        match self {
            Param::Weight(n) => MathName::plain("w", Some(&n.to_string())),
            Param::Bias { layer, unit: None } => MathName::plain("b", Some(&layer.to_string())),
            Param::Bias {
                layer,
                unit: Some(j),
            } => MathName::plain("b", Some(&format!("{layer},{j}"))),
        }
    }
}

impl Quantity {
    /// A sample's quantity as mathematics, without its sample: `z_{h1}`, `∂E/∂a_{h1}`, `δ_o`.
    pub fn math(&self) -> MathName {
        let symbol = |base: &str, u: &Unit| MathName::plain(base, Some(&unit(u)));
        match self {
            Quantity::Input(k) => MathName::plain("i", Some(&k.to_string())),
            Quantity::Target(u) => symbol("t", u),
            Quantity::Z(u) => symbol("z", u),
            Quantity::A(u) => symbol("a", u),
            Quantity::Error => MathName::plain("E", None),
            Quantity::DErrorDa(u) => MathName::Partial(
                Box::new(MathName::plain("E", None)),
                Box::new(symbol("a", u)),
            ),
            Quantity::DaDz(u) => {
                MathName::Partial(Box::new(symbol("a", u)), Box::new(symbol("z", u)))
            }
            Quantity::Delta(u) => symbol("δ", u),
            Quantity::Mask(u) => symbol("m", u),
            Quantity::Masked(u) => symbol("ã", u),
            Quantity::DErrorDMasked(u) => MathName::Partial(
                Box::new(MathName::plain("E", None)),
                Box::new(symbol("ã", u)),
            ),
        }
    }
}

/// A unit as a subscript: `h2_3` → `h2,3`.
fn unit(u: &Unit) -> String {
    u.to_string().replace('_', ",")
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
        assert_eq!(math_name("s1.am_h2").latex(), "\\tilde{a}_{h2}^{(1)}");
        assert_eq!(
            math_name("s1.am_h2").mathml(),
            "<msubsup><mi>ã</mi><mi>h2</mi><mi>(1)</mi></msubsup>"
        );
        assert_eq!(math_name("m_h1").latex(), "m_{h1}");
        assert_eq!(
            math_name("dE_dam_h1").latex(),
            "\\frac{\\partial E}{\\partial \\tilde{a}_{h1}}"
        );
        assert_eq!(
            math_name("dE_da_h1").latex(),
            "\\frac{\\partial E}{\\partial a_{h1}}"
        );
    }
}
