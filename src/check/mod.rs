//! `check`: reads a learner's notes as they wrote them and marks every figure in place.
//!
//! The pipeline, one file each: [`reader`] (text, Markdown, LaTeX, Unicode → plain statements)
//! → [`claim`] (the numbers written as results) → [`identify`] (what quantity each is) →
//! [`verdict`] (correct, slip, carried, misnamed, unrecognised) → [`render`] (text, JSON,
//! Markdown, HTML; English and Chinese). [`setup`] reads the network, parameters, data, loss,
//! activation and learning rate from the notes; [`ledger`] is the strict `name = value` form;
//! [`arith`] evaluates the learner's own formulas of numbers. The truth is the derivation of the
//! step (`crate::derivation`). Nothing here prints.

pub mod arith;
pub mod claim;
pub mod identify;
pub mod ledger;
pub mod reader;
pub mod render;
pub mod setup;
pub mod verdict;

pub use identify::Evidence;
pub use ledger::MAX_NOTES_BYTES;
pub use verdict::{SlipKind, Verdict, WrongNumber};

use crate::derivation::{Derivation, Lang, NodeId};
use crate::error::{Error, Result};
use crate::spec::Spec;
use identify::Named;
use std::collections::HashMap;
use verdict::Given;

/// Where the setup (network, parameters, data, learning rate) comes from.
#[derive(Clone, Copy, Debug)]
pub enum Setup<'a> {
    /// Read from the notes (the worked example when they state none of it).
    FromNotes,
    /// A spec (`name` for messages).
    Spec { spec: &'a Spec, name: &'a str },
    /// A derivation already built.
    Derivation(&'a Derivation),
}

/// How to check.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// The language of the explanations.
    pub lang: Lang,
    /// The step on this sample alone (from 1), as `explain --sample`.
    pub sample: Option<usize>,
}

/// The setup checked against, as a record.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SetupReport {
    /// `notes`, `spec` or `worked example`.
    pub source: String,
    /// One line: `2 inputs, 2-1 sigmoid, half_sse, η = 0.5, 2 samples`.
    pub summary: String,
    /// What the notes state, line by line.
    pub read: Vec<setup::Fact>,
    /// The spec read from the notes (TOML), when they are the source.
    pub spec: Option<String>,
}

/// One figure of the notes and its mark.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Claim {
    /// 1-based.
    pub line: usize,
    /// The number as written.
    pub written: String,
    pub value: f64,
    /// The name as the learner wrote it, when they wrote one.
    pub named: Option<String>,
    /// The quantity, in `explain`'s names.
    pub quantity: Option<String>,
    pub identified_by: Evidence,
    pub verdict: Verdict,
    pub slip: Option<SlipKind>,
    /// The exact value of the quantity.
    pub expected: Option<f64>,
    /// What the learner's own formula or values give.
    pub yours: Option<f64>,
    /// Carried: from these of the learner's values.
    pub from: Vec<String>,
    /// Carried only from values rounded too early.
    pub rounding: bool,
    /// Misnamed: the quantity the value is.
    pub is: Option<String>,
    pub wrong_numbers: Vec<WrongNumber>,
    /// The explanation, in the report's language.
    pub because: String,
    #[serde(skip)]
    pub node: Option<NodeId>,
    #[serde(skip)]
    pub unit: f64,
}

/// The counts of each verdict.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub correct: usize,
    pub slip: usize,
    pub carried: usize,
    pub misnamed: usize,
    pub unrecognised: usize,
    /// `9 correct, 4 slips, 2 carried`.
    pub text: String,
}

/// The marked notes.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    pub file: String,
    pub lang: &'static str,
    pub setup: SetupReport,
    pub claims: Vec<Claim>,
    pub summary: Summary,
    /// The notes' lines as written (for the renderers).
    #[serde(skip)]
    pub lines: Vec<String>,
    #[serde(skip)]
    pub derivation: Derivation,
}

impl Report {
    pub fn all_correct(&self) -> bool {
        self.summary.correct == self.claims.len()
    }
    /// The first claim of this quantity (an `explain` name).
    pub fn claim(&self, quantity: &str) -> Option<&Claim> {
        self.claims
            .iter()
            .find(|c| c.quantity.as_deref() == Some(quantity))
    }
    /// The claims of a line.
    pub fn on_line(&self, line: usize) -> Vec<&Claim> {
        self.claims.iter().filter(|c| c.line == line).collect()
    }
}

/// Checks notes against a derivation already built (default options).
pub fn check_derivation(text: &str, file: &str, d: &Derivation) -> Result<Report> {
    check_notes(text, file, Setup::Derivation(d), Options::default())
}

