//! Every piece of prose `explain` writes, in English and in Chinese (the notes' own words:
//! 前向传播, 反向传播, 链式法则, 误差, 学习率, 样本). Formulas are the same in both.

use super::build::{Derivation, Note, Part};
use crate::engine::activation::Activation;
use crate::engine::loss::Loss;
use crate::engine::network::BiasKind;
use crate::engine::optim::OptimizerKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

/// Single words and short labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Word {
    Title,
    Sample,
    Value,
    Gradient,
    ChainRule,
    Network,
    Derivation,
}

pub fn word(lang: Lang, w: Word) -> &'static str {
    use Word::*;
    match (lang, w) {
        (Lang::En, Title) => "One training step, written out",
        (Lang::Zh, Title) => "一步训练的完整推导",
        (Lang::En, Sample) => "sample",
        (Lang::Zh, Sample) => "样本",
        (Lang::En, Value) => "value",
        (Lang::Zh, Value) => "值",
        (Lang::En, Gradient) => "gradient ∂E_total/∂",
        (Lang::Zh, Gradient) => "梯度 ∂E_total/∂",
        (Lang::En, ChainRule) => "chain rule",
        (Lang::Zh, ChainRule) => "链式法则",
        (Lang::En, Network) => "The network",
        (Lang::Zh, Network) => "神经网络结构",
        (Lang::En, Derivation) => "The step",
        (Lang::Zh, Derivation) => "推导",
    }
}

/// The colon after a label: `:` / `：`.
pub fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::En => ":",
        Lang::Zh => "：",
    }
}

/// `sample 2` / `样本 2`.
pub fn sample(lang: Lang, n: usize) -> String {
    match lang {
        Lang::En => format!("sample {n}"),
        Lang::Zh => format!("样本 {n}"),
    }
}

/// A section's heading.
pub fn heading(lang: Lang, part: Part, d: &Derivation) -> String {
    let last = d.layers.len() - 1;
    let hidden = |l: usize| {
        if last == 1 {
            String::new()
        } else {
            format!(" {}", l + 1)
        }
    };
    match (lang, part) {
        (Lang::En, Part::Given) if d.has_dropout() => {
            "Given: parameters, inputs, targets and the dropout masks".into()
        }
        (Lang::Zh, Part::Given) if d.has_dropout() => {
            "已知：参数、输入、目标值和 dropout 掩码".into()
        }
        (Lang::En, Part::Given) => "Given: parameters, inputs and targets".into(),
        (Lang::Zh, Part::Given) => "已知：参数、输入和目标值".into(),
        (Lang::En, Part::Forward { sample }) => format!("Forward pass, sample {sample}"),
        (Lang::Zh, Part::Forward { sample }) => format!("前向传播：样本 {sample}"),
        (Lang::En, Part::BatchError) => "Total error of the batch".into(),
        (Lang::Zh, Part::BatchError) => "总误差".into(),
        (Lang::En, Part::Backward { layer }) if layer == last => {
            "Backward pass: output layer".into()
        }
        (Lang::Zh, Part::Backward { layer }) if layer == last => "反向传播：输出层".into(),
        (Lang::En, Part::Backward { layer }) => {
            format!("Backward pass: hidden layer{}", hidden(layer))
        }
        (Lang::Zh, Part::Backward { layer }) => format!("反向传播：隐藏层{}", hidden(layer)),
        (Lang::En, Part::Update) => "Update".into(),
        (Lang::Zh, Part::Update) => "参数更新".into(),
    }
}

