"""numpy in and out: dtypes, layouts, lists and DataFrames give the same results."""

import numpy as np
import pytest

import backprop

SPEC = """
inputs = 3
loss = "mse"
dtype = "{dtype}"
[optimizer]
kind = "sgd"
learning_rate = 0.1
[[layers]]
units = 4
activation = "tanh"
[[layers]]
units = 2
activation = "linear"
[training]
seed = 7
batch_size = 5
shuffle = false
"""


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(20, 3)), rng.normal(size=(20, 2))


@pytest.mark.parametrize("dtype,np_dtype", [("f64", np.float64), ("f32", np.float32)])
def test_output_dtype_is_the_networks(dtype, np_dtype):
    net = backprop.Network.from_spec(SPEC.format(dtype=dtype))
    x, _ = data()
    assert net.dtype == np.dtype(np_dtype).name
    for given in (x, x.astype(np.float32), x.astype(np.float64)):
        out = net.predict(given)
        assert out.dtype == np_dtype and out.shape == (20, 2)
    assert net.parameters().dtype == np_dtype


def test_layouts_and_containers_agree():
    net = backprop.Network.from_spec(SPEC.format(dtype="f64"))
    x, _ = data()
    expected = net.predict(np.ascontiguousarray(x))
    # By hand: tanh(x·W1ᵀ + b1)·W2ᵀ + b2 with the network's own parameters.
    by_hand = np.tanh(x @ net.weights(0).T + net.bias(0)) @ net.weights(1).T + net.bias(1)
    np.testing.assert_allclose(expected, by_hand, rtol=1e-12)
    fortran = np.asfortranarray(x)
    assert not fortran.flags.c_contiguous
    np.testing.assert_array_equal(net.predict(fortran), expected)
    strided = np.zeros((40, 6))
    strided[::2, ::2] = x
    np.testing.assert_array_equal(net.predict(strided[::2, ::2]), expected)
    np.testing.assert_array_equal(net.predict(x.tolist()), expected)
    readonly = x.copy()
    readonly.setflags(write=False)
    np.testing.assert_array_equal(net.predict(readonly), expected)
    np.testing.assert_allclose(net.predict(x.astype(np.float32)), net.predict(x.astype(np.float32).astype(np.float64)))
    pd = pytest.importorskip("pandas")
    np.testing.assert_array_equal(net.predict(pd.DataFrame(x)), expected)


def test_integer_inputs_are_numbers():
    net = backprop.Network.from_spec(SPEC.format(dtype="f64"))
    xi = np.arange(12, dtype=np.int32).reshape(4, 3)
    np.testing.assert_array_equal(net.predict(xi), net.predict(xi.astype(np.float64)))


def test_training_is_the_same_from_any_layout():
    x, y = data()
    results = []
    for xs, ys in [
        (x, y),
        (np.asfortranarray(x), np.asfortranarray(y)),
        (x.astype(np.float32).astype(np.float64), y),
    ]:
        net = backprop.Network.from_spec(SPEC.format(dtype="f64"))
        net.train(xs, ys, epochs=3)
        results.append(net.parameters())
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.array_equal(results[0], results[2])  # rounded inputs train differently


def test_one_column_targets_may_be_one_dimensional():
    spec = SPEC.format(dtype="f64").replace("units = 2", "units = 1")
    x, y = data()
    a = backprop.Network.from_spec(spec)
    b = backprop.Network.from_spec(spec)
    a.train(x, y[:, 0], epochs=2)
    b.train(x, y[:, :1], epochs=2)
    np.testing.assert_array_equal(a.parameters(), b.parameters())
