//! The derivation as Markdown with LaTeX math (`$…$` inline, `$$…$$` for the chain rule), as
//! GitHub and Jupyter render it.

use super::build::{Derivation, Line, Note, Part};
use super::i18n::{self, Word};
use super::{write_expr, write_node, RenderOptions, Writer};

pub fn render(d: &Derivation, options: RenderOptions) -> String {
    let lang = options.lang;
    let mut out = format!("# {}\n\n", i18n::word(lang, Word::Title));
    for line in i18n::summary(lang, d) {
        out.push_str(&format!("- {line}\n"));
    }
    for section in &d.sections {
        out.push_str(&format!(
            "\n## {}\n\n",
            i18n::heading(lang, section.part, d)
        ));
        let mut sample = match section.part {
            Part::Forward { sample } => Some(sample),
            _ => None,
        };
        for line in &section.lines {
            match line {
                Line::Node(id) => {
                    let own = d.graph.node(*id).key.sample();
                    let context = if own.is_some() { sample } else { None };
                    let w = write_node(d, *id, context, options.digits, Writer::Latex);
                    out.push_str(&format!("- ${} = {}$\n", w.name, w.steps.join(" = ")));
                }
                Line::Sample(s) => {
                    sample = Some(*s);
                    out.push_str(&format!("\n**{}**\n\n", i18n::sample(lang, *s)));
                }
                Line::Note(Note::ChainRule(chain)) => {
                    let eq: Vec<String> = chain
                        .iter()
                        .map(|e| write_expr(e, options.digits, Writer::Latex))
                        .collect();
                    out.push_str(&format!(
                        "\n{}{}\n\n$$\n{}\n$$\n\n",
                        i18n::word(lang, Word::ChainRule),
                        i18n::colon(lang),
                        eq.join(" = ")
                    ));
                }
                Line::Note(note) => out.push_str(&format!("\n{}\n\n", i18n::note(lang, note))),
            }
        }
    }
    out
}
