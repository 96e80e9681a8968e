//! The name of a quantity in the derivation, typed: what it is (a parameter, a sample's
//! pre-activation, a gradient, …) rather than a string put together with `format!` and taken
//! apart again. [`Display`] writes the notes' notation (README "Explain and check") and
//! [`FromStr`] reads exactly what it writes:
//!
//! | quantity | written |
//! |---|---|
//! | parameters | `w5`, `b1` (shared by layer 1), `b1_2` (unit 2's own) |
//! | sample n's input, target | `s1.i2`, `s1.t_o` |
//! | sample n's pre-activation, activation, error | `s1.z_h1`, `s1.a_o2`, `s1.E` |
//! | sample n's chain-rule factors and delta | `s1.dE_da_h1`, `s1.da_dz_h1`, `s1.delta_o` |
//! | sample n's dropout mask, masked output and its `∂E/∂ã` | `s1.m_h1`, `s1.am_h1`, `s1.dE_dam_h1` |
//! | the batch error | `E_total` |
//! | a parameter's gradient, updated value, optimizer state | `grad.w5`, `new.b1`, `v.w5`, `m.w5` |
//!
//! Units are `i1, i2, …` (inputs), `h1, …` (the one hidden layer), `h2_3` (unit 3 of hidden
//! layer 2 of several) and `o` or `o1, o2, …` (the output layer).

use crate::engine::network::{BiasKind, Layer};
use std::fmt;
use std::str::FromStr;

/// A unit of a layer, as named in the notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    /// `h{unit}` (`layer: None`, the network's one hidden layer) or `h{layer}_{unit}`.
    Hidden { layer: Option<usize>, unit: usize },
    /// `o` (`None`, a single output) or `o{unit}`.
    Output(Option<usize>),
}

/// A parameter, as named in the notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Param {
    /// `w{n}`: weights numbered from 1 through the whole network.
    Weight(usize),
    /// `b{layer}` (`unit: None`, shared by the layer) or `b{layer}_{unit}`.
    Bias { layer: usize, unit: Option<usize> },
}

/// A quantity of one sample's pass (the part after `s{n}.`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quantity {
    /// `i{k}`: input k (from 1).
    Input(usize),
    /// `t_{unit}`: the target of an output unit.
    Target(Unit),
    /// `z_{unit}`: the weighted sum.
    Z(Unit),
    /// `a_{unit}`: the activation.
    A(Unit),
    /// `E`: the sample's error.
    Error,
    /// `dE_da_{unit}`: `∂E/∂a`.
    DErrorDa(Unit),
    /// `da_dz_{unit}`: `∂a/∂z`.
    DaDz(Unit),
    /// `delta_{unit}`: `δ = ∂E/∂z`.
    Delta(Unit),
    /// `m_{unit}`: the unit's dropout mask in this step, 1 (kept) or 0 (dropped).
    Mask(Unit),
    /// `am_{unit}`: the output after dropout, `ã = m·a/(1 − p)`, what the layer above reads.
    Masked(Unit),
    /// `dE_dam_{unit}`: `∂E/∂ã`.
    DErrorDMasked(Unit),
}

/// What a parameter-derived name prefixes: `grad.`, `decayed.`, `new.`, `v.`, `m.`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Derived {
    /// `grad.`: `∂E_total/∂p`.
    Grad,
    /// `decayed.`: the gradient with coupled weight decay, `∂E_total/∂p + λ·p`.
    Decayed,
    /// `new.`: the updated value.
    New,
    /// `v.`: momentum's velocity or Adam's second moment.
    Velocity,
    /// `m.`: Adam's first moment.
    Moment,
}

/// The name of any node of a derivation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeName {
    /// A given parameter.
    Param(Param),
    /// A quantity of sample `n` (from 1).
    Sample(usize, Quantity),
    /// `E_total`, the batch error.
    Total,
    /// A parameter's gradient, updated value or optimizer state.
    Of(Derived, Param),
}

/// The error of a name that is none of the notation's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadName(pub String);

impl fmt::Display for BadName {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "`{}` is not a name of the notation", self.0)
    }
}

impl std::error::Error for BadName {}

impl Unit {
    /// Unit `j` (0-based) of layer `l` (0-based) in a network of these layers.
    pub fn of(layers: &[Layer], l: usize, j: usize) -> Unit {
        let last = layers.len() - 1;
        if l == last {
            Unit::Output((layers[l].units > 1).then_some(j + 1))
        } else {
            Unit::Hidden {
                layer: (last > 1).then_some(l + 1),
                unit: j + 1,
            }
        }
    }
}

