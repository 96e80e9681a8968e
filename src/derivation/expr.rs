//! Formulas as small expression trees, written three ways: plain Unicode text, LaTeX and
//! MathML. A formula is written either with names (`w1·i1 + b1`) or with the numbers
//! substituted (`0.15×0.05 + 0.35`); [`Style`] chooses.

use super::names::{math_name, MathName};

/// A formula over the graph's nodes ([`Expr::Var`] holds a node id).
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A node of the graph, written by its name or its value.
    Var(usize),
    /// A bare name that is not a node (`E`, `a_o` in a chain rule written in general).
    Name(String),
    /// A number.
    Num(f64),
    /// A small exact integer (`1 − a`, `/2`).
    Int(i64),
    /// ½.
    Half,
    /// A hyper-parameter: written as its symbol (`η`) with names, as its value with numbers.
    Const {
        symbol: &'static str,
        value: f64,
    },
    /// `∂x/∂y`.
    Partial(Box<Expr>, Box<Expr>),
    Add(Vec<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Vec<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Call(Func, Box<Expr>),
    Pow(Box<Expr>, Box<Expr>),
    Sqrt(Box<Expr>),
    /// `e^x`.
    Exp(Box<Expr>),
}

/// Named functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    Identity,
    ReluSlope,
    LeakyReluSlope,
    Ln,
}

impl Func {
    fn text(self) -> &'static str {
        match self {
            Func::Sigmoid => "σ",
            Func::Tanh => "tanh",
            Func::Relu => "relu",
            Func::LeakyRelu => "leaky_relu",
            Func::Identity => "id",
            Func::ReluSlope => "relu′",
            Func::LeakyReluSlope => "leaky_relu′",
            Func::Ln => "ln",
        }
    }
    fn latex(self) -> &'static str {
        match self {
            Func::Sigmoid => "\\sigma",
            Func::Tanh => "\\tanh",
            Func::Relu => "\\operatorname{relu}",
            Func::LeakyRelu => "\\operatorname{leaky\\_relu}",
            Func::Identity => "\\operatorname{id}",
            Func::ReluSlope => "\\operatorname{relu}'",
            Func::LeakyReluSlope => "\\operatorname{leaky\\_relu}'",
            Func::Ln => "\\ln",
        }
    }
}

impl Expr {
    pub fn add(mut terms: Vec<Expr>) -> Expr {
        if terms.len() == 1 {
            terms.pop().expect("one term")
        } else {
            Expr::Add(terms)
        }
    }
    pub fn minus(a: Expr, b: Expr) -> Expr {
        Expr::Sub(Box::new(a), Box::new(b))
    }
    pub fn mul(mut factors: Vec<Expr>) -> Expr {
        if factors.len() == 1 {
            factors.pop().expect("one factor")
        } else {
            Expr::Mul(factors)
        }
    }
    pub fn over(a: Expr, b: Expr) -> Expr {
        Expr::Div(Box::new(a), Box::new(b))
    }
    pub fn negate(a: Expr) -> Expr {
        Expr::Neg(Box::new(a))
    }
    pub fn call(f: Func, a: Expr) -> Expr {
        Expr::Call(f, Box::new(a))
    }
    pub fn pow(a: Expr, b: Expr) -> Expr {
        Expr::Pow(Box::new(a), Box::new(b))
    }
    pub fn square(a: Expr) -> Expr {
        Expr::pow(a, Expr::Int(2))
    }
    pub fn sqrt(a: Expr) -> Expr {
        Expr::Sqrt(Box::new(a))
    }
    pub fn exp(a: Expr) -> Expr {
        Expr::Exp(Box::new(a))
    }
    pub fn constant(symbol: &'static str, value: f64) -> Expr {
        Expr::Const { symbol, value }
    }
    pub fn partial(of: &str, by: &str) -> Expr {
        Expr::Partial(
            Box::new(Expr::Name(of.to_string())),
            Box::new(Expr::Name(by.to_string())),
        )
    }
}

/// How variables are written.
pub struct Style<'a> {
    /// The display name of a node (relative to the sample being shown).
    pub name: &'a dyn Fn(usize) -> String,
    /// The value of a node.
    pub value: &'a dyn Fn(usize) -> f64,
    /// Numbers substituted for names (and for hyper-parameters' symbols).
    pub numbers: bool,
    /// Significant digits of substituted numbers.
    pub digits: usize,
}

/// Binding strength, for parentheses.
const SUM: u8 = 2;
const NEGATIVE: u8 = 3;
const PRODUCT: u8 = 4;
const POWER: u8 = 6;
const ATOM: u8 = 7;

