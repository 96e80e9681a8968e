//! `backprop explain [SPEC.toml]`: one training step written out in full.

use backprop::derivation::{render, Derivation, Format, Lang, RenderOptions};
use backprop::io::atomic::write_atomically;
use backprop::{Result, Spec};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The spec file (network, optimizer and [data]); without one, the worked example.
    spec: Option<PathBuf>,
    /// Language of the prose (formulas are the same).
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Work the step on this training sample alone (numbered from 1), instead of the first batch.
    #[arg(long, value_name = "N")]
    sample: Option<usize>,
    /// Significant digits of the numbers shown.
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
    digits: u8,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LangArg {
    En,
    Zh,
}

impl From<LangArg> for Lang {
    fn from(lang: LangArg) -> Lang {
        match lang {
            LangArg::En => Lang::En,
            LangArg::Zh => Lang::Zh,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Text,
    Markdown,
    Json,
    Html,
    Dot,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if let Some(path) = &args.output {
        let spec: Vec<(&str, &std::path::Path)> = args
            .spec
            .iter()
            .map(|s| ("the spec", s.as_path()))
            .collect();
        super::check_outputs(&[("-o", path)], &spec)?;
    }
    let spec = match &args.spec {
        Some(path) => Spec::from_file(path)?,
        None => Spec::worked_example(),
    };
    let file = args
        .spec
        .as_ref()
        .map_or("worked example".to_string(), |p| p.display().to_string());
    let base = args
        .spec
        .as_ref()
        .and_then(|p| p.parent())
        .unwrap_or(Path::new(""));
    let derivation =
        Derivation::from_spec_in(&spec, base, args.sample).map_err(|e| e.in_file(file))?;
    let options = RenderOptions {
        lang: args.lang.into(),
        digits: args.digits as usize,
    };
    let format = match args.format {
        FormatArg::Text => Format::Text,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Json => Format::Json,
        FormatArg::Html => Format::Html,
        FormatArg::Dot => Format::Dot,
    };
    let mut out = render(&derivation, format, options);
    // Rows read from a file are named in text and Markdown (a line of its own above the step),
    // and on standard error for the other formats, which have no place for it.
    if derivation.data.source.is_some() {
        let line = derivation.data.describe();
        match format {
            Format::Text | Format::Markdown => out = format!("{line}\n\n{out}"),
            _ => eprintln!("{line}"),
        }
    }
    match &args.output {
        Some(path) => write_atomically(path, out.as_bytes())?,
        None => print!("{out}"),
    }
    Ok(ExitCode::SUCCESS)
}
