"""Python and the command line: the same spec and seed give the same parameters, and model
files cross both ways."""

import numpy as np

import backprop
from conftest import DATA, EXAMPLES, cli

IRIS = EXAMPLES / "03-iris.toml"


def iris_features():
    return np.loadtxt(DATA / "iris.csv", delimiter=",", skiprows=1, usecols=range(4))


def cli_probabilities(model):
    """`backprop predict MODEL --data data/iris.csv`: the class, then p_class columns."""
    out = cli("predict", model, "--data", DATA / "iris.csv").stdout.strip().splitlines()
    assert out[0] == "class,p_setosa,p_versicolor,p_virginica"
    return np.array([[float(v) for v in line.split(",")[1:]] for line in out[1:]])


def test_same_spec_same_seed_same_parameters(tmp_path):
    model = tmp_path / "cli.safetensors"
    cli("train", IRIS, "--save", model, "--quiet")
    net = backprop.Network.from_spec(IRIS)
    reports = net.train()  # the spec's [data]: split, standardised, 60 epochs, as the CLI
    assert len(reports) == 60 and net.epoch == 60
    assert reports[-1]["validation_accuracy"] is not None
    from_cli = backprop.load(model)
    assert from_cli.dtype == net.dtype == "float64"
    np.testing.assert_array_equal(net.parameters(), from_cli.parameters())
    # The CLI's model predicts in Python what the CLI predicts (standardisation included).
    np.testing.assert_allclose(from_cli.predict(iris_features()), cli_probabilities(model), rtol=1e-13)


def test_saved_in_python_predicted_by_the_cli(tmp_path):
    net = backprop.Network.from_spec(IRIS)
    net.train(epochs=20)
    path = tmp_path / "py.safetensors"
    net.save(path)
    np.testing.assert_allclose(net.predict(iris_features()), cli_probabilities(path), rtol=1e-13)
    # And back: loaded in Python, the same network.
    again = backprop.load(path)
    np.testing.assert_array_equal(again.parameters(), net.parameters())


def test_a_run_started_in_python_resumed_by_the_cli(tmp_path):
    """30 epochs in Python, saved, 30 more by `backprop train --resume`: the same as 60 epochs
    straight in the CLI (the optimizer state and the epoch count travel in the file)."""
    half = tmp_path / "half.safetensors"
    net = backprop.Network.from_spec(IRIS)
    net.train(epochs=30)
    net.save(half)
    resumed = tmp_path / "resumed.safetensors"
    cli("train", IRIS, "--resume", half, "--save", resumed, "--quiet")
    straight = tmp_path / "straight.safetensors"
    cli("train", IRIS, "--save", straight, "--quiet")
    np.testing.assert_array_equal(
        backprop.load(resumed).parameters(), backprop.load(straight).parameters()
    )


def test_the_cli_refuses_a_python_file_with_its_own_message(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}")
    r = cli("predict", bad, "--input", "1,2,3,4", check=False)
    assert r.returncode == 2
    try:
        backprop.load(bad)
    except backprop.InputError as e:
        assert str(e) in r.stderr
    else:
        raise AssertionError("load accepted a model file with no tensors")
