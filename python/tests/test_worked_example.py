"""The worked example through `Network`, against a hand calculation in numpy.

The expected numbers are computed here from the formulas (forward pass, ½(t − a)² averaged
over the batch, the chain rule, one SGD step with η = 0.5), not taken from the engine.
"""

import json

import numpy as np
import pytest

import backprop
from conftest import EXAMPLES

X = np.array([[0.05, 0.10], [0.80, 0.20]])
T = np.array([[0.01], [0.99]])
W1 = np.array([[0.15, 0.20], [0.25, 0.30]])
B1 = 0.35  # shared by h1 and h2
W2 = np.array([[0.40, 0.45]])
B2 = 0.60
ETA = 0.5


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def by_hand():
    """Forward, loss, gradients and the parameters after one step."""
    batch = len(X)
    z1 = X @ W1.T + B1
    a1 = sigmoid(z1)
    z2 = a1 @ W2.T + B2
    a2 = sigmoid(z2)
    loss = np.mean(np.sum(0.5 * (T - a2) ** 2, axis=1))
    dz2 = (a2 - T) / batch * a2 * (1 - a2)
    g_w2 = dz2.T @ a1
    g_b2 = dz2.sum()
    dz1 = (dz2 @ W2) * a1 * (1 - a1)
    g_w1 = dz1.T @ X
    g_b1 = dz1.sum()  # one bias used by both units: the sum of their gradients
    params = np.concatenate([W1.ravel(), [B1], W2.ravel(), [B2]])
    grads = np.concatenate([g_w1.ravel(), [g_b1], g_w2.ravel(), [g_b2]])
    return dict(a2=a2, loss=loss, z1=z1, after=params - ETA * grads, params=params)


def test_the_example_before_training():
    hand = by_hand()
    net = backprop.Network.worked_example()
    assert net.inputs == 2 and net.outputs == 1 and net.loss == "half_sse"
    assert [layer["bias"] for layer in net.layers] == ["shared", "shared"]
    np.testing.assert_allclose(net.parameters(), hand["params"], rtol=0, atol=0)
    np.testing.assert_allclose(net.predict(X), hand["a2"], rtol=1e-14)
    assert net.loss_of(X, T) == pytest.approx(hand["loss"], rel=1e-14)


def test_one_step_equals_the_hand_calculation():
    hand = by_hand()
    net = backprop.Network.worked_example()
    reports = net.train(X, T, epochs=1)
    assert len(reports) == 1
    # The epoch's loss is measured before its (single) step.
    assert reports[0]["train_loss"] == pytest.approx(hand["loss"], rel=1e-14)
    np.testing.assert_allclose(net.parameters(), hand["after"], rtol=1e-14)
    assert net.epoch == 1 and net.step == 1
    # The weights by layer: rows are units.
    np.testing.assert_allclose(net.weights(1), hand["after"][5:7].reshape(1, 2), rtol=1e-14)
    np.testing.assert_allclose(net.bias(0), hand["after"][4:5], rtol=1e-14)


def test_training_on_the_specs_own_data_is_the_same_step():
    hand = by_hand()
    net = backprop.Network.from_spec(EXAMPLES / "01-worked-example.toml")
    net.train()  # the spec's inline [data], epochs = 1
    np.testing.assert_allclose(net.parameters(), hand["after"], rtol=1e-14)


def values_of(doc):
    """name → value of every quantity in an explanation's JSON."""
    values = {}

    def walk(node):
        if isinstance(node, dict):
            if "name" in node and "value" in node:
                values[node["name"]] = node["value"]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    return values


def test_explain_shows_the_same_numbers():
    hand = by_hand()
    e = backprop.Network.worked_example().explain()
    values = values_of(json.loads(e.to_json()))
    assert values["s1.z_h1"] == pytest.approx(hand["z1"][0, 0], rel=1e-12)
    assert values["E_total"] == pytest.approx(hand["loss"], rel=1e-12)
    assert values["new.w5"] == pytest.approx(hand["after"][5], rel=1e-12)
    assert "E_total" in str(e)
    assert "E" in e._repr_markdown_()
    html = e._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "&lt;math" in html
    assert e.to_html().startswith("<!DOCTYPE html>")


def test_explain_after_training_works_the_next_step():
    hand = by_hand()
    net = backprop.Network.worked_example()
    net.train(X, T)
    values = values_of(json.loads(net.explain().to_json()))
    # The next step starts from the updated parameters.
    assert values["w5"] == pytest.approx(hand["after"][5], rel=1e-14)
    assert values["b1"] == pytest.approx(hand["after"][4], rel=1e-14)


def test_explain_on_given_samples_of_a_loaded_network(tmp_path):
    net = backprop.Network.worked_example()
    net.save(tmp_path / "m.safetensors")
    loaded = backprop.load(tmp_path / "m.safetensors")
    with pytest.raises(backprop.InputError, match="pass learning_rate"):
        loaded.explain(X, T)
    e = loaded.explain(X[:1], T[:1], learning_rate=0.5)
    assert "s1.z_h1" in e.to_json() and "s2.z_h1" not in e.to_json()


def test_a_spec_with_dropout_trains_with_its_mask():
    """examples/14: dropout 0.5 on the hidden layer, seed 12, whose first mask keeps h1 and
    drops h2 in sample 1 and the other way round in sample 2 (scaled by 1/(1 − p) = 2)."""
    mask = np.array([[2.0, 0.0], [0.0, 2.0]])
    batch = len(X)
    a1 = sigmoid(X @ W1.T + B1)
    am = a1 * mask  # what the output layer reads
    a2 = sigmoid(am @ W2.T + B2)
    dz2 = (a2 - T) / batch * a2 * (1 - a2)
    dz1 = (dz2 @ W2) * mask * a1 * (1 - a1)
    params = np.concatenate([W1.ravel(), [B1], W2.ravel(), [B2]])
    grads = np.concatenate(
        [(dz1.T @ X).ravel(), [dz1.sum()], (dz2.T @ am).ravel(), [dz2.sum()]]
    )
    net = backprop.Network.from_spec(EXAMPLES / "14-worked-example-dropout.toml")
    # Evaluation uses every unit, unscaled.
    np.testing.assert_allclose(net.predict(X), sigmoid(a1 @ W2.T + B2), rtol=1e-14)
    net.train()  # the spec's inline [data], epochs = 1
    np.testing.assert_allclose(net.parameters(), params - ETA * grads, rtol=1e-14)
