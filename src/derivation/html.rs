//! The derivation as one self-contained HTML page (no scripts, fonts or anything else fetched):
//! an SVG drawing of the network, with each weight and its gradient on its edge and each
//! unit's values per sample, then the derivation with its mathematics in MathML.

use super::build::{Derivation, Line, Note, Part};
use super::drawing::{network_svg, SHOWN_SAMPLES};
use super::i18n::{self, Word};
use super::symbols::escape;
use super::{write_expr, write_node, RenderOptions, Writer};

/// The page's style. Chinese text names the common CJK fonts of each system (Noto/Source Han
/// on Linux, PingFang on macOS, Microsoft YaHei on Windows) before the generic family, so a
/// browser without any of them falls back to its own CJK font; the drawing and the
/// mathematics use Latin letters only. Wide content (the drawing, long formulas) scrolls in
/// its own box, so the page itself never scrolls sideways.
const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK SC', sans-serif;
       max-width: 1300px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
html:lang(zh) body { font-family: 'Noto Sans CJK SC', 'Source Han Sans SC', 'Noto Sans SC', 'PingFang SC',
       'Hiragino Sans GB', 'Microsoft YaHei', 'WenQuanYi Micro Hei', system-ui, sans-serif; }
.drawing { overflow-x: auto; margin: 1em 0; }
p, ul, h1, h2, h3 { max-width: 1100px; }
div.q { overflow-x: auto; overflow-y: hidden; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1em; margin: 1em 0 0.3em; color: #555; }
.summary { color: #444; }
svg.network { max-width: 100%; height: auto; display: block; background: #fcfcfc; border: 1px solid #e4e4e4; border-radius: 6px; }
svg .edge { stroke: #9aa5b1; stroke-width: 1.3; }
svg .bias-edge { stroke: #c9a86a; stroke-width: 1.1; stroke-dasharray: 4 3; }
svg .unit { fill: #e8f0fb; stroke: #3a6ea5; stroke-width: 1.6; }
svg .input { fill: #eef6ea; stroke: #4f8a3c; stroke-width: 1.6; }
svg .bias { fill: #fbf3e3; stroke: #b8862b; stroke-width: 1.4; }
svg text { font-family: system-ui, 'Noto Sans', sans-serif; font-size: 11px; fill: #333;
           paint-order: stroke; stroke: #fcfcfc; stroke-width: 6px; stroke-linejoin: round; }
svg text.name { font-size: 14px; font-weight: 600; stroke-width: 0; }
svg text.bias-name { font-size: 12px; font-weight: 600; stroke-width: 0; }
svg text.grad { fill: #b34700; }
svg text.vals { fill: #555; font-size: 10.5px; }
.legend { font-size: 0.9em; color: #555; }
.grad-word { color: #b34700; }
div.q { margin: 0.45em 0 0.45em 1.5em; }
math { math-style: normal; font-size: 1.1em; }
p.note { margin: 0.6em 0 0.2em; }
p.chain { margin: 0.5em 0 0.1em; color: #444; }
";

pub fn render(d: &Derivation, options: RenderOptions) -> String {
    let lang = options.lang;
    let title = i18n::word(lang, Word::Title);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<ul class=\"summary\">\n",
        lang.code(),
        escape(title),
        escape(title)
    );
    for line in i18n::summary(lang, d) {
        out.push_str(&format!("<li>{}</li>\n", escape(&line)));
    }
    out.push_str("</ul>\n");
    out.push_str(&format!(
        "<h2>{}</h2>\n",
        escape(i18n::word(lang, Word::Network))
    ));
    let shown: Vec<usize> = d.samples.iter().copied().take(SHOWN_SAMPLES).collect();
    out.push_str(&format!(
        "<div class=\"drawing\">\n{}</div>\n",
        network_svg(d, &shown)
    ));
    out.push_str(&format!(
        "<p class=\"legend\">w = {} · <span class=\"grad-word\">∂ = ∂E_total/∂w</span> · {}</p>\n",
        escape(i18n::word(lang, Word::Value)),
        escape(&samples_legend(d, lang))
    ));
    for (k, section) in d.sections.iter().enumerate() {
        out.push_str(&format!(
            "<h2 id=\"part-{}\">{}</h2>\n",
            k + 1,
            escape(&i18n::heading(lang, section.part, d))
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
                    let w = write_node(d, *id, context, options.digits, Writer::Mathml);
                    out.push_str(&format!(
                        "<div class=\"q\"><math><mrow>{}<mo>=</mo>{}</mrow></math></div>\n",
                        w.name,
                        w.steps.join("<mo>=</mo>")
                    ));
                }
                Line::Sample(s) => {
                    sample = Some(*s);
                    out.push_str(&format!("<h3>{}</h3>\n", escape(&i18n::sample(lang, *s))));
                }
                Line::Note(Note::ChainRule(chain)) => {
                    let eq: Vec<String> = chain
                        .iter()
                        .map(|e| write_expr(e, options.digits, Writer::Mathml))
                        .collect();
                    out.push_str(&format!(
                        "<p class=\"chain\">{}{}</p>\n<div class=\"q\"><math><mrow>{}</mrow></math></div>\n",
                        escape(i18n::word(lang, Word::ChainRule)),
                        i18n::colon(lang),
                        eq.join("<mo>=</mo>")
                    ));
                }
                Line::Note(note) => out.push_str(&format!(
                    "<p class=\"note\">{}</p>\n",
                    escape(&i18n::note(lang, note))
                )),
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn samples_legend(d: &Derivation, lang: i18n::Lang) -> String {
    let shown: Vec<String> = d
        .samples
        .iter()
        .take(SHOWN_SAMPLES)
        .map(|s| format!("s{s}"))
        .collect();
    let word = i18n::word(lang, Word::Sample);
    format!("{word}: {} (z, a)", shown.join(", "))
}
