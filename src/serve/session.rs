//! One playground session: a network built from a spec, its trainer and data, stepped on
//! request, and its state written for the page (the drawing and the derivation of the next
//! step, the loss so far). Everything here goes through the library's public API.

use backprop::data::Pick;
use backprop::derivation::{html, json, write_node, Derivation, RenderOptions, Writer};
use backprop::spec::BiasSpec;
use backprop::{Dataset, Error, Network, Result, Spec, Trainer, TrainerConfig};
use serde_json::{json, Value};

/// The most optimizer steps one request may ask for.
pub const MAX_STEPS: u64 = 10_000;
/// The most parameters a session's network may have (a 784-256-10 network has 203,530).
pub const MAX_PARAMETERS: usize = 1_000_000;
/// The most samples the drawing works its step on.
const DRAWN_SAMPLES: usize = 16;
/// The most parameters a session's state lists by name and value.
const LISTED_PARAMETERS: usize = 2000;
/// Loss points kept for the curve; beyond, every other point is dropped.
const CURVE_POINTS: usize = 2000;

pub struct Session {
    /// The spec as the user wrote it (TOML), and as read.
    pub toml: String,
    spec: Spec,
    net: Network<f64>,
    trainer: Trainer<f64>,
    data: Dataset<f64>,
    batch: usize,
    /// Optimizer steps taken, and the first sample of the next batch.
    steps: u64,
    cursor: usize,
    /// (step, batch loss before that step's update), thinned to at most `CURVE_POINTS`.
    curve: Vec<(u64, f64)>,
    stride: u64,
}

impl Session {
    /// A session on the spec `toml`: its network (explicit weights or seeded initialisation),
    /// its inline `[data]` or `builtin:` set (the server reads no other files).
    pub fn new(toml: &str) -> Result<Session> {
        let spec = Spec::parse(toml, "spec")?;
        spec.validate()?;
        if let Some(d) = &spec.data {
            let builtin = |p: &Option<String>| {
                p.as_deref()
                    .is_none_or(|p| p.starts_with(backprop::data::builtin::PREFIX))
            };
            if !builtin(&d.path) || !builtin(&d.test_path) || d.labels.is_some() {
                return Err(Error::Config(
                    "data: the server reads only inline rows (inputs, targets) or a built-in set (path = \"builtin:NAME\"), not files".into(),
                ));
            }
        }
        let net = spec.network::<f64>()?;
        if net.params.len() > MAX_PARAMETERS {
            return Err(Error::TooLarge(format!(
                "the network has {} parameters: a server session is limited to {MAX_PARAMETERS}",
                net.params.len()
            )));
        }
        let data = spec.prepare::<f64>(std::path::Path::new("."))?.train;
        let n = data.len();
        // Batches in order, so the drawing's batch is the one the next step takes.
        let config = TrainerConfig {
            shuffle: false,
            ..spec.trainer_config()
        };
        let batch = config.batch_size.clamp(1, n.max(1));
        let mut trainer = Trainer::new(&net, &config, n);
        spec.apply_dropout(&mut trainer, &net);
        Ok(Session {
            toml: toml.to_string(),
            spec,
            net,
            trainer,
            data,
            batch,
            steps: 0,
            cursor: 0,
            curve: Vec::new(),
            stride: 1,
        })
    }

    /// Back to the spec's own weights, no steps taken.
    pub fn reset(&mut self) -> Result<()> {
        *self = Session::new(&self.toml)?;
        Ok(())
    }

    /// `n` optimizer steps, batches taken in order and wrapping round the data.
    pub fn step(&mut self, n: u64) -> Result<()> {
        if n > MAX_STEPS {
            return Err(Error::Config(format!(
                "steps: {n}, more than the {MAX_STEPS} one request may take; send several requests"
            )));
        }
        let (inputs, outputs, len) = (self.data.inputs, self.data.outputs, self.data.len());
        for _ in 0..n {
            let end = (self.cursor + self.batch).min(len);
            let rows = end - self.cursor;
            let x = &self.data.x[self.cursor * inputs..end * inputs];
            let t = &self.data.t[self.cursor * outputs..end * outputs];
            let loss = self.trainer.step(&mut self.net, x, t, rows)?;
            self.steps += 1;
            self.cursor = if end == len { 0 } else { end };
            if self.steps.is_multiple_of(self.stride) {
                self.curve.push((self.steps, loss));
                if self.curve.len() >= CURVE_POINTS {
                    self.curve = self.curve.iter().copied().step_by(2).collect();
                    self.stride *= 2;
                }
            }
        }
        Ok(())
    }

