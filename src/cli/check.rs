//! `backprop check NOTES [--spec SPEC.toml] [--format text|json|markdown|html] [--lang en|zh]
//! [--emit-spec FILE] [-o FILE]`: marks a learner's notes as they wrote them.

use backprop::check::{check_notes, render, Options, Setup, MAX_NOTES_BYTES};
use backprop::{Error, Result, Spec};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The learner's notes: text, Markdown or LaTeX, English or Chinese; or one `name = value`
    /// per line (names as `explain` prints them).
    notes: PathBuf,
    /// The spec whose first training step the notes work; without one, the setup the notes
    /// state (or, when they state none, the worked example).
    #[arg(long, value_name = "SPEC.toml")]
    spec: Option<PathBuf>,
    /// The notes work the step on this sample alone (numbered from 1).
    #[arg(long, value_name = "N")]
    sample: Option<usize>,
    /// Language of the marks.
    #[arg(long, value_enum, default_value_t = super::explain::LangArg::En)]
    lang: super::explain::LangArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Also write the setup read from the notes as a spec file.
    #[arg(long, value_name = "FILE")]
    emit_spec: Option<PathBuf>,
    /// Write the report to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    Markdown,
    Html,
}

/// Exit status 0 when every figure is right, 1 when some are not (2, via `main`, for bad input).
pub fn run(args: Args) -> Result<ExitCode> {
    let outputs: Vec<(&str, &std::path::Path)> =
        [("--emit-spec", &args.emit_spec), ("--output", &args.output)]
            .into_iter()
            .filter_map(|(flag, p)| p.as_deref().map(|p| (flag, p)))
            .collect();
    let mut inputs = vec![("the notes", args.notes.as_path())];
    if let Some(spec) = &args.spec {
        inputs.push(("the spec", spec.as_path()));
    }
    super::check_outputs(&outputs, &inputs)?;
    let spec = match &args.spec {
        Some(path) => Some(Spec::from_file(path)?),
        None => None,
    };
    let spec_name = args
        .spec
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let setup = match &spec {
        Some(spec) => Setup::Spec {
            spec,
            name: &spec_name,
        },
        None => Setup::FromNotes,
    };
    let text = read_notes(&args.notes)?;
    let file = args.notes.display().to_string();
    let options = Options {
        lang: args.lang.into(),
        sample: args.sample,
    };
    let report = check_notes(&text, &file, setup, options)?;
    if let Some(path) = &args.emit_spec {
        let Some(toml) = &report.setup.spec else {
            return Err(Error::File {
                file,
                message: format!(
                    "--emit-spec {}: the notes state no setup of their own (the setup is {})",
                    path.display(),
                    report.setup.summary
                ),
            });
        };
        backprop::io::atomic::write_atomically(path, toml.as_bytes())?;
    }
    let out = match args.format {
        FormatArg::Text => render::text(&report),
        FormatArg::Json => render::json(&report),
        FormatArg::Markdown => render::markdown(&report),
        FormatArg::Html => render::html(&report),
    };
    match &args.output {
        Some(path) => backprop::io::atomic::write_atomically(path, out.as_bytes())?,
        None => print!("{out}"),
    }
    Ok(if report.all_correct() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The notes as text: refuses a file too large to be notes, or one that is not UTF-8.
fn read_notes(path: &std::path::Path) -> Result<String> {
    let file = path.display().to_string();
    let meta = backprop::io::read::regular(path, "a notes file")?;
    if meta.len() > MAX_NOTES_BYTES as u64 {
        return Err(Error::File {
            file,
            message: format!(
                "{} bytes, more than the {MAX_NOTES_BYTES} a notes file may have",
                meta.len()
            ),
        });
    }
    let bytes = backprop::io::read::bounded(path, "a notes file", MAX_NOTES_BYTES as u64)?;
    String::from_utf8(bytes).map_err(|e| Error::File {
        file,
        message: format!(
            "not UTF-8 text (invalid byte at offset {}); expected notes as text",
            e.utf8_error().valid_up_to()
        ),
    })
}