/// Checks the notes `text` (named `file` in messages).
pub fn check_notes(text: &str, file: &str, setup: Setup, options: Options) -> Result<Report> {
    let bad = |message: String| Error::File {
        file: file.to_string(),
        message,
    };
    if text.len() > MAX_NOTES_BYTES {
        return Err(bad(format!(
            "{} bytes, more than the {MAX_NOTES_BYTES} a notes file may have",
            text.len()
        )));
    }
    if let Some((k, _)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.chars().any(|c| c.is_control() && c != '\t' && c != '\r'))
    {
        return Err(Error::File {
            file: format!("{file}: line {}", k + 1),
            message: "contains control characters; expected notes as text".into(),
        });
    }
    if ledger::is_ledger(text) {
        return check_ledger(text, file, setup, options);
    }
    let lines = reader::read(text);
    let read = setup::read(&lines);
    let (derivation, setup_report) = derive(&read, file, setup, options)?;
    let d = &derivation;
    let written = claim::claims(&lines);
    // Pass 1: what each claim is, in order (the formula's numbers read the learner's values so
    // far).
    let mut given: HashMap<NodeId, Given> = HashMap::new();
    let mut sample: Option<usize> = None;
    let mut prev: Option<NodeId> = None;
    let mut identified: Vec<(claim::Written, Option<String>, Named, Evidence)> = Vec::new();
    let mut line_at = 0;
    for w in written {
        while line_at < lines.len() && lines[line_at].number < w.line {
            if let Some(&k) = identify::samples_mentioned(&lines[line_at].plain).last() {
                sample = Some(k);
            }
            line_at += 1;
        }
        let before = format!("{} {}", w.context, w.label.clone().unwrap_or_default());
        let here = identify::samples_mentioned(&before)
            .last()
            .copied()
            .or(sample);
        let (named, what, by) = identify_one(&w, &before, here, prev, &given, d);
        if let Named::Setup = what {
            continue;
        }
        if let Named::Node(id) = what {
            given.entry(id).or_insert(Given {
                value: w.value,
                unit: w.unit,
                line: w.line,
            });
            prev = Some(id);
        }
        identified.push((w, named, what, by));
    }
    while line_at < lines.len() {
        line_at += 1;
    }
    if identified.is_empty() {
        return Err(bad(format!(
            "no figures found. Looked for results of computations: the last number of a chain \
             `z_h1 = 0.15 × 0.05 + 0.20 × 0.10 + 0.35 = 0.3775`, a number after `→`, `≈`, `is`, \
             `是`, `得` or `为`, or a line `name = value` such as `s1.z_h1 = 0.3775` \
             ({} lines read)",
            lines.len()
        )));
    }
    // Pass 2: the verdicts, in the learner's world of all their values.
    let values: HashMap<NodeId, f64> = given.iter().map(|(&k, g)| (k, g.value)).collect();
    let world = d.graph.evaluate_with(&values);
    let claims = identified
        .into_iter()
        .map(|(w, named, what, by)| mark(w, named, what, by, d, &world, &given, options.lang))
        .collect();
    Ok(finish(
        file,
        text,
        setup_report,
        claims,
        derivation,
        options.lang,
    ))
}

/// The evidence for one claim, strongest first (see [`identify`]).
fn identify_one(
    w: &claim::Written,
    before: &str,
    sample: Option<usize>,
    prev: Option<NodeId>,
    given: &HashMap<NodeId, Given>,
    d: &Derivation,
) -> (Option<String>, Named, Evidence) {
    let mut fallback: Option<(Option<String>, Named)> = None;
    let last_word = |s: &str| s.rsplit(' ').next().map(str::to_string);
    let names: Vec<String> = [w.head.as_deref(), w.label.as_deref()]
        .into_iter()
        .flatten()
        .flat_map(|n| [Some(n.to_string()), last_word(n)])
        .flatten()
        .collect();
    for name in names.iter().map(String::as_str) {
        match identify::resolve(name, sample, d) {
            Named::Unknown => {}
            found @ (Named::Node(_) | Named::Setup) => {
                return (Some(name.to_string()), found, Evidence::Name)
            }
            other => {
                fallback.get_or_insert((Some(name.to_string()), other));
            }
        }
    }
    if identify::says_similarly(before) {
        if let Some(id) = prev.and_then(|p| identify::similar(&d.graph.node(p).name, before, d)) {
            return (None, Named::Node(id), Evidence::Similarly);
        }
    }
    if let Some((named, what)) = fallback {
        return (named, what, Evidence::Name);
    }
    if let Some(id) = identify::by_words(before, sample, d) {
        return (None, Named::Node(id), Evidence::Words);
    }
    let values: HashMap<NodeId, f64> = given.iter().map(|(&k, g)| (k, g.value)).collect();
    let world = d.graph.evaluate_with(&values);
    for step in w.steps.iter().rev() {
        if let Some(a) = arith::evaluate(step) {
            let decimals: Vec<(f64, f64)> = a
                .numbers
                .iter()
                .copied()
                .filter(|&(f, u)| u < 1.0 || f.fract() != 0.0)
                .collect();
            if let Some(id) = identify::by_formula(&decimals, &world, sample, w.value, d) {
                return (None, Named::Node(id), Evidence::Formula);
            }
        }
    }
    (None, Named::Unknown, Evidence::None)
}