    /// Sets one parameter (`w1`, `b2`, `b1_2`) to a value.
    pub fn set_parameter(&mut self, name: &str, value: f64) -> Result<()> {
        if !value.is_finite() {
            return Err(Error::Config(format!(
                "{name} = {value}: expected a finite number"
            )));
        }
        let names = backprop::notation::parameter_names(&self.net.layers);
        let Some(index) = names.iter().position(|n| n == name) else {
            return Err(Error::Config(format!(
                "no parameter `{name}`: this network's are {}",
                summary_of(&names)
            )));
        };
        self.net.params[index] = value;
        Ok(())
    }

    /// The spec with the network's current weights and biases, and (for the drawing) the
    /// batch the next step trains on as inline data.
    fn current_spec(&self) -> Spec {
        let mut spec = self.spec.clone();
        for (l, layer) in spec.layers.iter_mut().enumerate() {
            let shape = &self.net.layers[l];
            let w = self.net.weights(l);
            layer.weights = Some(w.chunks(shape.inputs).map(<[f64]>::to_vec).collect());
            let b = self.net.bias(l);
            layer.bias = Some(match shape.bias {
                backprop::BiasKind::Shared => BiasSpec::Shared(b[0]),
                backprop::BiasKind::PerUnit => BiasSpec::PerUnit(b.to_vec()),
            });
        }
        let (inputs, outputs) = (self.data.inputs, self.data.outputs);
        let end = (self.cursor + self.batch.min(DRAWN_SAMPLES)).min(self.data.len());
        let rows = |v: &[f64], width: usize| -> Vec<Vec<f64>> {
            v[self.cursor * width..end * width]
                .chunks(width)
                .map(<[f64]>::to_vec)
                .collect()
        };
        spec.data = Some(backprop::spec::DataSpec {
            inputs: Some(rows(&self.data.x, inputs)),
            targets: Some(rows(&self.data.t, outputs)),
            ..Default::default()
        });
        spec.training.batch_size = Some(end - self.cursor);
        spec
    }

    /// The session as the page shows it. With `draw`, its spec and the next step written out (the
    /// derivation's JSON, each quantity's formula with its numbers, the SVG drawing), or why it
    /// cannot be (too large to write out).
    pub fn state(&self, id: &str, draw: bool) -> Value {
        // Named one by one only for a network small enough to list (a 784-256-10 network's
        // 203,530 would take over 100 MB as JSON objects).
        let parameters = if self.net.params.len() <= LISTED_PARAMETERS {
            let names = backprop::notation::parameter_names(&self.net.layers);
            names
                .iter()
                .zip(&self.net.params)
                .map(|(n, v)| json!({ "name": n, "value": v }))
                .collect()
        } else {
            Value::Null
        };
        let mut state = json!({
            "id": id,
            "steps": self.steps,
            "samples": self.data.len(),
            "batch_size": self.batch,
            "next_sample": self.cursor + 1,
            "loss": self.curve.last().map(|p| p.1),
            "curve": self.curve.iter().map(|&(s, l)| json!([s, l])).collect::<Vec<_>>(),
            "spec": if draw { Value::from(self.toml.as_str()) } else { Value::Null },
            "parameter_count": self.net.params.len(),
            "parameters": parameters,
            "drawing": Value::Null,
            "not_drawn": Value::Null,
        });
        if draw {
            match drawing(&self.current_spec(), self.trainer.steps_done(), self.batch) {
                Ok(d) => state["drawing"] = d,
                Err(e) => state["not_drawn"] = Value::from(e.to_string()),
            }
        }
        state
    }
}

/// The drawing and the derivation of the step a spec's inline rows take as the first of a
/// batch of `batch` samples at step `step` (with dropout, that step's masks).
fn drawing(spec: &Spec, step: u64, batch: usize) -> Result<Value> {
    let pick = Pick::FirstBatch {
        batch_size: usize::MAX,
        limit: DRAWN_SAMPLES,
    };
    let rows = spec.step_rows(std::path::Path::new(""), pick)?;
    let d = Derivation::from_rows_at(spec, &rows, step, batch)?;
    let page = html::render(&d, RenderOptions::default());
    let svg = page
        .find("<svg")
        .and_then(|start| {
            page[start..]
                .find("</svg>")
                .map(|end| &page[start..start + end + 6])
        })
        .unwrap_or_default();
    let derivation: Value = serde_json::from_str(&json::render(&d)).expect("the derivation's JSON");
    let written: serde_json::Map<String, Value> = (0..d.graph.len())
        .map(|id| {
            let w = write_node(&d, id, None, 6, Writer::Text);
            (d.graph.node(id).name.clone(), Value::from(w.steps))
        })
        .collect();
    Ok(json!({ "svg": svg, "derivation": derivation, "written": written }))
}

/// A list of names for a message: all of them, or the first few and how many more.
fn summary_of(names: &[String]) -> String {
    if names.len() <= 12 {
        names.join(", ")
    } else {
        format!("{} … ({} in all)", names[..8].join(", "), names.len())
    }
}
