//! One file per command.

pub mod check;
pub mod evaluate;
pub mod explain;
pub mod export;
pub mod gradcheck;
pub mod group;
pub mod interrupt;
pub mod log;
pub mod message;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod plot;
pub mod predict;
pub mod progress;
pub mod report;
pub mod say;
pub mod serve;
pub mod thin;
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

/// Checks, before any work is done, that an output file can be written where the user asked
/// (see `backprop::io::output`): its folder exists, and it is absent or a regular file, not one
/// of the command's `inputs`. (`--save` after an hour of training must not fail on a typo in
/// the folder name, nor overwrite the data.)
pub fn check_outputs(
    outputs: &[(&str, &std::path::Path)],
    inputs: &[(&str, &std::path::Path)],
) -> backprop::Result<()> {
    backprop::io::output::check_all(outputs, inputs)
}

/// `1 sample`, `2 samples`.
pub fn count(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