#[allow(clippy::too_many_arguments)]
fn mark(
    w: claim::Written,
    named: Option<String>,
    what: Named,
    by: Evidence,
    d: &Derivation,
    world: &[f64],
    given: &HashMap<NodeId, Given>,
    lang: Lang,
) -> Claim {
    let mut c = Claim {
        line: w.line,
        written: w.text.clone(),
        value: w.value,
        named,
        quantity: None,
        identified_by: by,
        verdict: Verdict::Unrecognised,
        slip: None,
        expected: None,
        yours: None,
        from: Vec::new(),
        rounding: false,
        is: None,
        wrong_numbers: Vec::new(),
        because: String::new(),
        node: None,
        unit: w.unit,
    };
    let name = |id: NodeId| d.graph.node(id).name.clone();
    match what {
        Named::Node(id) => {
            let j = verdict::judge(id, w.value, w.unit, &w.steps, d, world, given);
            c.node = Some(id);
            c.quantity = Some(name(id));
            c.expected = Some(d.graph.node(id).value);
            c.verdict = j.verdict;
            c.slip = j.kind;
            c.yours = j.yours;
            c.from = j.from.iter().map(|&s| name(s)).collect();
            c.rounding = j.rounding;
            c.is = j.is.map(name);
            c.wrong_numbers = j.wrong_numbers;
            c.because = render::because(&c, j.formula.as_deref(), d, world, lang);
        }
        Named::Absent(what) => match verdict::misnamed(w.value, w.unit, None, d) {
            Some(other) => {
                c.verdict = Verdict::Misnamed;
                c.is = Some(name(other));
                c.because = render::not_in_step(&what, Some(&name(other)), lang);
            }
            None => c.because = render::not_in_step(&what, None, lang),
        },
        Named::NeedsSample(base) => c.because = render::needs_sample(&base, d, lang),
        Named::Unknown | Named::Setup => c.because = render::unrecognised(lang),
    }
    c
}

/// The `name = value` form, read strictly.
fn check_ledger(text: &str, file: &str, setup: Setup, options: Options) -> Result<Report> {
    let (derivation, setup_report) = match setup {
        Setup::FromNotes => (
            Derivation::from_spec(&Spec::worked_example(), options.sample)?,
            worked_example_report(),
        ),
        Setup::Spec { spec, name } => (
            Derivation::from_spec_in(spec, spec_folder(name), options.sample)
                .map_err(|e| e.in_file(name.to_string()))?,
            spec_report(name),
        ),
        Setup::Derivation(d) => (d.clone(), spec_report("derivation")),
    };
    let d = &derivation;
    let entries = ledger::parse_notes(text, file, d)?;
    let given: HashMap<NodeId, Given> = entries
        .iter()
        .map(|e| {
            (
                e.node,
                Given {
                    value: e.value,
                    unit: e.unit,
                    line: e.line,
                },
            )
        })
        .collect();
    let values: HashMap<NodeId, f64> = given.iter().map(|(&k, g)| (k, g.value)).collect();
    let world = d.graph.evaluate_with(&values);
    let claims = entries
        .into_iter()
        .map(|e| {
            let w = claim::Written {
                line: e.line,
                text: e.text,
                value: e.value,
                unit: e.unit,
                head: Some(e.written.clone()),
                label: None,
                steps: Vec::new(),
                context: String::new(),
            };
            mark(
                w,
                Some(e.written),
                Named::Node(e.node),
                Evidence::Name,
                d,
                &world,
                &given,
                options.lang,
            )
        })
        .collect();
    Ok(finish(
        file,
        text,
        setup_report,
        claims,
        derivation,
        options.lang,
    ))
}

fn worked_example_report() -> SetupReport {
    SetupReport {
        source: "worked example".into(),
        summary: "the worked example (examples/01-worked-example.toml)".into(),
        read: Vec::new(),
        spec: None,
    }
}

