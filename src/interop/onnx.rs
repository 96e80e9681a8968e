//! A trained network as an ONNX model (IR version 7, opset 13), taking raw features as
//! `backprop predict` does and giving what it prints.
//!
//! The graph, for an input `features` `[N × inputs]` of the network's dtype (f32 or f64):
//! - standardisation, when the model was trained with it: `x' = (x − μ) / σ` as `Sub`, `Div`;
//! - each layer `z = x·Wᵀ + b` as `Gemm` (`transB = 1`; `W` is stored `[units × inputs]`, as
//!   here); a shared bias becomes a per-unit bias of equal values; then the activation
//!   (`Sigmoid`, `Tanh`, `Relu`, `Softmax` on the last axis; none for linear). Leaky ReLU is
//!   `LeakyRelu(alpha = 0.01)` in f32; in f64 it is `Max(z, 0.01·z)` with an f64 `0.01`,
//!   because `LeakyRelu`'s `alpha` is an f32 attribute and 0.01 in f32 is not 0.01 in f64;
//! - the outputs: a classifier's `probabilities` `[N × classes]` (for one sigmoid output,
//!   `[1 − p, p]`, as `predict` shows two classes) and `class` `[N]` (int64, the index of the
//!   largest probability; ties go to the first class, and for one sigmoid output `p ≥ ½` is
//!   class 1, as in `predict`); a regression's `predictions` `[N × targets]`, in the targets'
//!   units (`y = y'·σ + μ` as `Mul`, `Add` when the targets were standardised).
//!
//! Metadata (`metadata_props`): `feature_names`, `class_names` or `target_names` as JSON
//! lists, `loss`, and `dtype`.

use super::onnx_proto::*;
use crate::data::{DataInfo, Task};
use crate::{Activation, BiasKind, Dtype, Float, Network};
use prost::Message;

/// The ONNX opset the graph is written for.
pub const OPSET: i64 = 13;
/// The ONNX IR version that goes with opset 13.
pub const IR_VERSION: i64 = 7;

/// The ONNX model of `net` with the data description `info`, as protobuf bytes.
pub fn to_onnx<F: Float>(net: &Network<F>, info: &DataInfo) -> Vec<u8> {
    let mut g = Graph::<F>::new();
    let mut x = "features".to_string();
    if let Some(s) = &info.features {
        x = g.standardise(&x, &s.mean, &s.std);
    }
    for (l, layer) in net.layers.iter().enumerate() {
        let w = g.constant(
            &format!("layer{}.weight", l + 1),
            &[layer.units, layer.inputs],
            net.weights(l).iter().map(|v| v.to_f64()).collect(),
        );
        let bias: Vec<f64> = match layer.bias {
            BiasKind::PerUnit => net.bias(l).iter().map(|v| v.to_f64()).collect(),
            BiasKind::Shared => vec![net.bias(l)[0].to_f64(); layer.units],
        };
        let b = g.constant(&format!("layer{}.bias", l + 1), &[layer.units], bias);
        let z = format!("layer{}.z", l + 1);
        g.node("Gemm", &[&x, &w, &b], &z, vec![int("transB", 1)]);
        x = g.activate(layer.activation, &z, l + 1);
    }
    let outputs = net.outputs();
    let graph_outputs = match &info.task {
        Task::Classification { classes } => {
            let probabilities = if outputs == 1 {
                let one = g.constant("one", &[1], vec![1.0]);
                g.node("Sub", &[&one, &x], "p0", vec![]);
                g.node("Concat", &["p0", &x], "probabilities", vec![int("axis", 1)]);
                "probabilities".to_string()
            } else {
                g.rename(&x, "probabilities")
            };
            // For one sigmoid output the two probabilities tie at p = ½, which is class 1.
            let last = (outputs == 1) as i64;
            let attributes = vec![
                int("axis", 1),
                int("keepdims", 0),
                int("select_last_index", last),
            ];
            g.node("ArgMax", &[&probabilities], "class", attributes);
            vec![
                value(&probabilities, F::DTYPE, &[None, Some(classes.len())], ""),
                value_typed("class", INT64, &[None], "the class index; see class_names"),
            ]
        }
        Task::Regression { .. } => {
            let y = match &info.targets {
                Some(s) => g.unstandardise(&x, &s.mean, &s.std),
                None => x.clone(),
            };
            let y = g.rename(&y, "predictions");
            vec![value(&y, F::DTYPE, &[None, Some(outputs)], "")]
        }
    };
    let names = |v: &[String]| serde_json::to_string(v).expect("strings serialise");
    let mut metadata = vec![
        entry("feature_names", names(&info.feature_names)),
        entry("loss", net.loss.name().to_string()),
        entry("dtype", F::DTYPE.name().to_string()),
    ];
    match &info.task {
        Task::Classification { classes } => metadata.push(entry("class_names", names(classes))),
        Task::Regression { targets } => metadata.push(entry("target_names", names(targets))),
    }
    let input_doc = format!("raw features, in order: {}", info.feature_names.join(", "));
    let graph = GraphProto {
        node: g.nodes,
        name: "backprop".into(),
        initializer: g.constants,
        doc_string: String::new(),
        input: vec![value(
            "features",
            F::DTYPE,
            &[None, Some(net.inputs)],
            &input_doc,
        )],
        output: graph_outputs,
    };
    ModelProto {
        ir_version: IR_VERSION,
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: OPSET,
        }],
        producer_name: "backprop".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        doc_string: "A network trained by backprop.".into(),
        graph: Some(graph),
        metadata_props: metadata,
    }
    .encode_to_vec()
}

