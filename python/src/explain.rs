//! `Network.explain(...)` and `backprop.check(...)`: the written-out step and the marked notes,
//! as objects Jupyter shows (`_repr_html_`, `_repr_markdown_`).

use crate::arrays::{self, Shape};
use crate::errors::{self, OrRaise};
use crate::network::{spec_of, PyNetwork};
use backprop::derivation::check::{check_notes, learner_world, Verdict, MAX_NOTES_BYTES};
use backprop::derivation::{render, Derivation, Format, Lang, RenderOptions};
use backprop::{Error, Spec};
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn lang_of(lang: &str) -> PyResult<Lang> {
    match lang {
        "en" => Ok(Lang::En),
        "zh" => Ok(Lang::Zh),
        other => Err(errors::input(format!(
            "lang is \"{other}\", expected \"en\" or \"zh\""
        ))),
    }
}

/// Samples as a spec's inline `[data]` holds them: input rows and target rows.
pub type InlineRows = (Vec<Vec<f64>>, Vec<Vec<f64>>);

/// `X`, `y` as f64 rows for a spec's inline `[data]`, when given.
pub fn inline_rows(
    x: Option<&Bound<'_, PyAny>>,
    y: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<InlineRows>> {
    let (x, y) = match (x, y) {
        (None, None) => return Ok(None),
        (Some(x), Some(y)) => (x, y),
        _ => return Err(errors::input("give both X and y, or neither")),
    };
    let x = arrays::rows::<f64>(x, "X", Shape::Matrix)?;
    let y = arrays::rows::<f64>(y, "y", Shape::MatrixOrColumn)?;
    let split = |v: &[f64], cols: usize| v.chunks(cols).map(<[f64]>::to_vec).collect();
    Ok(Some((split(x.values(), x.cols), split(y.values(), y.cols))))
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One training step written out in full (what `backprop explain` prints).
#[pyclass(module = "backprop")]
pub struct Explanation {
    derivation: Derivation,
    options: RenderOptions,
}

impl Explanation {
    pub fn new(
        spec: &Spec,
        name: &str,
        sample: Option<usize>,
        lang: &str,
        digits: usize,
    ) -> PyResult<Self> {
        if !(1..=17).contains(&digits) {
            return Err(errors::input(format!(
                "digits is {digits}, expected 1 to 17 significant digits"
            )));
        }
        let options = RenderOptions {
            lang: lang_of(lang)?,
            digits,
        };
        let derivation = Derivation::from_spec(spec, sample)
            .map_err(|e| e.in_file(name))
            .or_raise()?;
        Ok(Explanation {
            derivation,
            options,
        })
    }

    fn render(&self, format: Format) -> String {
        render(&self.derivation, format, self.options)
    }
}

#[pymethods]
impl Explanation {
    /// The step as plain text.
    fn __str__(&self) -> String {
        self.render(Format::Text)
    }

    fn __repr__(&self) -> String {
        format!(
            "<backprop.Explanation of {} quantities>",
            self.derivation.graph.len()
        )
    }

    /// The step as Markdown (Jupyter shows it when HTML is not wanted).
    fn _repr_markdown_(&self) -> String {
        self.render(Format::Markdown)
    }

    /// The derivation page (drawing and MathML), in a frame of its own so that its style stays
    /// inside it.
    fn _repr_html_(&self) -> String {
        format!(
            "<iframe srcdoc=\"{}\" style=\"width: 100%; height: 640px; border: 1px solid #ddd; resize: vertical;\"></iframe>",
            escape(&self.render(Format::Html))
        )
    }

    /// The whole derivation page (as `backprop explain --format html` writes it).
    fn to_html(&self) -> String {
        self.render(Format::Html)
    }

    /// The step as Markdown.
    fn to_markdown(&self) -> String {
        self.render(Format::Markdown)
    }

    /// The step as JSON text (as `backprop explain --format json` writes it).
    fn to_json(&self) -> String {
        self.render(Format::Json)
    }

    /// The step as text.
    fn to_text(&self) -> String {
        self.render(Format::Text)
    }

    /// The computation graph in Graphviz's DOT.
    fn to_dot(&self) -> String {
        self.render(Format::Dot)
    }
}

/// One marked line of a learner's notes.
#[derive(Clone)]
struct MarkRow {
    line: usize,
    name: String,
    written: String,
    value: f64,
    exact: f64,
    yours: Option<f64>,
    verdict: &'static str,
    from: Vec<String>,
    description: String,
}

/// The verdicts on a learner's notes (what `backprop check` prints), with the notes marked in
/// place as HTML.
#[pyclass(module = "backprop")]
pub struct CheckResult {
    marks: Vec<MarkRow>,
    notes: String,
    #[pyo3(get)]
    summary: String,
    #[pyo3(get)]
    correct: usize,
    #[pyo3(get)]
    slips: usize,
    #[pyo3(get)]
    carried: usize,
}

#[pymethods]
impl CheckResult {
    /// Whether every value is right.
    #[getter]
    fn all_correct(&self) -> bool {
        self.correct == self.marks.len()
    }

    /// The marks: one dict per checked line (`line`, `name`, `written`, `value`, `exact`,
    /// `yours`, `verdict` = `correct` / `slip` / `carried`, `from`, `description`).
    #[getter]
    fn marks<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.marks
            .iter()
            .map(|m| {
                let d = PyDict::new(py);
                d.set_item("line", m.line)?;
                d.set_item("name", &m.name)?;
                d.set_item("written", &m.written)?;
                d.set_item("value", m.value)?;
                d.set_item("exact", m.exact)?;
                d.set_item("yours", m.yours)?;
                d.set_item("verdict", m.verdict)?;
                d.set_item("from", m.from.clone())?;
                d.set_item("description", &m.description)?;
                Ok(d)
            })
            .collect()
    }

    fn __len__(&self) -> usize {
        self.marks.len()
    }

    /// The marks and the summary, as `backprop check` prints them.
    fn __str__(&self) -> String {
        let mut out = String::new();
        for m in &self.marks {
            out.push_str(&m.description);
            out.push('\n');
        }
        out.push_str(&self.summary);
        out
    }

    fn __repr__(&self) -> String {
        format!("<backprop.CheckResult: {}>", self.summary)
    }

    /// The notes, line by line, each checked line marked in place (green correct, red slip,
    /// amber carried) with its verdict beside it.
    fn _repr_html_(&self) -> String {
        let mut out = String::from(
            "<div class=\"backprop-check\"><table style=\"border-collapse: collapse; font-family: ui-monospace, monospace;\">\n",
        );
        for (k, line) in self.notes.lines().enumerate() {
            let mark = self.marks.iter().find(|m| m.line == k + 1);
            let (colour, verdict) = match mark.map(|m| m.verdict) {
                Some("correct") => ("#e6f4ea", "✓"),
                Some("slip") => ("#fce8e6", "✗"),
                Some(_) => ("#fef7e0", "→"),
                None => ("transparent", ""),
            };
            out.push_str(&format!(
                "<tr style=\"background: {colour};\"><td style=\"color: #888; padding: 0 0.6em; text-align: right;\">{}</td><td style=\"padding: 0 0.6em; white-space: pre;\">{}</td><td style=\"padding: 0 0.4em;\">{verdict}</td><td style=\"padding: 0 0.6em; font-family: system-ui, sans-serif;\">{}</td></tr>\n",
                k + 1,
                escape(line),
                escape(mark.map_or("", |m| m.description.as_str())),
            ));
        }
        out.push_str(&format!(
            "</table><p><b>{}</b></p></div>",
            escape(&self.summary)
        ));
        out
    }
}

/// The notes argument: text (holding `=` or a line break), or a path to a notes file.
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
    let file = path.display().to_string();
    let meta = std::fs::metadata(&path)
        .map_err(|e| Error::io(&path, e))
        .or_raise()?;
    if meta.is_dir() || meta.len() > MAX_NOTES_BYTES as u64 {
        let message = if meta.is_dir() {
            "is a directory, expected a notes file".to_string()
        } else {
            format!(
                "{} bytes, more than the {MAX_NOTES_BYTES} a notes file may have (one `name = value` per line)",
                meta.len()
            )
        };
        return Err(errors::from_engine(Error::File { file, message }));
    }
    let bytes = std::fs::read(&path)
        .map_err(|e| Error::io(&path, e))
        .or_raise()?;
    let text = String::from_utf8(bytes).map_err(|e| {
        errors::from_engine(Error::File {
            file: file.clone(),
            message: format!(
                "not UTF-8 text (invalid byte at offset {}); expected `name = value` lines",
                e.utf8_error().valid_up_to()
            ),
        })
    })?;
    Ok((text, file))
}

