"""ONNX export against real clients: every activation, loss head and dtype is exported, checked
by `onnx.checker.check_model(full_check=True)` and run by onnxruntime on the test rows; the
outputs must equal `backprop predict`'s within 1e-6 (f32) or 1e-12 (f64)."""

import csv
import gzip
import json
import struct

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from conftest import ROOT, run

TOLERANCE = {"f32": 1e-6, "f64": 1e-12}

# (name, data, loss, hidden activation, output units, output activation, extra [data] lines,
#  layer-1 bias line)
CASES = [
    ("iris-relu-softmax", "builtin:iris", "cross_entropy", "relu", 3, "softmax", "", ""),
    ("iris-leaky-softmax", "builtin:iris", "cross_entropy", "leaky_relu", 3, "softmax", "", ""),
    ("cancer-tanh-bce", "builtin:breast_cancer", "bce", "tanh", 1, "sigmoid", "", ""),
    ("diabetes-sigmoid-mse", "builtin:diabetes", "mse", "sigmoid", 1, "linear",
     'target = "target"', ""),
    ("diabetes-linear-halfsse-shared", "builtin:diabetes", "half_sse", "linear", 1, "tanh",
     'target = "target"', 'bias = "shared"'),
]


def spec_text(data, loss, hidden, units, out, extra, bias, dtype, inputs):
    return f"""
inputs = {inputs}
loss = "{loss}"
dtype = "{dtype}"

[optimizer]
kind = "adam"
learning_rate = 0.01

[[layers]]
units = 5
activation = "{hidden}"
{bias}

[[layers]]
units = {units}
activation = "{out}"

[training]
batch_size = 16
epochs = 3
seed = 7

[data]
path = "{data}"
{extra}
"""


INPUTS = {"builtin:iris": 4, "builtin:breast_cancer": 30, "builtin:diabetes": 10}
CSV = {"builtin:iris": "iris.csv", "builtin:breast_cancer": "breast_cancer.csv",
       "builtin:diabetes": "diabetes.csv"}


def metadata(model):
    return {p.key: p.value for p in model.metadata_props}


def export_and_check(tmp_path, model_path):
    """`backprop export`, then the ONNX checker; returns the loaded proto and a session."""
    onnx_path = tmp_path / "model.onnx"
    run("export", model_path, "-o", onnx_path)
    model = onnx.load(str(onnx_path))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 13
    return model, ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])


