//! `backprop` for Python: the engine's [`backprop::Network`] with numpy in and out, training with
//! the GIL released (Ctrl-C stops it after the current step), the written-out step
//! (`explain`) and the notes checker (`check`). The scikit-learn estimators are Python, over
//! this module (`backprop/estimators.py`).
//!
//! Every error crosses into Python as an exception carrying the CLI's message ([`errors`]); a
//! panic in the engine is caught and raised as `backprop.Error`, never unwound into Python.

mod arrays;
mod check;
mod errors;
mod explain;
mod network;
mod released;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<network::PyNetwork>()?;
    m.add_class::<explain::Explanation>()?;
    m.add_class::<check::CheckResult>()?;
    m.add_function(wrap_pyfunction!(network::load, m)?)?;
    m.add_function(wrap_pyfunction!(check::check, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