impl Param {
    /// The weight from input `i` to unit `j` of layer `l` (all 0-based).
    pub fn weight(layers: &[Layer], l: usize, j: usize, i: usize) -> Param {
        let before: usize = layers[..l].iter().map(|x| x.units * x.inputs).sum();
        Param::Weight(before + j * layers[l].inputs + i + 1)
    }

    /// The bias of unit `j` (0-based) of layer `l` (0-based).
    pub fn bias(layers: &[Layer], l: usize, j: usize) -> Param {
        Param::Bias {
            layer: l + 1,
            unit: (layers[l].bias == BiasKind::PerUnit).then_some(j + 1),
        }
    }
}

impl NodeName {
    /// The sample a name belongs to (`s2.z_h1` → 2), if any.
    pub fn sample(&self) -> Option<usize> {
        match self {
            NodeName::Sample(n, _) => Some(*n),
            _ => None,
        }
    }

    /// The name as written inside its own sample's part of the step (`s1.z_h1` → `z_h1`).
    pub fn within_sample(&self) -> String {
        match self {
            NodeName::Sample(_, q) => q.to_string(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Unit::Hidden { layer: None, unit } => write!(f, "h{unit}"),
            Unit::Hidden {
                layer: Some(l),
                unit,
            } => write!(f, "h{l}_{unit}"),
            Unit::Output(None) => f.write_str("o"),
            Unit::Output(Some(j)) => write!(f, "o{j}"),
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Param::Weight(n) => write!(f, "w{n}"),
            Param::Bias { layer, unit: None } => write!(f, "b{layer}"),
            Param::Bias {
                layer,
                unit: Some(j),
            } => write!(f, "b{layer}_{j}"),
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Quantity::Input(k) => write!(f, "i{k}"),
            Quantity::Target(u) => write!(f, "t_{u}"),
            Quantity::Z(u) => write!(f, "z_{u}"),
            Quantity::A(u) => write!(f, "a_{u}"),
            Quantity::Error => f.write_str("E"),
            Quantity::DErrorDa(u) => write!(f, "dE_da_{u}"),
            Quantity::DaDz(u) => write!(f, "da_dz_{u}"),
            Quantity::Delta(u) => write!(f, "delta_{u}"),
            Quantity::Mask(u) => write!(f, "m_{u}"),
            Quantity::Masked(u) => write!(f, "am_{u}"),
            Quantity::DErrorDMasked(u) => write!(f, "dE_dam_{u}"),
        }
    }
}

impl Derived {
    fn prefix(self) -> &'static str {
        match self {
            Derived::Grad => "grad",
            Derived::Decayed => "decayed",
            Derived::New => "new",
            Derived::Velocity => "v",
            Derived::Moment => "m",
        }
    }
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            NodeName::Param(p) => p.fmt(f),
            NodeName::Sample(n, q) => write!(f, "s{n}.{q}"),
            NodeName::Total => f.write_str("E_total"),
            NodeName::Of(d, p) => write!(f, "{}.{p}", d.prefix()),
        }
    }
}

