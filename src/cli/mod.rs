//! One file per command.

pub mod check;
pub mod evaluate;
pub mod explain;
pub mod export;
pub mod gradcheck;
pub mod interrupt;
pub mod log;
pub mod plot;
pub mod predict;
pub mod progress;
pub mod report;
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

/// Checks, before any work is done, that an output file can be written where the user asked:
/// its folder exists and the path is not itself a folder. (`--save` after an hour of training
/// must not fail on a typo in the folder name.)
pub fn check_output(flag: &str, path: &std::path::Path) -> backprop::Result<()> {
    let folder = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    if !folder.is_dir() {
        return backprop::config_err!(
            "{flag} {}: the folder {} does not exist",
            path.display(),
            folder.display()
        );
    }
    if path.is_dir() {
        return backprop::config_err!(
            "{flag} {}: is a folder, expected a file name",
            path.display()
        );
    }
    Ok(())
}
