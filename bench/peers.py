"""The two benchmark tasks in PyTorch, JAX and NumPy; `compare.py` runs each in its own process.

    python peers.py FRAMEWORK TASK      # FRAMEWORK: torch | jax_jit | jax_scan | numpy
                                        # TASK: worked | mnist | large (torch, jax_scan)

Prints one JSON object (the median over the timed runs, after a warm-up run; compare.py runs
each several times, in rounds, and takes the median over those).

- worked: one SGD step of the worked example: 2-2-1 sigmoid, one bias shared per layer,
  loss 1/2 (t - o)^2 averaged over the batch of 2, eta = 0.5, float64.
- mnist: 784-256-10, ReLU hidden, softmax + cross-entropy, float32, SGD eta = 0.01, batch 128,
  epochs of 468 batches (59,904 samples, in order) of random data of MNIST's shape (inputs
  uniform in [0, 1), random labels).
- large: the same with 784-1024-1024-10 at batch 512 (117 batches, the same 59,904 samples);
  PyTorch and JAX only.
"""

import json
import statistics
import sys
import time

WORKED_X = [[0.05, 0.10], [0.80, 0.20]]
WORKED_T = [[0.01], [0.99]]
WORKED_W1 = [[0.15, 0.20], [0.25, 0.30]]
WORKED_W2 = [[0.40, 0.45]]
BATCH, BATCHES, LR = 128, 468, 0.01


