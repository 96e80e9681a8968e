"""backprop's MLPClassifier against scikit-learn's on the same network, solver and epochs.

    .venv/bin/python bench/sklearn_compare.py            # digits and MNIST (784-256-10)
    .venv/bin/python bench/sklearn_compare.py --quick    # digits only

Both train the same architecture (ReLU hidden layer, softmax output, cross-entropy) with Adam
(learning rate 1e-3, batch 200, no weight decay) for exactly the same number of epochs (the
stopping rule is switched off), from the same data; the table shows the time `fit` took and the
accuracy on held-out data. Not a test: timings depend on the machine and its load.
"""

import argparse
import gzip
import pathlib
import struct
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLP

import backprop

REPO = pathlib.Path(__file__).resolve().parent.parent


def digits():
    table = np.loadtxt(REPO / "data" / "digits.csv", delimiter=",", skiprows=1)
    X, y = table[:, :-1] / 16.0, table[:, -1].astype(int)
    return train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols) / 255.0
    return np.frombuffer(data, dtype=np.uint8, offset=8).astype(int)


def mnist():
    folder = REPO / "data" / "mnist"
    return (
        idx(folder / "train-images-idx3-ubyte.gz"),
        idx(folder / "t10k-images-idx3-ubyte.gz"),
        idx(folder / "train-labels-idx1-ubyte.gz"),
        idx(folder / "t10k-labels-idx1-ubyte.gz"),
    )


def run(name, make, hidden, epochs, data):
    X_train, X_test, y_train, y_test = data
    params = dict(
        hidden_layer_sizes=hidden,
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=200,
        learning_rate_init=1e-3,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=0,
    )
    rows = []
    for library, dtype in make:
        if library == "scikit-learn":
            clf = SkMLP(**params)
        else:
            clf = backprop.MLPClassifier(**params, dtype=dtype)
        X = X_train.astype(dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            clf.fit(X, y_train)
            seconds = time.perf_counter() - start
        assert clf.n_iter_ == epochs
        rows.append((library, dtype, seconds, clf.score(X_test.astype(dtype), y_test)))
    base = rows[0][2]
    arch = "-".join(map(str, [X_train.shape[1], *hidden, len(set(y_train))]))
    print(f"\n{name}: {arch}, Adam, batch 200, {epochs} epochs, {len(X_train)} training / {len(X_test)} test samples")
    print(f"| library | dtype | fit time (s) | test accuracy | speed-up |")
    print(f"|---|---|---:|---:|---:|")
    for library, dtype, seconds, accuracy in rows:
        print(f"| {library} | {dtype} | {seconds:.2f} | {accuracy:.4f} | {base / seconds:.1f}× |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="digits only")
    parser.add_argument("--mnist-epochs", type=int, default=10)
    args = parser.parse_args()
    make = [("scikit-learn", "float64"), ("backprop", "float64"), ("backprop", "float32")]
    run("digits", make, (128,), 100, digits())
    if not args.quick:
        run("MNIST", make, (256,), args.mnist_epochs, mnist())


if __name__ == "__main__":
    main()
