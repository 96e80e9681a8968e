//! The marks in words (English and Chinese) and the report in each format: text (each claim on
//! its line, ✓ ✗ ?), JSON (the record), Markdown and HTML (the learner's notes back, unchanged,
//! each line with its figures' marks beside it and the explanations below).

use super::{Claim, Report, SlipKind, Summary, Verdict};
use crate::derivation::expr::{number, Expr, Style};
use crate::derivation::i18n::{self, CheckText};
use crate::derivation::{Derivation, Lang, NodeId};
use crate::spec::Spec;

/// A formula as the reader holds it, shown as a learner writes it: `((1)/(2))` is `½`, `*` is
/// `×`.
pub fn pretty(formula: &str) -> String {
    formula
        .replace("((1)/(2))", "½")
        .replace("(1/2)", "½")
        .replace(" * ", " × ")
        .replace('*', "×")
}

fn num(x: f64) -> String {
    number(x, 6).replace('-', "−")
}

/// The explanation of a claim's mark.
pub fn because(
    c: &Claim,
    formula: Option<&str>,
    d: &Derivation,
    world: &[f64],
    lang: Lang,
) -> String {
    let id = c.node.expect("a claim with a quantity");
    let exact = num(d.graph.node(id).value);
    let zh = lang == Lang::Zh;
    match (c.verdict, c.slip) {
        (Verdict::Correct, _) => String::new(),
        (Verdict::Misnamed, _) => {
            let is = c.is.clone().unwrap_or_default();
            let value = d.graph.value(&is).map(num).unwrap_or_default();
            let named = c.quantity.clone().unwrap_or_default();
            if zh {
                format!(
                    "名称不符：{} 是 {is} 的值（{value}），不是 {named}（{exact}）",
                    c.written
                )
            } else {
                format!(
                    "misnamed: {} is {is} ({value}), not {named} ({exact})",
                    c.written
                )
            }
        }
        (Verdict::Carried, _) => i18n::check_text(
            lang,
            &CheckText::Carried {
                from: c.from.join(", "),
                rounding: c.rounding,
                formula: match formula {
                    Some(f) => format!("{} = {}", symbolic(d, id), pretty(f)),
                    None => formula_with(d, id, world),
                },
                yours: num(c.yours.unwrap_or(f64::NAN)),
                exact,
            },
        ),
        (Verdict::Slip, Some(SlipKind::Arithmetic)) => {
            let f = pretty(formula.unwrap_or(""));
            let yours = num(c.yours.unwrap_or(f64::NAN));
            if zh {
                format!(
                    "此处笔误（计算）：{f} = {yours}，不是 {}（准确值为 {exact}）",
                    c.written
                )
            } else {
                format!(
                    "a slip in the arithmetic: {f} = {yours}, not {} (the exact value is {exact})",
                    c.written
                )
            }
        }
        (Verdict::Slip, Some(SlipKind::WrongNumber)) => {
            let list: Vec<String> = c
                .wrong_numbers
                .iter()
                .map(|w| {
                    let line = match (w.line, zh) {
                        (Some(l), false) => format!(", line {l}"),
                        (Some(l), true) => format!("，第 {l} 行"),
                        (None, _) => String::new(),
                    };
                    if zh {
                        format!(
                            "{} 应为 {}（{}{line}）",
                            num(w.written),
                            w.nearest,
                            num(w.value)
                        )
                    } else {
                        format!(
                            "{} where {} is {}{line}",
                            num(w.written),
                            w.nearest,
                            num(w.value)
                        )
                    }
                })
                .collect();
            let arithmetic = c
                .yours
                .filter(|y| (y - c.value).abs() > c.unit * (1.0 + 1e-9))
                .map(|y| {
                    if zh {
                        format!("；而且这个式子得 {}，不是 {}", num(y), c.written)
                    } else {
                        format!("; and that formula gives {}, not {}", num(y), c.written)
                    }
                })
                .unwrap_or_default();
            if zh {
                format!(
                    "此处笔误（用错了数）：{}{arithmetic}（准确值为 {exact}）",
                    list.join("；")
                )
            } else {
                format!(
                    "a slip, a wrong number used: {}{arithmetic} (the exact value is {exact})",
                    list.join("; ")
                )
            }
        }
        (Verdict::Slip, Some(SlipKind::WrongFormula)) => {
            let f = pretty(formula.unwrap_or(""));
            let right = formula_with(d, id, world);
            let yours_world = {
                let n = d.graph.node(id);
                let x: Vec<f64> = n.inputs.iter().map(|&i| world[i]).collect();
                num(n.op.eval(&x))
            };
            if zh {
                format!("此处笔误（公式不对）：{f} 不是 {} 的公式；{right} = {yours_world}（准确值为 {exact}）", d.graph.node(id).name)
            } else {
                format!(
                    "a slip, the wrong formula: {f} is not {}'s; {right} = {yours_world} (the exact value is {exact})",
                    d.graph.node(id).name
                )
            }
        }
        (Verdict::Slip, _) => {
            let text = match c.yours {
                None => CheckText::SlipGiven { exact },
                Some(y) if (y - d.graph.node(id).value).abs() <= 1e-12 * y.abs().max(1e-300) => {
                    CheckText::Slip {
                        formula: formula_with(d, id, world),
                        exact,
                    }
                }
                Some(y) => CheckText::SlipOwn {
                    formula: formula_with(d, id, world),
                    yours: num(y),
                    exact,
                },
            };
            i18n::check_text(lang, &text)
        }
        (Verdict::Unrecognised, _) => unrecognised(lang),
    }
}