/// The prose of a note (a chain rule is a formula and has none but its label).
pub fn note(lang: Lang, note: &Note) -> String {
    match (lang, note) {
        (_, Note::ChainRule(_)) => word(lang, Word::ChainRule).to_string(),
        (Lang::En, Note::SampleDeltas) => {
            "Per sample s, δ = ∂E_s/∂z of each unit (E_s: that sample's error):".into()
        }
        (Lang::Zh, Note::SampleDeltas) => "每个样本 s 的 δ = ∂E_s/∂z（E_s 为该样本的误差）：".into(),
        (Lang::En, Note::BatchMean { batch: 1 }) => {
            "Gradients (a batch of one sample): δ times the unit's input:".into()
        }
        (Lang::Zh, Note::BatchMean { batch: 1 }) => "梯度（batch 只有一个样本）：δ 乘以该单元的输入：".into(),
        (Lang::En, Note::BatchMean { batch }) => format!(
            "E_total is the mean of the {batch} samples' errors, so each gradient is the mean of their δ times the unit's input:"
        ),
        (Lang::Zh, Note::BatchMean { batch }) => format!(
            "总误差是 {batch} 个样本误差的平均，所以每个梯度是各样本 δ 乘以输入的平均："
        ),
        (Lang::En, Note::SharedBias { bias, units }) => format!(
            "{bias} is one parameter shared by {}: its gradient is the sum of theirs (then the batch mean).",
            units.join(", ")
        ),
        (Lang::Zh, Note::SharedBias { bias, units }) => format!(
            "{bias} 是 {} 共享的一个参数：它的梯度是它们的梯度之和（再对 batch 取平均）。",
            units.join("、")
        ),
        (Lang::En, Note::Optimizer(OptimizerKind::Sgd)) => {
            "Gradient descent with learning rate η: θ⁺ = θ − η·∂E_total/∂θ, written new.θ.".into()
        }
        (Lang::Zh, Note::Optimizer(OptimizerKind::Sgd)) => {
            "梯度下降，学习率 η：θ⁺ = θ − η·∂E_total/∂θ，记作 new.θ。".into()
        }
        (Lang::En, Note::Nesterov) => {
            "Nesterov momentum: the velocity v = μ·v₀ + ∂E_total/∂θ (v₀ = 0 before the first step), then θ⁺ = θ − η·(∂E_total/∂θ + μ·v).".into()
        }
        (Lang::Zh, Note::Nesterov) => {
            "Nesterov 动量法：速度 v = μ·v₀ + ∂E_total/∂θ（第一步前 v₀ = 0），然后 θ⁺ = θ − η·(∂E_total/∂θ + μ·v)（η 为学习率）。".into()
        }
        (Lang::En, Note::Optimizer(OptimizerKind::Momentum)) => {
            "Momentum: the velocity v = μ·v₀ + ∂E_total/∂θ (v₀ = 0 before the first step), then θ⁺ = θ − η·v.".into()
        }
        (Lang::Zh, Note::Optimizer(OptimizerKind::Momentum)) => {
            "动量法：速度 v = μ·v₀ + ∂E_total/∂θ（第一步前 v₀ = 0），然后 θ⁺ = θ − η·v（η 为学习率）。".into()
        }
        (Lang::En, Note::Optimizer(OptimizerKind::Adam)) => {
            "Adam, step t = 1: m = β₁·m₀ + (1 − β₁)·g, v = β₂·v₀ + (1 − β₂)·g² (g = ∂E_total/∂θ; m₀ = v₀ = 0), then θ⁺ = θ − η/(1 − β₁ᵗ)·m/(√v/√(1 − β₂ᵗ) + ε).".into()
        }
        (Lang::En, Note::WeightDecay { lambda, biases }) => format!(
            "Weight decay λ = {lambda} (L2 on the loss, E_total + ½λ·Σθ² over the {}): the rule takes g_θ = ∂E_total/∂θ + λ·θ in place of the gradient.",
            if *biases { "weights and biases" } else { "weights; not the biases" }
        ),
        (Lang::Zh, Note::WeightDecay { lambda, biases }) => format!(
            "权重衰减 λ = {lambda}（损失加 L2 项 E_total + ½λ·Σθ²，{}）：更新用 g_θ = ∂E_total/∂θ + λ·θ 代替梯度。",
            if *biases { "对权重和偏置" } else { "只对权重，不含偏置" }
        ),
        (Lang::En, Note::Dropout { layer, p, seed, step, units }) => format!(
            "Dropout p = {p} on layer {} ({}): in training, each sample drops each of these units with probability p. This step's mask (the engine's for {}, drawn from seed {seed}) is m = 1 for a kept unit and m = 0 for a dropped one; the layer above reads ã = m·a/(1 − p), a kept unit's output scaled by 1/(1 − p) = {}, a dropped unit's 0. (Evaluation uses every unit unscaled.)",
            layer + 1,
            units.join(", "),
            run_step(Lang::En, *step),
            round(1.0 / (1.0 - p))
        ),
        (Lang::Zh, Note::Dropout { layer, p, seed, step, units }) => format!(
            "第 {} 层（{}）的 dropout，p = {p}：训练时每个样本的每个单元以概率 p 被丢弃。本步的掩码（引擎在{}用的掩码，由种子 {seed} 生成）：保留的单元 m = 1，丢弃的单元 m = 0；上一层读入 ã = m·a/(1 − p)，即保留单元的输出乘以 1/(1 − p) = {}，丢弃单元为 0。（评估时用全部单元，不缩放。）",
            layer + 1,
            units.join("、"),
            run_step(Lang::Zh, *step),
            round(1.0 / (1.0 - p))
        ),
        (Lang::En, Note::Mask { kept, dropped }) => {
            let list = |u: &[String]| if u.is_empty() { "none".to_string() } else { u.join(", ") };
            format!("Dropout mask: keeps {}; drops {}.", list(kept), list(dropped))
        }
        (Lang::Zh, Note::Mask { kept, dropped }) => {
            let list = |u: &[String]| if u.is_empty() { "无".to_string() } else { u.join("、") };
            format!("dropout 掩码：保留 {}；丢弃 {}。", list(kept), list(dropped))
        }
        (Lang::En, Note::DropoutBackward { p }) => format!(
            "Back through dropout: ∂E/∂a = m/(1 − p)·∂E/∂ã, so a dropped unit (m = 0) passes no gradient and its weights below get none from this sample; a kept one passes ∂E/∂ã times {}.",
            round(1.0 / (1.0 - p))
        ),
        (Lang::Zh, Note::DropoutBackward { p }) => format!(
            "反向穿过 dropout：∂E/∂a = m/(1 − p)·∂E/∂ã，所以被丢弃的单元（m = 0）不传回梯度，它下面的权重从这个样本得不到梯度；保留的单元传回 ∂E/∂ã 乘以 {}。",
            round(1.0 / (1.0 - p))
        ),
        (_, Note::Optimizer(k @ (OptimizerKind::Adamw | OptimizerKind::Rmsprop))) => {
            k.name().into()
        }
        (Lang::Zh, Note::Optimizer(OptimizerKind::Adam)) => {
            "Adam，第 t = 1 步：m = β₁·m₀ + (1 − β₁)·g，v = β₂·v₀ + (1 − β₂)·g²（g = ∂E_total/∂θ；m₀ = v₀ = 0），然后 θ⁺ = θ − η/(1 − β₁ᵗ)·m/(√v/√(1 − β₂ᵗ) + ε)（η 为学习率）。".into()
        }
    }
}