/// Marks a learner's hand calculation (`name = value` lines, names as `explain` writes them)
/// against the first training step of `spec` (a path, TOML text, or a `Network`; default: the
/// worked example). Returns the verdicts; in Jupyter, the notes marked in place.
#[pyfunction]
#[pyo3(signature = (notes, spec=None, *, sample=None, lang="en"))]
pub fn check(
    notes: &Bound<'_, PyAny>,
    spec: Option<&Bound<'_, PyAny>>,
    sample: Option<usize>,
    lang: &str,
) -> PyResult<CheckResult> {
    let lang = lang_of(lang)?;
    let (spec, name) = match spec {
        None => (Spec::worked_example(), "worked example".to_string()),
        Some(obj) => match obj.downcast::<PyNetwork>() {
            Ok(net) => {
                let net = net.borrow();
                (net.explain_spec(None, None)?, net.name())
            }
            Err(_) => {
                let (spec, _, name, _) = spec_of(obj)?;
                (spec, name)
            }
        },
    };
    let derivation = Derivation::from_spec(&spec, sample)
        .map_err(|e| e.in_file(&name))
        .or_raise()?;
    let (text, file) = notes_of(notes)?;
    let report = check_notes(&text, &file, &derivation).or_raise()?;
    let world = learner_world(&derivation, &report);
    let marks = report
        .marks
        .iter()
        .map(|m| {
            let (verdict, from) = match &m.verdict {
                Verdict::Correct => ("correct", Vec::new()),
                Verdict::Slip => ("slip", Vec::new()),
                Verdict::Carried { from, .. } => ("carried", from.clone()),
            };
            MarkRow {
                line: m.entry.line,
                name: m.entry.written.clone(),
                written: m.entry.text.clone(),
                value: m.entry.value,
                exact: m.exact,
                yours: m.yours,
                verdict,
                from,
                description: m.describe_in(&derivation, &world, lang),
            }
        })
        .collect();
    Ok(CheckResult {
        marks,
        notes: text,
        summary: report.summary_in(lang),
        correct: report.correct(),
        slips: report.slips(),
        carried: report.carried(),
    })
}