def predictions(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def compare(session, model, features, predicted_csv, dtype):
    """Runs the session on raw features and compares with predict's CSV."""
    meta = metadata(model)
    x = np.asarray(features, dtype=np.float32 if dtype == "f32" else np.float64)
    names = [o.name for o in session.get_outputs()]
    out = dict(zip(names, session.run(None, {"features": x})))
    header, rows = predictions(predicted_csv)
    tol = TOLERANCE[dtype]
    if "class_names" in meta:
        classes = json.loads(meta["class_names"])
        assert header == ["class"] + [f"p_{c}" for c in classes]
        expected = np.array([[float(v) for v in r[1:]] for r in rows])
        got = out["probabilities"].astype(np.float64)
        assert got.shape == expected.shape
        assert np.max(np.abs(got - expected)) <= tol
        assert [classes[k] for k in out["class"]] == [r[0] for r in rows]
    else:
        assert header == json.loads(meta["target_names"])
        expected = np.array([[float(v) for v in r] for r in rows])
        got = out["predictions"].astype(np.float64)
        assert got.shape == expected.shape
        # Regression outputs are in the targets' units (diabetes: tens to hundreds), so the
        # bound is relative to the value's size.
        assert np.max(np.abs(got - expected) / np.maximum(1.0, np.abs(expected))) <= tol


def csv_features(name, feature_names):
    with open(ROOT / "data" / name, newline="") as f:
        reader = csv.DictReader(f)
        return [[float(row[n]) for n in feature_names] for row in reader]


@pytest.mark.parametrize("dtype", ["f32", "f64"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_export_matches_predict(binary, tmp_path, case, dtype):
    name, data, loss, hidden, units, out, extra, bias = case
    spec = tmp_path / "spec.toml"
    spec.write_text(spec_text(data, loss, hidden, units, out, extra, bias, dtype, INPUTS[data]))
    model_path = tmp_path / "model.safetensors"
    run("train", spec, "-q", "--save", model_path)
    model, session = export_and_check(tmp_path, model_path)
    meta = metadata(model)
    assert meta["dtype"] == dtype
    assert meta["loss"] == loss
    ops = {n.op_type for n in model.graph.node}
    # Standardised CSV data: the ONNX model takes raw features, standardising them itself.
    assert {"Sub", "Div", "Gemm"} <= ops
    predicted = tmp_path / "predicted.csv"
    run("predict", model_path, "--data", data, "-o", predicted)
    features = csv_features(CSV[data], json.loads(meta["feature_names"]))
    compare(session, model, features, predicted, dtype)


@pytest.mark.parametrize("dtype", ["f32", "f64"])
def test_train_export_flag_writes_the_same_model(binary, tmp_path, dtype):
    spec = tmp_path / "spec.toml"
    spec.write_text(spec_text(*CASES[0][1:], dtype, 4))
    model_path, direct = tmp_path / "model.safetensors", tmp_path / "direct.onnx"
    run("train", spec, "-q", "--save", model_path, "--export", direct)
    run("export", model_path, "-o", tmp_path / "model.onnx")
    assert direct.read_bytes() == (tmp_path / "model.onnx").read_bytes()


def test_worked_example_shared_bias(binary, tmp_path):
    """The seed notes' 2-2-1 network with shared biases, untrained and unstandardised."""
    model_path = tmp_path / "worked.safetensors"
    run("train", ROOT / "examples" / "01-worked-example.toml", "-q", "--save", model_path)
    model, session = export_and_check(tmp_path, model_path)
    biases = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    for l in ("layer1", "layer2"):
        b, w = biases[f"{l}.bias"], biases[f"{l}.weight"]
        # One bias per unit (the weight matrix's rows), all equal: the shared bias.
        assert b.shape == (w.shape[0],) and len(set(b.tolist())) == 1
    assert "Sub" not in {n.op_type for n in model.graph.node}
    rows = [[0.05, 0.10], [1.0, -2.0], [0.3, 0.7]]
    data = tmp_path / "rows.csv"
    data.write_text("x1,x2\n" + "".join(f"{a},{b}\n" for a, b in rows))
    predicted = tmp_path / "predicted.csv"
    run("predict", model_path, "--data", data, "-o", predicted)
    dtype = metadata(model)["dtype"]
    compare(session, model, rows, predicted, dtype)


def write_idx(path, magic, dims, payload):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload)


def read_idx_images(path, count):
    with gzip.open(path, "rb") as f:
        _, n, rows, cols = struct.unpack(">IIII", f.read(16))
        return np.frombuffer(f.read(count * rows * cols), dtype=np.uint8).reshape(count, rows * cols)


def read_idx_labels(path, count):
    with gzip.open(path, "rb") as f:
        f.read(8)
        return np.frombuffer(f.read(count), dtype=np.uint8)


@pytest.mark.parametrize("dtype", ["f32", "f64"])
def test_mnist_model(binary, tmp_path, dtype):
    """A 784-32-10 MNIST model trained on MNIST's first 300 images, run on 100 test images."""
    mnist = ROOT / "data" / "mnist"
    images = read_idx_images(mnist / "train-images-idx3-ubyte.gz", 300)
    labels = read_idx_labels(mnist / "train-labels-idx1-ubyte.gz", 300)
    test = read_idx_images(mnist / "t10k-images-idx3-ubyte.gz", 100)
    write_idx(tmp_path / "train-images.gz", 0x803, [300, 28, 28], images.tobytes())
    write_idx(tmp_path / "train-labels.gz", 0x801, [300], labels.tobytes())
    write_idx(tmp_path / "test-images.gz", 0x803, [100, 28, 28], test.tobytes())
    spec = tmp_path / "mnist.toml"
    spec.write_text(f"""
inputs = 784
loss = "cross_entropy"
dtype = "{dtype}"
[optimizer]
kind = "adam"
learning_rate = 0.003
[[layers]]
units = 32
activation = "relu"
[[layers]]
units = 10
activation = "softmax"
[training]
batch_size = 32
epochs = 2
[data]
path = "train-images.gz"
labels = "train-labels.gz"
validation = 0.1
test = 0.0
""")
    model_path = tmp_path / "mnist.safetensors"
    run("train", spec, "-q", "--save", model_path)
    model, session = export_and_check(tmp_path, model_path)
    predicted = tmp_path / "predicted.csv"
    run("predict", model_path, "--data", tmp_path / "test-images.gz", "-o", predicted)
    compare(session, model, test / 255.0, predicted, dtype)
