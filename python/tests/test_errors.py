"""Bad input raises the right exception, with the command line's message; nothing panics."""

import numpy as np
import pytest

import backprop
from backprop import FileError, InputError, TrainingDiverged


def net():
    return backprop.Network.worked_example()


def test_exception_classes():
    assert issubclass(InputError, ValueError) and issubclass(InputError, backprop.Error)
    assert issubclass(FileError, OSError) and issubclass(TrainingDiverged, ArithmeticError)


def test_bad_spec_text_names_line_and_column():
    with pytest.raises(InputError, match=r"spec: line 2, column \d+"):
        backprop.Network.from_spec('inputs = 2\nloss = "nope"\n')
    with pytest.raises(InputError, match="units` is 0"):
        backprop.Network.from_spec(
            'inputs = 2\nloss = "mse"\n[optimizer]\nlearning_rate = 0.1\n[[layers]]\nunits = 0\nactivation = "relu"\n'
        )


def test_missing_files():
    with pytest.raises(FileError, match="no-such-spec.toml"):
        backprop.Network.from_spec("no-such-spec.toml")
    with pytest.raises(FileError, match="no-such-model"):
        backprop.load("no-such-model.safetensors")


def test_a_file_that_is_not_a_model(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model at all")
    with pytest.raises(InputError, match="bad.safetensors"):
        backprop.load(bad)


def test_bad_arrays():
    n = net()
    with pytest.raises(InputError, match="X has 3 columns, but the network has 2 inputs"):
        n.predict(np.zeros((2, 3)))
    with pytest.raises(InputError, match=r"X: expected a 2-D array"):
        n.predict(np.zeros(2))
    with pytest.raises(InputError, match=r"X: row 2, column 1 is NaN, expected a finite number"):
        n.predict([[0.0, 0.0], [np.nan, 0.0]])
    with pytest.raises(InputError, match="holds no values"):
        n.predict(np.zeros((0, 2)))
    with pytest.raises(TypeError, match="expected numbers"):
        n.predict([["a", "b"]])
    with pytest.raises(TypeError, match="expected numbers"):
        n.predict(np.zeros((2, 2), dtype=complex))
    with pytest.raises(InputError, match="X has 2 rows but y has 3"):
        n.train(np.zeros((2, 2)), np.zeros((3, 1)))
    with pytest.raises(InputError, match="give both X and y"):
        n.train(np.zeros((2, 2)))
    with pytest.raises(IndexError, match="layers 0 to 1"):
        n.weights(2)
    with pytest.raises(InputError, match="parameters has 3 values, expected 8"):
        n.set_parameters(np.zeros(3))


def test_bad_settings():
    with pytest.raises(InputError, match="learning_rate"):
        net().train(epochs=1, learning_rate=-1.0)
    with pytest.raises(InputError, match="epochs is 0"):
        net().train(epochs=0)
    with pytest.raises(InputError, match='lang is "fr"'):
        net().explain(lang="fr")
    with pytest.raises(InputError, match="--sample 3: the data has samples 1 to 2"):
        net().explain(sample=3)


def test_diverging_training_names_the_step():
    n = backprop.Network.from_spec(
        'inputs = 1\nloss = "mse"\n[optimizer]\nlearning_rate = 1e10\n[[layers]]\nunits = 1\nactivation = "linear"\n'
    )
    with pytest.raises(TrainingDiverged, match="step"):
        n.train(np.array([[1e3], [2e3]]), np.array([[1.0], [2.0]]), epochs=100)


def test_bad_notes():
    with pytest.raises(InputError, match="notes: line 1"):
        backprop.check("no_such_quantity = 1\n")
    with pytest.raises(FileError):
        backprop.check("missing-notes.txt")


def test_a_model_with_a_nan_is_not_written(tmp_path):
    n = net()
    p = n.parameters()
    p[0] = np.inf
    with pytest.raises(InputError):
        n.set_parameters(p)
