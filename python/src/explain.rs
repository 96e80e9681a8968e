//! `Network.explain(...)`: the written-out step, as an object Jupyter shows (`_repr_html_`,
//! `_repr_markdown_`).

use crate::arrays::{self, Shape};
use crate::errors::{self, OrRaise};
use backprop::derivation::{render, Derivation, Format, Lang, RenderOptions};
use backprop::Spec;
use pyo3::prelude::*;

pub fn lang_of(lang: &str) -> PyResult<Lang> {
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
pub fn escape(text: &str) -> String {
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

/// A whole HTML page in a frame of its own (`srcdoc`), so that its style stays inside it.
pub fn framed(page: &str) -> String {
    format!(
        "<iframe srcdoc=\"{}\" style=\"width: 100%; height: 640px; border: 1px solid #ddd; resize: vertical;\"></iframe>",
        escape(page)
    )
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
        framed(&self.render(Format::Html))
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
