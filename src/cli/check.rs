//! `backprop check NOTES [--spec SPEC.toml]`: marks a learner's hand calculation.

use backprop::derivation::check::{check_notes, learner_world, MAX_NOTES_BYTES};
use backprop::derivation::Derivation;
use backprop::{Error, Result, Spec};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The learner's notes: one `name = value` per line (names as `explain` prints them).
    notes: PathBuf,
    /// The spec whose first training step the notes work; without one, the worked example.
    #[arg(long, value_name = "SPEC.toml")]
    spec: Option<PathBuf>,
    /// The notes work the step on this sample alone (numbered from 1).
    #[arg(long, value_name = "N")]
    sample: Option<usize>,
    /// Language of the marks.
    #[arg(long, value_enum, default_value_t = super::explain::LangArg::En)]
    lang: super::explain::LangArg,
}

/// Exit status 0 when every value is right, 1 when some are wrong (2, via `main`, for bad input).
pub fn run(args: Args) -> Result<ExitCode> {
    let spec = match &args.spec {
        Some(path) => Spec::from_file(path)?,
        None => Spec::worked_example(),
    };
    let spec_name = args
        .spec
        .as_ref()
        .map_or("worked example".to_string(), |p| p.display().to_string());
    let derivation = Derivation::from_spec(&spec, args.sample).map_err(|e| e.in_file(spec_name))?;
    let text = read_notes(&args.notes)?;
    let file = args.notes.display().to_string();
    let report = check_notes(&text, &file, &derivation)?;
    let world = learner_world(&derivation, &report);
    let lang = args.lang.into();
    for mark in &report.marks {
        println!("{}", mark.describe_in(&derivation, &world, lang));
    }
    println!("{}", report.summary_in(lang));
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
                "{} bytes, more than the {MAX_NOTES_BYTES} a notes file may have (one `name = value` per line)",
                meta.len()
            ),
        });
    }
    let bytes = backprop::io::read::bounded(path, "a notes file", MAX_NOTES_BYTES as u64)?;
    String::from_utf8(bytes).map_err(|e| Error::File {
        file,
        message: format!(
            "not UTF-8 text (invalid byte at offset {}); expected `name = value` lines",
            e.utf8_error().valid_up_to()
        ),
    })
}