/// The nodes and constants of a graph being written, in `F`'s element type.
struct Graph<F> {
    nodes: Vec<NodeProto>,
    constants: Vec<TensorProto>,
    _dtype: std::marker::PhantomData<F>,
}

impl<F: Float> Graph<F> {
    fn new() -> Self {
        Graph {
            nodes: Vec::new(),
            constants: Vec::new(),
            _dtype: std::marker::PhantomData,
        }
    }

    /// Adds a constant tensor of shape `dims` (values row-major) and returns its name.
    fn constant(&mut self, name: &str, dims: &[usize], values: Vec<f64>) -> String {
        let raw_data = match F::DTYPE {
            Dtype::F32 => values
                .iter()
                .flat_map(|&v| (v as f32).to_le_bytes())
                .collect(),
            Dtype::F64 => values.iter().flat_map(|&v| v.to_le_bytes()).collect(),
        };
        self.constants.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: element_type(F::DTYPE),
            name: name.into(),
            raw_data,
        });
        name.into()
    }

    fn node(&mut self, op: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) {
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.into()],
            name: format!("{op}:{output}"),
            op_type: op.into(),
            attribute,
        });
    }

    /// `Identity`, so a graph output has the name the caller wants.
    fn rename(&mut self, from: &str, to: &str) -> String {
        self.node("Identity", &[from], to, vec![]);
        to.into()
    }

    /// `(x − μ) / σ` per column.
    fn standardise(&mut self, x: &str, mean: &[f64], std: &[f64]) -> String {
        let m = self.constant("feature_mean", &[mean.len()], mean.to_vec());
        let s = self.constant("feature_std", &[std.len()], std.to_vec());
        self.node("Sub", &[x, &m], "centred", vec![]);
        self.node("Div", &["centred", &s], "standardised", vec![]);
        "standardised".into()
    }

    /// `y'·σ + μ` per column.
    fn unstandardise(&mut self, y: &str, mean: &[f64], std: &[f64]) -> String {
        let m = self.constant("target_mean", &[mean.len()], mean.to_vec());
        let s = self.constant("target_std", &[std.len()], std.to_vec());
        self.node("Mul", &[y, &s], "scaled", vec![]);
        self.node("Add", &["scaled", &m], "unstandardised", vec![]);
        "unstandardised".into()
    }

    /// The activation of layer `l` applied to `z`; returns the activations' name.
    fn activate(&mut self, activation: Activation, z: &str, l: usize) -> String {
        let a = format!("layer{l}.a");
        match activation {
            Activation::Linear => return z.into(),
            Activation::Sigmoid => self.node("Sigmoid", &[z], &a, vec![]),
            Activation::Tanh => self.node("Tanh", &[z], &a, vec![]),
            Activation::Relu => self.node("Relu", &[z], &a, vec![]),
            Activation::Softmax => self.node("Softmax", &[z], &a, vec![int("axis", -1)]),
            Activation::LeakyRelu => match F::DTYPE {
                Dtype::F32 => {
                    let alpha = float("alpha", crate::engine::activation::LEAKY_SLOPE as f32);
                    self.node("LeakyRelu", &[z], &a, vec![alpha]);
                }
                Dtype::F64 => {
                    let slope = self.constant(
                        &format!("layer{l}.slope"),
                        &[1],
                        vec![crate::engine::activation::LEAKY_SLOPE],
                    );
                    let sloped = format!("layer{l}.sloped");
                    self.node("Mul", &[z, &slope], &sloped, vec![]);
                    self.node("Max", &[z, &sloped], &a, vec![]);
                }
            },
        }
        a
    }
}

fn element_type(dtype: Dtype) -> i32 {
    match dtype {
        Dtype::F32 => FLOAT,
        Dtype::F64 => DOUBLE,
    }
}

fn int(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: ATTRIBUTE_INT,
        f: 0.0,
        i,
    }
}

fn float(name: &str, f: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: ATTRIBUTE_FLOAT,
        f,
        i: 0,
    }
}

fn entry(key: &str, value: String) -> StringStringEntryProto {
    StringStringEntryProto {
        key: key.into(),
        value,
    }
}

/// A graph input or output of the network's element type; `None` dimensions are the batch.
fn value(name: &str, dtype: Dtype, dims: &[Option<usize>], doc: &str) -> ValueInfoProto {
    value_typed(name, element_type(dtype), dims, doc)
}

fn value_typed(name: &str, elem_type: i32, dims: &[Option<usize>], doc: &str) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Some(n) => DimensionValue::DimValue(*n as i64),
                None => DimensionValue::DimParam("N".into()),
            }),
        })
        .collect();
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type,
                shape: Some(TensorShapeProto { dim }),
            }),
        }),
        doc_string: doc.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LayerShape, Loss};

    #[test]
    fn a_shared_bias_becomes_equal_per_unit_biases() {
        let shapes = [LayerShape {
            units: 3,
            activation: Activation::Sigmoid,
            bias: BiasKind::Shared,
        }];
        let mut net = Network::<f64>::new(2, &shapes, Loss::HalfSse).unwrap();
        net.bias_mut(0)[0] = 0.35;
        let info = DataInfo::unnamed(Loss::HalfSse, 2, 3);
        let model = ModelProto::decode(&to_onnx(&net, &info)[..]).unwrap();
        let graph = model.graph.unwrap();
        let bias = graph
            .initializer
            .iter()
            .find(|t| t.name == "layer1.bias")
            .unwrap();
        assert_eq!(bias.dims, [3]);
        let values: Vec<f64> = bias
            .raw_data
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(values, [0.35, 0.35, 0.35]);
        assert_eq!(model.opset_import[0].version, 13);
        let ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
        assert_eq!(ops, ["Gemm", "Sigmoid", "Identity"]);
    }
}