/// The network in a few lines: layers, loss, optimizer, batch.
pub fn summary(lang: Lang, d: &Derivation) -> Vec<String> {
    let mut lines = Vec::new();
    let last = d.layers.len() - 1;
    for (l, layer) in d.layers.iter().enumerate() {
        let bias = match (lang, layer.bias) {
            (Lang::En, BiasKind::Shared) => "one bias shared by the layer",
            (Lang::En, BiasKind::PerUnit) => "one bias per unit",
            (Lang::Zh, BiasKind::Shared) => "整层共享一个偏置",
            (Lang::Zh, BiasKind::PerUnit) => "每个单元一个偏置",
        };
        let act = activation(layer.activation);
        lines.push(match (lang, l == last) {
            (Lang::En, false) => format!(
                "layer {}: {} {act} hidden units fed by {} inputs, {bias}",
                l + 1,
                layer.units,
                layer.inputs
            ),
            (Lang::En, true) => format!(
                "layer {}: {} {act} output unit{}, {bias}",
                l + 1,
                layer.units,
                if layer.units == 1 { "" } else { "s" }
            ),
            (Lang::Zh, false) => format!(
                "第 {} 层：{} 个 {act} 隐藏单元，{} 个输入，{bias}",
                l + 1,
                layer.units,
                layer.inputs
            ),
            (Lang::Zh, true) => {
                format!("第 {} 层：{} 个 {act} 输出单元，{bias}", l + 1, layer.units)
            }
        });
    }
    let loss = match (lang, d.loss) {
        (Lang::En, Loss::HalfSse) => "error per sample E = ½Σ(t − a)², E_total = the batch mean",
        (Lang::En, Loss::Mse) => "error per sample E = (1/n)Σ(t − a)² over the n outputs, E_total = the batch mean",
        (Lang::En, Loss::CrossEntropy) => "error per sample E = −Σ t·ln a (cross-entropy of the softmax), E_total = the batch mean",
        (Lang::En, Loss::Bce) => "error per sample E = −(1/n)Σ[t·ln a + (1 − t)·ln(1 − a)] (binary cross-entropy), E_total = the batch mean",
        (Lang::Zh, Loss::HalfSse) => "每个样本的误差 E = ½Σ(t − a)²，总误差 E_total 取 batch 平均",
        (Lang::Zh, Loss::Mse) => "每个样本的误差 E = (1/n)Σ(t − a)²（n 个输出），总误差 E_total 取 batch 平均",
        (Lang::Zh, Loss::CrossEntropy) => "每个样本的误差 E = −Σ t·ln a（softmax 的交叉熵），总误差 E_total 取 batch 平均",
        (Lang::Zh, Loss::Bce) => "每个样本的误差 E = −(1/n)Σ[t·ln a + (1 − t)·ln(1 − a)]（二元交叉熵），总误差 E_total 取 batch 平均",
    };
    lines.push(loss.to_string());
    for (l, &p) in d.dropout.iter().enumerate() {
        if p > 0.0 {
            lines.push(match lang {
                Lang::En => format!(
                    "dropout p = {p} on layer {}: the mask of {}, from seed {}",
                    l + 1,
                    run_step(Lang::En, d.step),
                    d.seed
                ),
                Lang::Zh => format!(
                    "第 {} 层 dropout p = {p}：掩码为{}的掩码，种子 {}",
                    l + 1,
                    run_step(Lang::Zh, d.step),
                    d.seed
                ),
            });
        }
    }
    let o = &d.optimizer;
    let opt = match o.kind {
        OptimizerKind::Sgd => "SGD".to_string(),
        OptimizerKind::Momentum if o.nesterov => format!("Nesterov momentum μ = {}", o.momentum),
        OptimizerKind::Momentum => format!("momentum μ = {}", o.momentum),
        OptimizerKind::Adam => format!("Adam β₁ = {}, β₂ = {}, ε = {:e}", o.beta1, o.beta2, o.eps),
        OptimizerKind::Adamw | OptimizerKind::Rmsprop => o.kind.name().to_string(),
    };
    let opt = match (lang, o.weight_decay) {
        (_, 0.0) => opt,
        (Lang::En, l) => format!("{opt}, weight decay λ = {l}"),
        (Lang::Zh, l) => format!("{opt}，权重衰减 λ = {l}"),
    };
    let samples: Vec<String> = d.samples.iter().map(|s| s.to_string()).collect();
    lines.push(match lang {
        Lang::En => format!(
            "{opt}, learning rate η = {}; a batch of {} (sample{} {})",
            o.learning_rate,
            d.samples.len(),
            if d.samples.len() == 1 { "" } else { "s" },
            samples.join(", ")
        ),
        Lang::Zh => format!(
            "{opt}，学习率 η = {}；batch 大小 {}（样本 {}）",
            o.learning_rate,
            d.samples.len(),
            samples.join("、")
        ),
    });
    lines
}

