"""Ctrl-C during a long fit: KeyboardInterrupt after the current step, the state kept.

A child process trains; the test sends it SIGINT while it trains and reads what it did."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGINT to a child process")

ESTIMATOR = textwrap.dedent(
    """
    import numpy as np
    from backprop import MLPClassifier
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 40))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(128,), max_iter=100000, tol=0,
                        n_iter_no_change=10**9, batch_size=8, random_state=0)
    print("training", flush=True)
    try:
        clf.fit(X, y)
        print("finished")
    except KeyboardInterrupt:
        print("interrupted", clf.n_iter_, len(clf.loss_curve_), flush=True)
        print("accuracy", clf.score(X, y), flush=True)
        clf.partial_fit(X, y)
        print("continued", clf.n_iter_, flush=True)
    """
)

NETWORK = textwrap.dedent(
    """
    import numpy as np
    import backprop
    net = backprop.Network.from_spec('''
    inputs = 40
    loss = "mse"
    [optimizer]
    learning_rate = 0.001
    [[layers]]
    units = 256
    activation = "relu"
    [[layers]]
    units = 1
    activation = "linear"
    [training]
    batch_size = 1
    ''')
    rng = np.random.default_rng(1)
    N = 20000
    X = rng.normal(size=(N, 40))
    y = X[:, :1] * 2
    print("training", flush=True)
    try:
        net.train(X, y, epochs=100000)
        print("finished")
    except KeyboardInterrupt:
        e, step, position = net.epoch, net.step, net.epoch_position
        print("interrupted", e, step, position, flush=True)
        assert step == e * N + position and 0 < position < N
        net.train(X, y, epochs=1)  # finishes the epoch it stopped in
        assert (net.epoch, net.step, net.epoch_position) == (e + 1, (e + 1) * N, 0)
        print("continued", flush=True)
    """
)


def interrupt(script, after):
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "training"
    time.sleep(after)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    return out.split("\n")


def test_an_interrupted_fit_keeps_a_usable_estimator():
    lines = interrupt(ESTIMATOR, 3.0)
    _, n_iter, curve = lines[0].split()
    assert lines[0].startswith("interrupted") and int(n_iter) == int(curve) >= 1
    accuracy = float(lines[1].split()[1])
    assert accuracy > 0.9  # a linear boundary, learnt in the epochs that ran
    assert lines[2] == f"continued {int(n_iter) + 1}"


def test_an_interrupted_epoch_stops_after_a_step_and_continues():
    lines = interrupt(NETWORK, 2.0)
    assert lines[0].startswith("interrupted")
    assert lines[1] == "continued"