/// A positive number written without leading zeros (so that reading and writing agree).
fn index(s: &str) -> Option<usize> {
    if s.is_empty() || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl FromStr for Unit {
    type Err = BadName;
    fn from_str(s: &str) -> Result<Unit, BadName> {
        let bad = || BadName(s.to_string());
        if s == "o" {
            return Ok(Unit::Output(None));
        }
        if let Some(j) = s.strip_prefix('o') {
            return index(j).map(|j| Unit::Output(Some(j))).ok_or_else(bad);
        }
        let rest = s.strip_prefix('h').ok_or_else(bad)?;
        let (layer, unit) = match rest.split_once('_') {
            Some((l, j)) => (Some(index(l).ok_or_else(bad)?), j),
            None => (None, rest),
        };
        let unit = index(unit).ok_or_else(bad)?;
        Ok(Unit::Hidden { layer, unit })
    }
}

impl FromStr for Param {
    type Err = BadName;
    fn from_str(s: &str) -> Result<Param, BadName> {
        let bad = || BadName(s.to_string());
        if let Some(n) = s.strip_prefix('w') {
            return index(n).map(Param::Weight).ok_or_else(bad);
        }
        let rest = s.strip_prefix('b').ok_or_else(bad)?;
        let (layer, unit) = match rest.split_once('_') {
            Some((l, j)) => (l, Some(index(j).ok_or_else(bad)?)),
            None => (rest, None),
        };
        let layer = index(layer).ok_or_else(bad)?;
        Ok(Param::Bias { layer, unit })
    }
}

impl FromStr for Quantity {
    type Err = BadName;
    fn from_str(s: &str) -> Result<Quantity, BadName> {
        let bad = || BadName(s.to_string());
        if s == "E" {
            return Ok(Quantity::Error);
        }
        type OfUnit = fn(Unit) -> Quantity;
        let of_unit: [(&str, OfUnit); 9] = [
            ("t_", Quantity::Target),
            ("z_", Quantity::Z),
            ("a_", Quantity::A),
            ("dE_da_", Quantity::DErrorDa),
            ("da_dz_", Quantity::DaDz),
            ("delta_", Quantity::Delta),
            ("m_", Quantity::Mask),
            ("am_", Quantity::Masked),
            ("dE_dam_", Quantity::DErrorDMasked),
        ];
        for (prefix, make) in of_unit {
            if let Some(unit) = s.strip_prefix(prefix) {
                return unit.parse().map(make).map_err(|_| bad());
            }
        }
        let k = s.strip_prefix('i').and_then(index).ok_or_else(bad)?;
        Ok(Quantity::Input(k))
    }
}

impl FromStr for NodeName {
    type Err = BadName;
    fn from_str(s: &str) -> Result<NodeName, BadName> {
        let bad = || BadName(s.to_string());
        if s == "E_total" {
            return Ok(NodeName::Total);
        }
        let Some((prefix, rest)) = s.split_once('.') else {
            return s.parse().map(NodeName::Param).map_err(|_| bad());
        };
        let derived = match prefix {
            "grad" => Derived::Grad,
            "decayed" => Derived::Decayed,
            "new" => Derived::New,
            "v" => Derived::Velocity,
            "m" => Derived::Moment,
            _ => {
                let n = prefix.strip_prefix('s').and_then(index).ok_or_else(bad)?;
                return rest
                    .parse()
                    .map(|q| NodeName::Sample(n, q))
                    .map_err(|_| bad());
            }
        };
        rest.parse()
            .map(|p| NodeName::Of(derived, p))
            .map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notes_names_are_read_as_what_they_name() {
        let h1 = Unit::Hidden {
            layer: None,
            unit: 1,
        };
        let cases = [
            ("w5", NodeName::Param(Param::Weight(5))),
            (
                "b1_2",
                NodeName::Param(Param::Bias {
                    layer: 1,
                    unit: Some(2),
                }),
            ),
            ("s1.z_h1", NodeName::Sample(1, Quantity::Z(h1))),
            (
                "s12.a_o",
                NodeName::Sample(12, Quantity::A(Unit::Output(None))),
            ),
            (
                "s2.delta_h2_3",
                NodeName::Sample(
                    2,
                    Quantity::Delta(Unit::Hidden {
                        layer: Some(2),
                        unit: 3,
                    }),
                ),
            ),
            ("s1.E", NodeName::Sample(1, Quantity::Error)),
            ("s3.i10", NodeName::Sample(3, Quantity::Input(10))),
            ("E_total", NodeName::Total),
            (
                "new.b1",
                NodeName::Of(
                    Derived::New,
                    Param::Bias {
                        layer: 1,
                        unit: None,
                    },
                ),
            ),
            ("m.w12", NodeName::Of(Derived::Moment, Param::Weight(12))),
            (
                "s1.m_h2",
                NodeName::Sample(
                    1,
                    Quantity::Mask(Unit::Hidden {
                        layer: None,
                        unit: 2,
                    }),
                ),
            ),
            ("s2.am_h1", NodeName::Sample(2, Quantity::Masked(h1))),
            (
                "s3.dE_dam_h1",
                NodeName::Sample(3, Quantity::DErrorDMasked(h1)),
            ),
        ];
        for (text, name) in cases {
            assert_eq!(text.parse::<NodeName>(), Ok(name), "{text}");
            assert_eq!(name.to_string(), text);
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "", "w", "w0", "w05", "x1", "s0.E", "s1.", "s1.q_h1", "s1.z_", "s1.z_h", "grad.",
            "grad.h1", "new.s1", "h1", "b", "b1_", "s1.z_h1_", "E_tot", "s1.i0", "t.w1",
        ] {
            assert!(bad.parse::<NodeName>().is_err(), "{bad:?} was read");
        }
    }
}