/// A scale such as 1/(1 − p), to six significant digits (`2`, `1.25`, `1.42857`).
fn round(x: f64) -> String {
    let s = format!(
        "{:.*}",
        5usize.saturating_sub(x.abs().log10().floor().max(0.0) as usize),
        x
    );
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    s
}

fn activation(a: Activation) -> &'static str {
    a.name()
}

/// Why a value in a learner's notes is wrong (see `check`).
#[derive(Clone, Debug, PartialEq)]
pub enum CheckText {
    /// A given value (parameter, input, target) written wrong.
    SlipGiven { exact: String },
    /// Wrong, and the learner's values give the exact value: `formula = numbers = exact`.
    Slip { formula: String, exact: String },
    /// Wrong, and the learner's own values give something else again.
    SlipOwn {
        formula: String,
        yours: String,
        exact: String,
    },
    /// Follows from the learner's wrong (or too early rounded) values `from`.
    Carried {
        from: String,
        rounding: bool,
        formula: String,
        yours: String,
        exact: String,
    },
}

pub fn check_text(lang: Lang, t: &CheckText) -> String {
    match (lang, t) {
        (Lang::En, CheckText::SlipGiven { exact }) => {
            format!("a slip here: the given value is {exact}")
        }
        (Lang::Zh, CheckText::SlipGiven { exact }) => format!("此处笔误：已知值为 {exact}"),
        (Lang::En, CheckText::Slip { formula, exact }) => {
            format!("a slip here: {formula} = {exact}")
        }
        (Lang::Zh, CheckText::Slip { formula, exact }) => format!("此处笔误：{formula} = {exact}"),
        (
            Lang::En,
            CheckText::SlipOwn {
                formula,
                yours,
                exact,
            },
        ) => format!(
            "a slip here: your own values give {formula} = {yours} (the exact value is {exact})"
        ),
        (
            Lang::Zh,
            CheckText::SlipOwn {
                formula,
                yours,
                exact,
            },
        ) => {
            format!("此处笔误：用你自己的数值 {formula} = {yours}（准确值为 {exact}）")
        }
        (
            Lang::En,
            CheckText::Carried {
                from,
                rounding,
                formula,
                yours,
                exact,
            },
        ) => {
            let why = if *rounding {
                format!("it follows from your rounded {from} (keep more digits)")
            } else {
                format!("carried from {from}")
            };
            format!("{why}: your values give {formula} = {yours} (the exact value is {exact})")
        }
        (
            Lang::Zh,
            CheckText::Carried {
                from,
                rounding,
                formula,
                yours,
                exact,
            },
        ) => {
            let why = if *rounding {
                format!("由你过早四舍五入的 {from} 得出（请多保留几位）")
            } else {
                format!("沿用了前面 {from} 的错误")
            };
            format!("{why}：用你的数值 {formula} = {yours}（准确值为 {exact}）")
        }
    }
}

/// `12 correct, 2 slips, 1 carried`.
pub fn check_summary(lang: Lang, correct: usize, slips: usize, carried: usize) -> String {
    match lang {
        Lang::En => format!(
            "{correct} correct, {slips} slip{}, {carried} carried",
            if slips == 1 { "" } else { "s" }
        ),
        Lang::Zh => format!("{correct} 个正确，{slips} 处笔误，{carried} 处沿用前面的错误"),
    }
}

/// Step `step` of a run (from 0), as the dropout notes name it.
fn run_step(lang: Lang, step: u64) -> String {
    match (lang, step) {
        (Lang::En, 0) => "the run's first step".into(),
        (Lang::En, k) => format!("step {} of the run", k + 1),
        (Lang::Zh, 0) => "这次训练第一步".into(),
        (Lang::Zh, k) => format!("这次训练第 {} 步", k + 1),
    }
}