def timed(run, repeats):
    """Median seconds of `run()` over `repeats` runs, after one warm-up run."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# The MLP tasks: layer sizes and batch; every epoch is the same 59,904 samples.
SAMPLES = 468 * 128
TASKS = {"mnist": ([784, 256, 10], 128), "large": ([784, 1024, 1024, 10], 512)}


def mlp_init(np, sizes):
    """He-uniform weights [out x in] and zero biases, one (w, b) per layer."""
    rng = np.random.default_rng(2)
    layers = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        a = np.sqrt(6 / i)
        layers.append((rng.uniform(-a, a, (o, i)).astype(np.float32), np.zeros(o, np.float32)))
    return layers


def torch_mlp(task, repeats=1):
    import numpy as np
    import torch

    sizes, batch = TASKS[task]
    batches = SAMPLES // batch
    xs, labels = mnist_data(np)
    x, y = torch.from_numpy(xs), torch.from_numpy(labels)
    mods = []
    for k, (w, _) in enumerate(mlp_init(np, sizes)):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.zero_()
        mods.append(lin)
        if k + 2 < len(sizes):
            mods.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()

    def run():
        for i in range(batches):
            xb, yb = x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    secs = timed(run, repeats)
    report(task, samples_per_s=batches * batch / secs, threads=torch.get_num_threads(),
           version=torch.__version__)


def jax_scan_mlp(task, repeats=1):
    import numpy as np

    jax = jax_setup(False)
    jnp = jax.numpy
    sizes, batch = TASKS[task]
    batches = SAMPLES // batch
    xs, labels = mnist_data(np)
    onehot = np.eye(10, dtype=np.float32)[labels]
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in mlp_init(np, sizes)]

    def loss_fn(p, xb, yb):
        h = xb
        for w, b in p[:-1]:
            h = jax.nn.relu(h @ w.T + b)
        logits = h @ p[-1][0].T + p[-1][1]
        return -jnp.mean(jnp.sum(yb * jax.nn.log_softmax(logits), axis=1))

    def step(p, xb, yb):
        loss, g = jax.value_and_grad(loss_fn)(p, xb, yb)
        return jax.tree_util.tree_map(lambda p, g: p - LR * g, p, g), loss

    xb = jnp.asarray(xs).reshape(batches, batch, 784)
    yb = jnp.asarray(onehot).reshape(batches, batch, 10)

    @jax.jit
    def epoch(p):
        p, losses = jax.lax.scan(lambda p, b: step(p, b[0], b[1]), p, (xb, yb))
        return p, losses[-1]

    state = {"p": params}

    def run():
        p, loss = epoch(state["p"])
        loss.block_until_ready()
        state["p"] = p

    secs = timed(run, repeats)
    report(task, samples_per_s=batches * batch / secs, version=jax.__version__)


def torch_large():
    torch_mlp("large")


def jax_scan_large():
    jax_scan_mlp("large")


def mnist_data(np):
    rng = np.random.default_rng(1)
    x = rng.random((BATCHES * BATCH, 784), dtype=np.float32)
    labels = rng.integers(0, 10, BATCHES * BATCH)
    return x, labels


def mnist_init(np):
    rng = np.random.default_rng(2)
    a1, a2 = np.sqrt(6 / 784), np.sqrt(6 / 256)  # He uniform
    return {
        "w1": rng.uniform(-a1, a1, (256, 784)).astype(np.float32),
        "b1": np.zeros(256, np.float32),
        "w2": rng.uniform(-a2, a2, (10, 256)).astype(np.float32),
        "b2": np.zeros(10, np.float32),
    }


def report(task, **fields):
    print(json.dumps({"task": task, **fields}))


# ---------------------------------------------------------------- PyTorch (eager)
def torch_worked(steps=2000, repeats=3):
    import torch

    dt = torch.float64
    x, t = torch.tensor(WORKED_X, dtype=dt), torch.tensor(WORKED_T, dtype=dt)
    w1 = torch.tensor(WORKED_W1, dtype=dt, requires_grad=True)
    b1 = torch.tensor(0.35, dtype=dt, requires_grad=True)
    w2 = torch.tensor(WORKED_W2, dtype=dt, requires_grad=True)
    b2 = torch.tensor(0.60, dtype=dt, requires_grad=True)
    params = [w1, b1, w2, b2]

    def run():
        for _ in range(steps):
            h = torch.sigmoid(x @ w1.T + b1)
            o = torch.sigmoid(h @ w2.T + b2)
            loss = 0.5 * ((t - o) ** 2).sum() / 2
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= 0.5 * p.grad

    report("worked", ns_per_step=timed(run, repeats) / steps * 1e9,
           threads=torch.get_num_threads(), version=torch.__version__)


def torch_mnist(repeats=1):
    import numpy as np
    import torch

    xs, labels = mnist_data(np)
    x, y = torch.from_numpy(xs), torch.from_numpy(labels)
    init = mnist_init(np)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(init["w1"]))
        model[0].bias.zero_()
        model[2].weight.copy_(torch.from_numpy(init["w2"]))
        model[2].bias.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()

    def run():
        for i in range(BATCHES):
            xb, yb = x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    secs = timed(run, repeats)
    report("mnist", samples_per_s=BATCHES * BATCH / secs, threads=torch.get_num_threads(),
           version=torch.__version__)


# ---------------------------------------------------------------- JAX
def jax_setup(x64):
    import jax

    jax.config.update("jax_enable_x64", x64)
    return jax


def jax_worked_step():
    jax = jax_setup(True)
    jnp = jax.numpy
    x, t = jnp.array(WORKED_X), jnp.array(WORKED_T)

    def loss_fn(p):
        h = jax.nn.sigmoid(x @ p["w1"].T + p["b1"])
        o = jax.nn.sigmoid(h @ p["w2"].T + p["b2"])
        return 0.5 * jnp.sum((t - o) ** 2) / 2

    def step(p):
        loss, g = jax.value_and_grad(loss_fn)(p)
        return jax.tree_util.tree_map(lambda p, g: p - 0.5 * g, p, g), loss

    params = {"w1": jnp.array(WORKED_W1), "b1": jnp.array(0.35),
              "w2": jnp.array(WORKED_W2), "b2": jnp.array(0.60)}
    return jax, step, params


def jax_jit_worked(steps=2000, repeats=3):
    jax, step, params = jax_worked_step()
    step = jax.jit(step)
    state = {"p": params}

    def run():
        p = state["p"]
        for _ in range(steps):
            p, loss = step(p)
        loss.block_until_ready()
        state["p"] = p

    report("worked", ns_per_step=timed(run, repeats) / steps * 1e9, version=jax.__version__)


def jax_scan_worked(steps=1_000_000, repeats=3):
    jax, step, params = jax_worked_step()

    @jax.jit
    def train(p):
        p, losses = jax.lax.scan(lambda p, _: step(p), p, None, length=steps)
        return p, losses[-1]

    def run():
        train(params)[1].block_until_ready()

    report("worked", ns_per_step=timed(run, repeats) / steps * 1e9, version=jax.__version__)


def jax_mnist_parts():
    import numpy as np

    jax = jax_setup(False)
    jnp = jax.numpy
    xs, labels = mnist_data(np)
    onehot = np.eye(10, dtype=np.float32)[labels]
    params = {k: jnp.asarray(v) for k, v in mnist_init(np).items()}

    def loss_fn(p, xb, yb):
        h = jax.nn.relu(xb @ p["w1"].T + p["b1"])
        logits = h @ p["w2"].T + p["b2"]
        return -jnp.mean(jnp.sum(yb * jax.nn.log_softmax(logits), axis=1))

    def step(p, xb, yb):
        loss, g = jax.value_and_grad(loss_fn)(p, xb, yb)
        return jax.tree_util.tree_map(lambda p, g: p - LR * g, p, g), loss

    return jax, step, params, jnp.asarray(xs), jnp.asarray(onehot)


def jax_jit_mnist(repeats=1):
    jax, step, params, x, y = jax_mnist_parts()
    step = jax.jit(step)
    xb = [x[i * BATCH:(i + 1) * BATCH] for i in range(BATCHES)]
    yb = [y[i * BATCH:(i + 1) * BATCH] for i in range(BATCHES)]
    state = {"p": params}

    def run():
        p = state["p"]
        for i in range(BATCHES):
            p, loss = step(p, xb[i], yb[i])
        loss.block_until_ready()
        state["p"] = p

    secs = timed(run, repeats)
    report("mnist", samples_per_s=BATCHES * BATCH / secs, version=jax.__version__)


def jax_scan_mnist(repeats=1):
    jax, step, params, x, y = jax_mnist_parts()
    xb, yb = x.reshape(BATCHES, BATCH, 784), y.reshape(BATCHES, BATCH, 10)

    @jax.jit
    def epoch(p):
        p, losses = jax.lax.scan(lambda p, b: step(p, b[0], b[1]), p, (xb, yb))
        return p, losses[-1]

    state = {"p": params}

    def run():
        p, loss = epoch(state["p"])
        loss.block_until_ready()
        state["p"] = p

    secs = timed(run, repeats)
    report("mnist", samples_per_s=BATCHES * BATCH / secs, version=jax.__version__)


# ---------------------------------------------------------------- NumPy (hand-written)
def numpy_worked(steps=2000, repeats=3):
    import numpy as np

    x, t = np.array(WORKED_X), np.array(WORKED_T)
    p = {"w1": np.array(WORKED_W1), "b1": 0.35, "w2": np.array(WORKED_W2), "b2": 0.60}

    def run():
        for _ in range(steps):
            h = 1 / (1 + np.exp(-(x @ p["w1"].T + p["b1"])))
            o = 1 / (1 + np.exp(-(h @ p["w2"].T + p["b2"])))
            d_o = (o - t) / 2 * o * (1 - o)
            d_h = (d_o @ p["w2"]) * h * (1 - h)
            p["w2"] -= 0.5 * (d_o.T @ h)
            p["b2"] -= 0.5 * d_o.sum()
            p["w1"] -= 0.5 * (d_h.T @ x)
            p["b1"] -= 0.5 * d_h.sum()

    report("worked", ns_per_step=timed(run, repeats) / steps * 1e9, version=np.__version__)


def numpy_mnist(repeats=1):
    import numpy as np

    x, labels = mnist_data(np)
    y = np.eye(10, dtype=np.float32)[labels]
    p = mnist_init(np)
    lr = np.float32(LR)

    def run():
        for i in range(BATCHES):
            xb, yb = x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]
            z1 = xb @ p["w1"].T + p["b1"]
            a1 = np.maximum(z1, 0)
            z2 = a1 @ p["w2"].T + p["b2"]
            e = np.exp(z2 - z2.max(axis=1, keepdims=True))
            dz2 = (e / e.sum(axis=1, keepdims=True) - yb) / np.float32(BATCH)
            da1 = dz2 @ p["w2"]
            dz1 = da1 * (z1 > 0)
            p["w2"] -= lr * (dz2.T @ a1)
            p["b2"] -= lr * dz2.sum(axis=0)
            p["w1"] -= lr * (dz1.T @ xb)
            p["b1"] -= lr * dz1.sum(axis=0)

    secs = timed(run, repeats)
    report("mnist", samples_per_s=BATCHES * BATCH / secs, version=np.__version__)


if __name__ == "__main__":
    framework, task = sys.argv[1], sys.argv[2]
    globals()[f"{framework}_{task}"]()
