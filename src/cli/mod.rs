//! One file per command.

pub mod check;
pub mod explain;
pub mod gradcheck;
pub mod predict;
pub mod train;
pub mod worked;

/// Formats a number with at least `sig` significant digits, as a plain decimal where sensible.
pub fn num(x: f64, sig: usize) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if (-5..=9).contains(&magnitude) {
        let decimals = (sig as i32 - 1 - magnitude).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.prec$e}", prec = sig - 1)
    }
}