/// A name of a quantity the step does not have.
pub fn not_in_step(what: &str, is: Option<&str>, lang: Lang) -> String {
    match (is, lang) {
        (Some(is), Lang::En) => {
            format!("misnamed: {what} is not a quantity of this step; the value is {is}")
        }
        (Some(is), Lang::Zh) => format!("名称不符：这一步没有 {what}；这个值是 {is}"),
        (None, Lang::En) => format!("{what} is not a quantity of this step"),
        (None, Lang::Zh) => format!("这一步没有 {what} 这个量"),
    }
}

/// A per-sample name with no sample in context.
pub fn needs_sample(base: &str, d: &Derivation, lang: Lang) -> String {
    let options: Vec<String> = d.samples.iter().map(|s| format!("s{s}.{base}")).collect();
    match lang {
        Lang::En => format!(
            "{base} of which sample? Say it (\"sample 2\") or write {}",
            options.join(" or ")
        ),
        Lang::Zh => format!(
            "{base} 是哪个样本的？请写明（“样本 2”）或写作 {}",
            options.join(" 或 ")
        ),
    }
}

pub fn unrecognised(lang: Lang) -> String {
    match lang {
        Lang::En => "not recognised: no name, sample, words or formula here say which quantity this is (write e.g. `s1.z_h1 = 0.3775`)".into(),
        Lang::Zh => "无法识别：这里没有名称、样本、文字或公式说明这是哪个量（可写作 `s1.z_h1 = 0.3775`）".into(),
    }
}

/// `9 correct, 4 slips, 2 carried` (`, 1 misnamed, 1 unrecognised` when there are any).
pub fn summary(s: &Summary, lang: Lang) -> String {
    let mut text = i18n::check_summary(lang, s.correct, s.slip, s.carried);
    match lang {
        Lang::En => {
            if s.misnamed > 0 {
                text += &format!(", {} misnamed", s.misnamed);
            }
            if s.unrecognised > 0 {
                text += &format!(", {} unrecognised", s.unrecognised);
            }
        }
        Lang::Zh => {
            if s.misnamed > 0 {
                text += &format!("，{} 处名称不符", s.misnamed);
            }
            if s.unrecognised > 0 {
                text += &format!("，{} 处无法识别", s.unrecognised);
            }
        }
    }
    text
}

/// `2 inputs, 2-1 sigmoid, loss half_sse, η = 0.5, 2 samples (batch 2)`.
pub fn setup_summary(spec: &Spec) -> String {
    let widths: Vec<String> = spec.layers.iter().map(|l| l.units.to_string()).collect();
    let acts: Vec<&str> = spec.layers.iter().map(|l| l.activation.name()).collect();
    let mut acts_dedup = acts.clone();
    acts_dedup.dedup();
    let samples = spec
        .data
        .as_ref()
        .and_then(|d| d.inputs.as_ref())
        .map_or(0, |r| r.len());
    format!(
        "{} inputs, layers {} ({}), loss {}, η = {}, {samples} sample{} (batch {})",
        spec.inputs,
        widths.join("-"),
        acts_dedup.join(", "),
        spec.loss.name(),
        spec.optimizer.learning_rate,
        if samples == 1 { "" } else { "s" },
        spec.training.batch_size.unwrap_or(samples)
    )
}

/// The symbolic formula of a node, in names.
fn symbolic(d: &Derivation, id: NodeId) -> String {
    let node = d.graph.node(id);
    let args: Vec<Expr> = node.inputs.iter().map(|&i| Expr::Var(i)).collect();
    let name = |i: usize| d.graph.node(i).name.clone();
    let value = |i: usize| d.graph.node(i).value;
    let style = Style {
        name: &name,
        value: &value,
        numbers: false,
        digits: 6,
    };
    node.op.symbolic(&args).text(&style)
}

/// The node's formula with names, then with the learner's-world values substituted.
fn formula_with(d: &Derivation, id: NodeId, world: &[f64]) -> String {
    let node = d.graph.node(id);
    if node.inputs.is_empty() {
        return node.name.clone();
    }
    let args: Vec<Expr> = node.inputs.iter().map(|&i| Expr::Var(i)).collect();
    let name = |i: usize| d.graph.node(i).name.clone();
    let value = |i: usize| world[i];
    let by_name = Style {
        name: &name,
        value: &value,
        numbers: false,
        digits: 6,
    };
    let by_number = Style {
        numbers: true,
        ..by_name
    };
    format!(
        "{} = {}",
        node.op.symbolic(&args).text(&by_name),
        node.op.substituted(&args).text(&by_number)
    )
}