fn spec_report(name: &str) -> SetupReport {
    SetupReport {
        source: "spec".into(),
        summary: format!("the spec {name}"),
        read: Vec::new(),
        spec: None,
    }
}

/// The derivation the notes are checked against, and its record.
fn derive(
    read: &setup::SetupRead,
    file: &str,
    setup: Setup,
    options: Options,
) -> Result<(Derivation, SetupReport)> {
    match setup {
        Setup::FromNotes => match &read.spec {
            Ok(toml) => {
                let spec = Spec::parse(toml, &format!("{file} (the setup read from it)"))?;
                let d = Derivation::from_spec(&spec, options.sample)
                    .map_err(|e| e.in_file(file.to_string()))?;
                let summary = render::setup_summary(&spec);
                Ok((
                    d,
                    SetupReport {
                        source: "notes".into(),
                        summary,
                        read: read.facts.clone(),
                        spec: Some(toml.clone()),
                    },
                ))
            }
            Err(_) if read.facts.iter().all(|f| f.number.is_none()) => Ok((
                Derivation::from_spec(&Spec::worked_example(), options.sample)?,
                worked_example_report(),
            )),
            Err(missing) => Err(Error::File {
                file: file.to_string(),
                message: format!(
                    "the notes state part of a setup but not {}; write it in the notes or give --spec SPEC.toml",
                    missing.join("; ")
                ),
            }),
        },
        Setup::Spec { spec, name } => {
            let d = Derivation::from_spec_in(spec, spec_folder(name), options.sample)
                .map_err(|e| e.in_file(name.to_string()))?;
            fits(&d, read, file, name)?;
            let mut report = spec_report(name);
            report.read = read.facts.clone();
            Ok((d, report))
        }
        Setup::Derivation(d) => {
            fits(d, read, file, "the derivation")?;
            Ok((d.clone(), spec_report("derivation")))
        }
    }
}

/// Refuses a spec that does not fit what the notes state (a parameter, an input or a target of
/// another value, or one the spec does not have).
fn fits(d: &Derivation, read: &setup::SetupRead, file: &str, name: &str) -> Result<()> {
    let single =
        d.graph.id("s1.t_o").is_some() || d.graph.nodes().iter().any(|n| n.name.ends_with(".t_o"));
    for f in &read.facts {
        let Some(v) = f.number else { continue };
        let node_name = match f.what.split_once('.') {
            Some((s, q)) if q.starts_with('t') => {
                if single {
                    format!("{s}.t_o")
                } else {
                    format!("{s}.t_o{}", &q[1..])
                }
            }
            Some(_) => f.what.clone(),
            // A parameter: `w5`, `b1`, `b2_1` (not `batch_size`).
            None if f.what.starts_with(['w', 'b'])
                && f.what[1..].starts_with(|c: char| c.is_ascii_digit()) =>
            {
                f.what.clone()
            }
            None => continue,
        };
        let sample_outside =
            Derivation::sample_of(&node_name).is_some_and(|k| !d.samples.contains(&k));
        if sample_outside {
            continue;
        }
        let message = match d.graph.value(&node_name) {
            None => format!(
                "line {}: the notes give {} = {}, which {name} does not have",
                f.line, f.what, f.value
            ),
            Some(x) if (x - v).abs() > f.unit * (1.0 + 1e-9) => format!(
                "line {}: the notes give {node_name} = {}, {name} gives {x}; the spec does not fit the notes",
                f.line, f.value
            ),
            Some(_) => continue,
        };
        return Err(Error::File {
            file: file.to_string(),
            message,
        });
    }
    Ok(())
}

fn finish(
    file: &str,
    text: &str,
    setup: SetupReport,
    claims: Vec<Claim>,
    derivation: Derivation,
    lang: Lang,
) -> Report {
    let mut summary = Summary::default();
    for c in &claims {
        match c.verdict {
            Verdict::Correct => summary.correct += 1,
            Verdict::Slip => summary.slip += 1,
            Verdict::Carried => summary.carried += 1,
            Verdict::Misnamed => summary.misnamed += 1,
            Verdict::Unrecognised => summary.unrecognised += 1,
        }
    }
    summary.text = render::summary(&summary, lang);
    Report {
        file: file.to_string(),
        lang: lang.code(),
        setup,
        claims,
        summary,
        lines: text
            .strip_prefix('\u{feff}')
            .unwrap_or(text)
            .lines()
            .map(str::to_string)
            .collect(),
        derivation,
    }
}

/// The folder a spec's `[data]` paths are relative to: the spec file's.
fn spec_folder(name: &str) -> &std::path::Path {
    std::path::Path::new(name)
        .parent()
        .unwrap_or(std::path::Path::new(""))
}