/// A number with `digits` significant digits, without trailing zeros when the shorter form is
/// the same number (`0.15`, not `0.150000`; but `0.593270`). Scientific below 1e−4 and from
/// 1e6 on. ASCII `-`.
pub fn number(x: f64, digits: usize) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    if !x.is_finite() {
        return format!("{x}");
    }
    let digits = digits.clamp(1, 17);
    let mut magnitude = x.abs().log10().floor() as i32;
    // Rounding can carry into the next power of ten (0.99996 → 1.0000): count from there.
    let rounded: f64 = format!("{:.*e}", digits - 1, x).parse().unwrap_or(x);
    if rounded.abs() >= 10f64.powi(magnitude + 1) {
        magnitude += 1;
    }
    let full = if (-4..6).contains(&magnitude) {
        let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.prec$e}", prec = digits - 1)
    };
    let short = trim_zeros(&full);
    match short.parse::<f64>() {
        Ok(v) if (v - x).abs() <= 1e-12 * x.abs() => short,
        _ => full,
    }
}

fn trim_zeros(s: &str) -> String {
    let (mantissa, exponent) = match s.find('e') {
        Some(p) => (&s[..p], &s[p..]),
        None => (s, ""),
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    format!("{mantissa}{exponent}")
}

impl Expr {
    /// The value this expression shows as a number, if it is one (for signs and parentheses).
    fn shown_number(&self, style: &Style) -> Option<f64> {
        match self {
            Expr::Num(x) => Some(*x),
            Expr::Int(n) => Some(*n as f64),
            Expr::Var(id) if style.numbers => Some((style.value)(*id)),
            Expr::Const { value, .. } if style.numbers => Some(*value),
            _ => None,
        }
    }

    fn strength(&self, style: &Style) -> u8 {
        if let Some(x) = self.shown_number(style) {
            return if x < 0.0 { NEGATIVE } else { ATOM };
        }
        match self {
            Expr::Add(_) | Expr::Sub(..) => SUM,
            Expr::Neg(_) => NEGATIVE,
            Expr::Mul(_) | Expr::Div(..) => PRODUCT,
            Expr::Pow(..) => POWER,
            _ => ATOM,
        }
    }

    // ---- plain text ----

    /// Plain Unicode text: `w1·i1 + w2·i2 + b1`, `0.15×0.05 + 0.2×0.1 + 0.35`.
    pub fn text(&self, style: &Style) -> String {
        let mut out = String::new();
        self.write_text(style, &mut out);
        out
    }

    fn text_child(&self, style: &Style, min: u8, out: &mut String) {
        if self.strength(style) < min {
            out.push('(');
            self.write_text(style, out);
            out.push(')');
        } else {
            self.write_text(style, out);
        }
    }

    fn write_text(&self, style: &Style, out: &mut String) {
        if let Some(x) = self.shown_number(style) {
            if !matches!(self, Expr::Int(_)) || x < 0.0 {
                out.push_str(&number(x, style.digits).replace('-', "−"));
                return;
            }
        }
        match self {
            Expr::Var(id) => out.push_str(&(style.name)(*id)),
            Expr::Name(n) => out.push_str(n),
            Expr::Num(x) => out.push_str(&number(*x, style.digits).replace('-', "−")),
            Expr::Int(n) => out.push_str(&n.to_string()),
            Expr::Half => out.push('½'),
            Expr::Const { symbol, .. } => out.push_str(symbol),
            Expr::Partial(a, b) => {
                out.push('∂');
                a.write_text(style, out);
                out.push_str("/∂");
                b.write_text(style, out);
            }
            Expr::Add(terms) => {
                for (k, t) in terms.iter().enumerate() {
                    if k > 0 {
                        out.push_str(" + ");
                    }
                    t.text_child(style, if k == 0 { NEGATIVE } else { PRODUCT }, out);
                }
            }
            Expr::Sub(a, b) => {
                a.text_child(style, SUM, out);
                out.push_str(" − ");
                b.text_child(style, PRODUCT, out);
            }
            Expr::Mul(factors) => {
                let sep = if style.numbers { "×" } else { "·" };
                for (k, f) in factors.iter().enumerate() {
                    if k > 0 {
                        out.push_str(sep);
                    }
                    f.text_child(style, PRODUCT + 1, out);
                }
            }
            Expr::Div(a, b) => {
                a.text_child(style, PRODUCT, out);
                out.push('/');
                b.text_child(style, PRODUCT + 1, out);
            }
            Expr::Neg(a) => {
                out.push('−');
                a.text_child(style, PRODUCT + 1, out);
            }
            Expr::Call(f, a) => {
                out.push_str(f.text());
                out.push('(');
                a.write_text(style, out);
                out.push(')');
            }
            Expr::Pow(a, b) => {
                a.text_child(style, ATOM, out);
                match **b {
                    Expr::Int(2) => out.push('²'),
                    _ => {
                        out.push('^');
                        b.text_child(style, ATOM, out);
                    }
                }
            }
            Expr::Sqrt(a) => {
                out.push('√');
                a.text_child(style, ATOM, out);
            }
            Expr::Exp(a) => {
                out.push_str("e^");
                a.text_child(style, NEGATIVE, out);
            }
        }
    }

    // ---- LaTeX ----

    /// LaTeX (for `$…$`): `w_{1} i_{1} + …`, `\frac{1}{1+e^{-0.3775}}`.
    pub fn latex(&self, style: &Style) -> String {
        let mut out = String::new();
        self.write_latex(style, &mut out);
        out
    }

    fn latex_child(&self, style: &Style, min: u8, out: &mut String) {
        if self.latex_strength(style) < min {
            out.push_str("\\left(");
            self.write_latex(style, out);
            out.push_str("\\right)");
        } else {
            self.write_latex(style, out);
        }
    }

    fn latex_strength(&self, style: &Style) -> u8 {
        match self {
            Expr::Div(..) if self.shown_number(style).is_none() => ATOM,
            _ => self.strength(style),
        }
    }

    fn write_latex(&self, style: &Style, out: &mut String) {
        if let Some(x) = self.shown_number(style) {
            out.push_str(&latex_number(x, style.digits));
            return;
        }
        match self {
            Expr::Var(id) => out.push_str(&math_name(&(style.name)(*id)).latex()),
            Expr::Name(n) => out.push_str(&math_name(n).latex()),
            Expr::Num(_) | Expr::Int(_) => unreachable!("numbers are written above"),
            Expr::Half => out.push_str("\\tfrac{1}{2}"),
            Expr::Const { symbol, .. } => out.push_str(&greek_latex(symbol)),
            Expr::Partial(a, b) => {
                out.push_str("\\frac{\\partial ");
                a.write_latex(style, out);
                out.push_str("}{\\partial ");
                b.write_latex(style, out);
                out.push('}');
            }
            Expr::Add(terms) => {
                for (k, t) in terms.iter().enumerate() {
                    if k > 0 {
                        out.push_str(" + ");
                    }
                    t.latex_child(style, if k == 0 { NEGATIVE } else { PRODUCT }, out);
                }
            }
            Expr::Sub(a, b) => {
                a.latex_child(style, SUM, out);
                out.push_str(" - ");
                b.latex_child(style, PRODUCT, out);
            }
            Expr::Mul(factors) => {
                let sep = if style.numbers {
                    " \\times "
                } else {
                    " \\cdot "
                };
                for (k, f) in factors.iter().enumerate() {
                    if k > 0 {
                        out.push_str(sep);
                    }
                    f.latex_child(style, PRODUCT + 1, out);
                }
            }
            Expr::Div(a, b) => {
                out.push_str("\\frac{");
                a.write_latex(style, out);
                out.push_str("}{");
                b.write_latex(style, out);
                out.push('}');
            }
            Expr::Neg(a) => {
                out.push('-');
                a.latex_child(style, PRODUCT + 1, out);
            }
            Expr::Call(f, a) => {
                out.push_str(f.latex());
                out.push_str("\\left(");
                a.write_latex(style, out);
                out.push_str("\\right)");
            }
            Expr::Pow(a, b) => {
                out.push('{');
                a.latex_child(style, ATOM, out);
                out.push_str("}^{");
                b.write_latex(style, out);
                out.push('}');
            }
            Expr::Sqrt(a) => {
                out.push_str("\\sqrt{");
                a.write_latex(style, out);
                out.push('}');
            }
            Expr::Exp(a) => {
                out.push_str("e^{");
                a.write_latex(style, out);
                out.push('}');
            }
        }
    }

    // ---- MathML ----

    /// MathML presentation markup (the content of a `<math>` element).
    pub fn mathml(&self, style: &Style) -> String {
        let mut out = String::new();
        self.write_mathml(style, &mut out);
        out
    }

    fn mathml_child(&self, style: &Style, min: u8, out: &mut String) {
        if self.latex_strength(style) < min {
            out.push_str("<mrow><mo>(</mo>");
            self.write_mathml(style, out);
            out.push_str("<mo>)</mo></mrow>");
        } else {
            self.write_mathml(style, out);
        }
    }

    fn write_mathml(&self, style: &Style, out: &mut String) {
        if let Some(x) = self.shown_number(style) {
            out.push_str(&mathml_number(x, style.digits));
            return;
        }
        match self {
            Expr::Var(id) => out.push_str(&math_name(&(style.name)(*id)).mathml()),
            Expr::Name(n) => out.push_str(&math_name(n).mathml()),
            Expr::Num(_) | Expr::Int(_) => unreachable!("numbers are written above"),
            Expr::Half => out.push_str("<mfrac><mn>1</mn><mn>2</mn></mfrac>"),
            Expr::Const { symbol, .. } => out.push_str(&MathName::symbol(symbol).mathml()),
            Expr::Partial(a, b) => {
                out.push_str("<mfrac><mrow><mo>∂</mo>");
                a.write_mathml(style, out);
                out.push_str("</mrow><mrow><mo>∂</mo>");
                b.write_mathml(style, out);
                out.push_str("</mrow></mfrac>");
            }
            Expr::Add(terms) => {
                out.push_str("<mrow>");
                for (k, t) in terms.iter().enumerate() {
                    if k > 0 {
                        out.push_str("<mo>+</mo>");
                    }
                    t.mathml_child(style, if k == 0 { NEGATIVE } else { PRODUCT }, out);
                }
                out.push_str("</mrow>");
            }
            Expr::Sub(a, b) => {
                out.push_str("<mrow>");
                a.mathml_child(style, SUM, out);
                out.push_str("<mo>−</mo>");
                b.mathml_child(style, PRODUCT, out);
                out.push_str("</mrow>");
            }
            Expr::Mul(factors) => {
                let sep = if style.numbers { "×" } else { "·" };
                out.push_str("<mrow>");
                for (k, f) in factors.iter().enumerate() {
                    if k > 0 {
                        out.push_str(&format!("<mo>{sep}</mo>"));
                    }
                    f.mathml_child(style, PRODUCT + 1, out);
                }
                out.push_str("</mrow>");
            }
            Expr::Div(a, b) => {
                out.push_str("<mfrac><mrow>");
                a.write_mathml(style, out);
                out.push_str("</mrow><mrow>");
                b.write_mathml(style, out);
                out.push_str("</mrow></mfrac>");
            }
            Expr::Neg(a) => {
                out.push_str("<mrow><mo>−</mo>");
                a.mathml_child(style, PRODUCT + 1, out);
                out.push_str("</mrow>");
            }
            Expr::Call(f, a) => {
                out.push_str(&format!("<mrow><mi>{}</mi><mo>(</mo>", escape(f.text())));
                a.write_mathml(style, out);
                out.push_str("<mo>)</mo></mrow>");
            }
            Expr::Pow(a, b) => {
                out.push_str("<msup><mrow>");
                a.mathml_child(style, ATOM, out);
                out.push_str("</mrow><mrow>");
                b.write_mathml(style, out);
                out.push_str("</mrow></msup>");
            }
            Expr::Sqrt(a) => {
                out.push_str("<msqrt>");
                a.write_mathml(style, out);
                out.push_str("</msqrt>");
            }
            Expr::Exp(a) => {
                out.push_str("<msup><mi>e</mi><mrow>");
                a.write_mathml(style, out);
                out.push_str("</mrow></msup>");
            }
        }
    }
}

/// A number in LaTeX: `-0.0425710`, `1.5\times10^{-5}`.
pub fn latex_number(x: f64, digits: usize) -> String {
    let s = number(x, digits);
    match s.split_once('e') {
        Some((m, e)) => format!("{m}\\times10^{{{e}}}"),
        None => s,
    }
}

/// A number in MathML.
pub fn mathml_number(x: f64, digits: usize) -> String {
    let s = number(x, digits);
    let (sign, s) = match s.strip_prefix('-') {
        Some(rest) => ("<mo>−</mo>", rest.to_string()),
        None => ("", s),
    };
    let body = match s.split_once('e') {
        Some((m, e)) => format!(
            "<mn>{m}</mn><mo>×</mo><msup><mn>10</mn><mn>{}</mn></msup>",
            e.replace('-', "−")
        ),
        None => format!("<mn>{s}</mn>"),
    };
    if sign.is_empty() {
        body
    } else {
        format!("<mrow>{sign}{body}</mrow>")
    }
}

use super::symbols::{escape, greek_latex};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_six_significant_digits_and_drop_only_true_trailing_zeros() {
        assert_eq!(number(0.15, 6), "0.15");
        assert_eq!(number(0.15 * 0.05 + 0.2 * 0.1 + 0.35, 6), "0.3775");
        assert_eq!(number(1.0 / (1.0 + (-0.3775f64).exp()), 6), "0.593270");
        assert_eq!(number(-0.042571039, 6), "-0.0425710");
        assert_eq!(number(1.5e-5, 6), "1.5e-5");
        assert_eq!(number(1234567.0, 3), "1.23e6");
        assert_eq!(number(0.0, 6), "0");
        assert_eq!(number(-0.9999584, 4), "-1.000");
        assert_eq!(number(0.19996675, 4), "0.2000");
    }
}
