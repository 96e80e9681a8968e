//! The derivation as plain text for a terminal: one quantity per line,
//! `name = formula = numbers = value`, the names and formulas aligned within each part.

use super::build::{Derivation, Line, Part};
use super::i18n::{self, Word};
use super::{write_expr, write_node, RenderOptions, Writer, Written};

/// Formulas wider than this are not padded (so one long line does not push the others away).
const ALIGN_LIMIT: usize = 40;

pub fn render(d: &Derivation, options: RenderOptions) -> String {
    let lang = options.lang;
    let mut out = String::new();
    let title = i18n::word(lang, Word::Title);
    out.push_str(&format!("{title}\n{}\n", underline(title, '=')));
    for line in i18n::summary(lang, d) {
        out.push_str(&format!("  {line}\n"));
    }
    for section in &d.sections {
        let heading = i18n::heading(lang, section.part, d);
        out.push_str(&format!("\n{heading}\n{}\n", underline(&heading, '-')));
        let mut sample = match section.part {
            Part::Forward { sample } => Some(sample),
            _ => None,
        };
        // Write every line first, then align the columns of the quantities.
        let mut rows: Vec<Row> = Vec::new();
        for line in &section.lines {
            match line {
                Line::Node(id) => {
                    let own = d.graph.node(*id).key.sample();
                    let context = if own.is_some() { sample } else { None };
                    rows.push(Row::Quantity(write_node(
                        d,
                        *id,
                        context,
                        options.digits,
                        Writer::Text,
                    )));
                }
                Line::Sample(s) => {
                    sample = Some(*s);
                    rows.push(Row::Prose(format!(
                        "{}{}",
                        i18n::sample(lang, *s),
                        i18n::colon(lang)
                    )));
                }
                Line::Note(super::Note::ChainRule(chain)) => {
                    let eq: Vec<String> = chain
                        .iter()
                        .map(|e| write_expr(e, options.digits, Writer::Text))
                        .collect();
                    rows.push(Row::Prose(format!(
                        "{}{} {}",
                        i18n::word(lang, Word::ChainRule),
                        i18n::colon(lang),
                        eq.join(" = ")
                    )));
                }
                Line::Note(note) => rows.push(Row::Prose(i18n::note(lang, note))),
            }
        }
        let quantities = || {
            rows.iter().filter_map(|r| match r {
                Row::Quantity(w) => Some(w),
                Row::Prose(_) => None,
            })
        };
        let name_width = quantities().map(|w| width(&w.name)).max().unwrap_or(0);
        let formula_width = quantities()
            .filter(|w| w.steps.len() == 3)
            .map(|w| width(&w.steps[0]))
            .filter(|&n| n <= ALIGN_LIMIT)
            .max()
            .unwrap_or(0);
        for row in &rows {
            match row {
                Row::Prose(p) => out.push_str(&format!("  {p}\n")),
                Row::Quantity(w) => out.push_str(&format!(
                    "    {}\n",
                    quantity(w, name_width, formula_width).trim_end()
                )),
            }
        }
    }
    out
}

enum Row {
    Quantity(Written),
    Prose(String),
}

fn quantity(w: &Written, name_width: usize, formula_width: usize) -> String {
    let mut s = pad(&w.name, name_width);
    for (k, step) in w.steps.iter().enumerate() {
        s.push_str(" = ");
        if k == 0 && w.steps.len() == 3 {
            s.push_str(&pad(step, formula_width));
        } else {
            s.push_str(step);
        }
    }
    s
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(s: &str, to: usize) -> String {
    let mut out = s.to_string();
    for _ in width(s)..to {
        out.push(' ');
    }
    out
}

fn underline(s: &str, c: char) -> String {
    // CJK characters take two columns in a terminal.
    let columns: usize = s
        .chars()
        .map(|ch| if (ch as u32) >= 0x2E80 { 2 } else { 1 })
        .sum();
    std::iter::repeat_n(c, columns).collect()
}
