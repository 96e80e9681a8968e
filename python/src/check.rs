//! `backprop.check(notes, spec=None, ...)`: a learner's notes marked as they wrote them (the
//! library's [`backprop::check`]), as an object Jupyter shows with the notes marked in place.

use crate::errors::{self, OrRaise};
use crate::explain::{framed, lang_of};
use crate::network::{spec_of, PyNetwork};
use backprop::check::{check_notes, render, Options, Report, Setup, MAX_NOTES_BYTES};
use backprop::{Error, Spec};
use pyo3::prelude::*;

/// The marked notes (what `backprop check` reports): every figure with its verdict, the
/// summary, and the setup checked against.
#[pyclass(module = "backprop")]
pub struct CheckResult {
    report: Report,
}

impl CheckResult {
    /// The library's JSON record as Python values (dicts, lists, str, float, int, None).
    fn record<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?
            .call_method1("loads", (render::json(&self.report),))
    }
}

#[pymethods]
impl CheckResult {
    /// Whether every figure is correct.
    #[getter]
    fn all_correct(&self) -> bool {
        self.report.all_correct()
    }

    /// The figures, in the order written: one dict each with the fields of the JSON record
    /// (`line`, `written`, `value`, `named`, `quantity`, `identified_by`, `verdict` = `correct`
    /// / `slip` / `carried` / `misnamed` / `unrecognised`, `slip`, `expected`, `yours`, `from`,
    /// `rounding`, `is`, `wrong_numbers`, `because`).
    #[getter]
    fn claims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.record(py)?.get_item("claims")
    }

    /// The counts of each verdict (`correct`, `slip`, `carried`, `misnamed`, `unrecognised`)
    /// and `text`, the summary in words.
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.record(py)?.get_item("summary")
    }

    /// The setup checked against: `source` (`notes`, `spec` or `worked example`), `summary`,
    /// `read` (each fact the notes state: `line`, `what`, `value`) and `spec` (the setup read
    /// from the notes as spec TOML, or None).
    #[getter]
    fn setup<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.record(py)?.get_item("setup")
    }

    /// The first figure claimed as this quantity (in `explain`'s names, e.g. `s1.z_h1`), or None.
    fn claim<'py>(&self, py: Python<'py>, quantity: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(k) = self
            .report
            .claims
            .iter()
            .position(|c| c.quantity.as_deref() == Some(quantity))
        else {
            return Ok(None);
        };
        Ok(Some(self.claims(py)?.get_item(k)?))
    }

    fn __len__(&self) -> usize {
        self.report.claims.len()
    }

    /// The report as `backprop check` prints it.
    fn __str__(&self) -> String {
        render::text(&self.report)
    }

    fn __repr__(&self) -> String {
        format!("<backprop.CheckResult: {}>", self.report.summary.text)
    }

    /// The notes marked in place (the library's HTML page), in a frame of its own.
    fn _repr_html_(&self) -> String {
        framed(&render::html(&self.report))
    }

    /// The notes marked in place, as one HTML page (`backprop check --format html`).
    fn to_html(&self) -> String {
        render::html(&self.report)
    }

    /// The notes with their marks, as Markdown (`--format markdown`).
    fn to_markdown(&self) -> String {
        render::markdown(&self.report)
    }

    /// The JSON record (`--format json`).
    fn to_json(&self) -> String {
        render::json(&self.report)
    }

    /// The report as text (`--format text`, what `str()` gives).
    fn to_text(&self) -> String {
        render::text(&self.report)
    }
}

/// The notes argument: a `str` holding a line break or `=` is the notes' text; any other `str`
/// or an `os.PathLike` is a path to a notes file.
fn notes_of(obj: &Bound<'_, PyAny>) -> PyResult<(String, String)> {
    if let Ok(text) = obj.extract::<String>() {
        if text.contains('=') || text.contains('\n') {
            return Ok((text, "notes".into()));
        }
    }
    let path: std::path::PathBuf = obj.extract().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(
            "notes: expected the notes' text or a path (str or os.PathLike)",
        )
    })?;
    read_notes(&path).map(|text| (text, path.display().to_string()))
}

/// A notes file as text, read as the CLI reads it: a regular file only (the library's
/// [`backprop::io::read`]), refused when larger than notes may be (before and while reading), or
/// when not UTF-8.
fn read_notes(path: &std::path::Path) -> PyResult<String> {
    use backprop::io::read;
    let file = path.display().to_string();
    let meta = read::regular(path, "a notes file").or_raise()?;
    if meta.len() > MAX_NOTES_BYTES as u64 {
        return Err(errors::from_engine(Error::File {
            file,
            message: format!(
                "{} bytes, more than the {MAX_NOTES_BYTES} a notes file may have",
                meta.len()
            ),
        }));
    }
    let bytes = read::bounded(path, "a notes file", MAX_NOTES_BYTES as u64).or_raise()?;
    String::from_utf8(bytes).map_err(|e| {
        errors::from_engine(Error::File {
            file,
            message: format!(
                "not UTF-8 text (invalid byte at offset {}); expected notes as text",
                e.utf8_error().valid_up_to()
            ),
        })
    })
}

/// Marks a learner's notes as they wrote them: plain text, Markdown or LaTeX, English or
/// Chinese, or one `name = value` per line. `notes` is the text or a path. The setup is the one
/// the notes state (the worked example when they state none), or `spec` (a path, TOML text, or a
/// `Network`), which must fit what the notes state. `sample`: the notes work the step on this
/// sample alone (from 1). `lang`: `"en"` or `"zh"`, the language of the explanations.
#[pyfunction]
#[pyo3(signature = (notes, spec=None, *, sample=None, lang="en"))]
pub fn check(
    notes: &Bound<'_, PyAny>,
    spec: Option<&Bound<'_, PyAny>>,
    sample: Option<usize>,
    lang: &str,
) -> PyResult<CheckResult> {
    let options = Options {
        lang: lang_of(lang)?,
        sample,
    };
    let spec: Option<(Spec, String)> = match spec {
        None => None,
        Some(obj) => Some(match obj.downcast::<PyNetwork>() {
            Ok(net) => {
                let net = net.borrow();
                (net.explain_spec(None, None)?, net.name())
            }
            Err(_) => {
                let (spec, _, name, _) = spec_of(obj)?;
                (spec, name)
            }
        }),
    };
    let setup = match &spec {
        None => Setup::FromNotes,
        Some((spec, name)) => Setup::Spec { spec, name },
    };
    let (text, file) = notes_of(notes)?;
    let report = check_notes(&text, &file, setup, options).or_raise()?;
    Ok(CheckResult { report })
}
