//! The arithmetic of a formula as the learner wrote it with numbers: `((1)/(2))(0.01 -
//! 0.75136)^2`, `0.74136 * 0.75136 (1 - 0.75136)`, `((1)/(1+e^(-0.375)))`.
//!
//! Grammar (usual precedence; a product may be implicit, `2(3)`; `^` binds tightest and to the
//! right; brackets `()`, `[]`, `{}`): sum := product (± product)*; product := power ((*|/)? power)*;
//! power := unary (^ power)?; unary := -unary | atom; atom := number | e | (sum) |
//! function(sum). Functions: `exp`, `σ`/`sigmoid`, `tanh`, `ln`/`log`, `sqrt`. Anything else (a
//! name) makes the formula one that is not plain arithmetic (`None`).

/// A formula's numbers, in order, and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Arithmetic {
    /// Each number: value (unsigned, as written), unit of its last digit.
    pub numbers: Vec<(f64, f64)>,
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(usize),
    Op(char),
    Open,
    Close,
    E,
    Func(&'static str),
}

/// A formula's tokens and its numbers (value, unit).
type Tokens = (Vec<Tok>, Vec<(f64, f64)>);

fn tokens(s: &str) -> Option<Tokens> {
    let mut toks = Vec::new();
    let mut nums = Vec::new();
    let mut i = 0;
    let b = s.as_bytes();
    while i < s.len() {
        let c = s[i..].chars().next()?;
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && i + 1 < b.len() && b[i + 1].is_ascii_digit()) {
            let (_, v, u, len) = super::reader::number_at(&s[i..])?;
            toks.push(Tok::Num(nums.len()));
            nums.push((v, u));
            i += len;
            continue;
        }
        match c {
            '+' | '-' | '*' | '/' | '^' => toks.push(Tok::Op(c)),
            '(' | '[' | '{' => toks.push(Tok::Open),
            ')' | ']' | '}' => toks.push(Tok::Close),
            'σ' => toks.push(Tok::Func("sigmoid")),
            _ if c.is_alphabetic() => {
                let word: String = s[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                let f = match word.as_str() {
                    "e" => None,
                    "exp" => Some("exp"),
                    "sigmoid" | "sigma" => Some("sigmoid"),
                    "tanh" => Some("tanh"),
                    "ln" | "log" => Some("ln"),
                    "sqrt" => Some("sqrt"),
                    _ => return None,
                };
                toks.push(f.map_or(Tok::E, Tok::Func));
                i += word.len().max(c.len_utf8());
                continue;
            }
            _ => return None,
        }
        i += c.len_utf8();
    }
    Some((toks, nums))
}

/// The formula's numbers and value, or `None` when it is not plain arithmetic.
pub fn evaluate(s: &str) -> Option<Arithmetic> {
    let (toks, nums) = tokens(s)?;
    if nums.is_empty() {
        return None;
    }
    let values: Vec<f64> = nums.iter().map(|n| n.0).collect();
    let value = value_with(&toks, &values)?;
    value.is_finite().then_some(Arithmetic {
        numbers: nums,
        value,
    })
}

/// The formula's value with its numbers replaced by `values` (for the effect of each number's
/// rounding on the result).
pub fn evaluate_with(s: &str, values: &[f64]) -> Option<f64> {
    let (toks, _) = tokens(s)?;
    value_with(&toks, values)
}

/// How far the rounding of the formula's numbers can move its value: Σ |f(x + uᵢ eᵢ) − f(x)|.
pub fn rounding_spread(s: &str, a: &Arithmetic) -> f64 {
    let base: Vec<f64> = a.numbers.iter().map(|n| n.0).collect();
    (0..base.len())
        .map(|i| {
            let mut v = base.clone();
            v[i] += a.numbers[i].1;
            evaluate_with(s, &v).map_or(0.0, |y| (y - a.value).abs())
        })
        .sum()
}

fn value_with(toks: &[Tok], values: &[f64]) -> Option<f64> {
    let mut p = Parser {
        toks,
        at: 0,
        values,
    };
    let v = p.sum()?;
    (p.at == toks.len()).then_some(v)
}

struct Parser<'a> {
    toks: &'a [Tok],
    at: usize,
    values: &'a [f64],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn sum(&mut self) -> Option<f64> {
        let mut v = self.product()?;
        while let Some(Tok::Op(c @ ('+' | '-'))) = self.peek().cloned() {
            self.at += 1;
            let r = self.product()?;
            v = if c == '+' { v + r } else { v - r };
        }
        Some(v)
    }

    fn product(&mut self) -> Option<f64> {
        let mut v = self.power()?;
        loop {
            match self.peek() {
                Some(Tok::Op(c @ ('*' | '/'))) => {
                    let c = *c;
                    self.at += 1;
                    let r = self.power()?;
                    v = if c == '*' { v * r } else { v / r };
                }
                Some(Tok::Num(_) | Tok::Open | Tok::E | Tok::Func(_)) => v *= self.power()?,
                _ => return Some(v),
            }
        }
    }

    fn power(&mut self) -> Option<f64> {
        let base = self.unary()?;
        if let Some(Tok::Op('^')) = self.peek() {
            self.at += 1;
            let exp = self.power()?;
            return Some(base.powf(exp));
        }
        Some(base)
    }

    fn unary(&mut self) -> Option<f64> {
        match self.peek()? {
            Tok::Op('-') => {
                self.at += 1;
                Some(-self.unary()?)
            }
            Tok::Op('+') => {
                self.at += 1;
                self.unary()
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Option<f64> {
        let t = self.peek()?.clone();
        self.at += 1;
        match t {
            Tok::Num(i) => self.values.get(i).copied(),
            Tok::E => Some(std::f64::consts::E),
            Tok::Open => {
                let v = self.sum()?;
                (self.peek() == Some(&Tok::Close)).then(|| self.at += 1)?;
                Some(v)
            }
            Tok::Func(f) => {
                let x = self.power()?;
                Some(match f {
                    "exp" => x.exp(),
                    "sigmoid" => 1.0 / (1.0 + (-x).exp()),
                    "tanh" => x.tanh(),
                    "ln" => x.ln(),
                    _ => x.sqrt(),
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_learners_arithmetic() {
        // ½(0.01 − 0.75136)² = ½ × 0.74136² = ½ × 0.5496146… = 0.2748073…
        let a = evaluate("((1)/(2))(0.01 - 0.75136)^2").unwrap();
        assert!((a.value - 0.274807_3).abs() < 1e-7, "{}", a.value);
        assert_eq!(a.numbers.len(), 5);
        // 1/(1 + e^−0.375): e^−0.375 = 0.687289…, so 1/1.687289 = 0.592667…
        let a = evaluate("((1)/(1+e^{-0.375}))").unwrap();
        assert!((a.value - 0.592667).abs() < 1e-6, "{}", a.value);
        // 0.74136 × 0.75136 × (1 − 0.75136) = 0.74136 × 0.186818… = 0.138500…
        let a = evaluate("0.74136 * 0.75136 (1 - 0.75136)").unwrap();
        assert!((a.value - 0.1385).abs() < 1e-5, "{}", a.value);
        assert_eq!(evaluate("w_1 * 0.15"), None);
        assert_eq!(evaluate("(0.1 + 0.2"), None);
        // 2^3^2 = 2^9
        assert_eq!(evaluate("2^3^2").unwrap().value, 512.0);
    }
}