fn mark_sign(v: Verdict) -> &'static str {
    match v {
        Verdict::Correct => "✓",
        Verdict::Unrecognised => "?",
        _ => "✗",
    }
}

/// One claim in words: `✓ z_{h1} (s1.z_h1) = 0.3775`, `✗ … — why`.
pub fn describe(c: &Claim) -> String {
    let q = c.quantity.clone().or_else(|| c.is.clone());
    let shown = match (&c.named, &q) {
        (Some(n), Some(q)) if n == q => n.clone(),
        (Some(n), Some(q)) => format!("{n} ({q})"),
        (Some(n), None) => n.clone(),
        (None, Some(q)) => q.clone(),
        (None, None) => "?".into(),
    };
    let head = format!("{} {shown} = {}", mark_sign(c.verdict), c.written);
    if c.because.is_empty() {
        head
    } else {
        format!("{head} — {}", c.because)
    }
}

/// Text: the setup, each claim with its line, the summary.
pub fn text(r: &Report) -> String {
    let zh = r.lang == "zh";
    let mut out = String::new();
    let source = match (r.setup.source.as_str(), zh) {
        ("notes", false) => "Setup read from the notes",
        ("notes", true) => "从笔记读到的设置",
        (_, false) => "Setup",
        (_, true) => "设置",
    };
    out += &format!("{source}: {}\n", r.setup.summary);
    if !r.setup.read.is_empty() && r.setup.source == "notes" {
        let facts: Vec<String> = r
            .setup
            .read
            .iter()
            .map(|f| format!("{} = {} (line {})", f.what, f.value, f.line))
            .collect();
        out += &format!("  {}\n", facts.join(", "));
    }
    for c in &r.claims {
        let label = if zh {
            format!("第 {} 行", c.line)
        } else {
            format!("line {}", c.line)
        };
        out += &format!("{label}: {}\n", describe(c));
    }
    out += &r.summary.text;
    out.push('\n');
    out
}

/// JSON: the record (see the README for the fields).
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("a report serialises") + "\n"
}

/// Markdown: every line of the notes unchanged; after a line with figures, its marks (`✓ 0.59326`)
/// and, quoted below, the explanations.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    for (k, line) in r.lines.iter().enumerate() {
        out += line;
        let claims = r.on_line(k + 1);
        if claims.is_empty() {
            out.push('\n');
            continue;
        }
        let marks: Vec<String> = claims
            .iter()
            .map(|c| format!("{} {}", mark_sign(c.verdict), c.written))
            .collect();
        out += &format!(" &nbsp; **{}**\n", marks.join(" "));
        for c in claims.iter().filter(|c| !c.because.is_empty()) {
            out += &format!(
                "\n> {} {}: {}\n",
                mark_sign(c.verdict),
                c.written,
                c.because
            );
        }
        out.push('\n');
    }
    out += &format!("\n---\n\n**{}**\n", r.summary.text);
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// HTML: one page; the notes' lines unchanged (escaped), each figure with its mark beside it
/// and the explanations below its line.
pub fn html(r: &Report) -> String {
    let mut body = String::new();
    for (k, line) in r.lines.iter().enumerate() {
        let claims = r.on_line(k + 1);
        let mut shown = escape(line);
        let mut from = 0;
        for c in &claims {
            let class = format!("{:?}", c.verdict).to_lowercase();
            let figure = escape(&c.written);
            // the figure in the line as written (its sign may be written `−`)
            let plain = figure.trim_start_matches(['-', '+']);
            if let Some(at) = shown[from..].find(plain).map(|a| a + from) {
                let tag = format!(
                    "<span class=\"{class}\" title=\"{}\">{plain}&nbsp;{}</span>",
                    escape(&c.because),
                    mark_sign(c.verdict)
                );
                shown = format!("{}{tag}{}", &shown[..at], &shown[at + plain.len()..]);
                from = at + tag.len();
            }
        }
        body += &format!("<div class=\"line\"><code>{shown}</code></div>\n");
        for c in claims.iter().filter(|c| !c.because.is_empty()) {
            body += &format!(
                "<div class=\"why {}\">{} {}: {}</div>\n",
                format!("{:?}", c.verdict).to_lowercase(),
                mark_sign(c.verdict),
                escape(&c.written),
                escape(&c.because)
            );
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\
         body{{font-family:sans-serif;max-width:60em;margin:2em auto}} .line code{{white-space:pre-wrap}} \
         .correct{{color:#070}} .slip,.carried,.misnamed{{color:#b00}} .unrecognised{{color:#a60}} \
         .why{{margin:0 0 .6em 2em;font-size:90%}}</style></head><body>\n{body}<p><b>{}</b></p>\n</body></html>\n",
        r.lang,
        escape(&r.file),
        escape(&r.summary.text)
    )
}
