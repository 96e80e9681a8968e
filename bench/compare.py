"""Runs the benchmark tasks in backprop, PyTorch, JAX and NumPy, each in its own process, and
prints one Markdown table with the ratios. Started by compare.sh.

    python compare.py PATH/TO/examples/compare PATH/TO/backprop [ROUNDS]
    python compare.py PATH/TO/examples/compare PATH/TO/backprop --from PROGRESS.log

The machine is shared, so its load changes while the script runs: every implementation is run
once per round, the rounds one after the other (ROUNDS, default 3), and the table shows each
one's median over the rounds (and the spread, min–max), so that all of them sample the same
stretch of time. The load average is printed at the start and the end.

Besides the library's own loops (`examples/compare.rs`), it times the user's path: `backprop
train` as a whole process. For the worked example, 10⁶ epochs of one step against the
hand-fused floor doing the same 10⁶ steps in a process of its own (wall time and CPU time of
the whole process). For the MNIST networks, `backprop train` on MNIST's 60,000 training images
(no validation, no test set; bench/mnist-*.toml) for 4 epochs: the epoch time is the median of
the `seconds` of epochs 2–4 in its --log lines (loading excluded), and the peak memory of the
process is printed. Last, the peak memory of examples/08-mnist.toml for one epoch.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# One thread everywhere: rayon, OpenMP (PyTorch), OpenBLAS (NumPy), XLA (JAX); and the process
# pinned to one core (taskset), since not every pool obeys its variable.
ONE_THREAD = {
    "RAYON_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}
WORKED_STEPS = 1_000_000
# FLOPs of matrix products per sample and step: forward and ∂W of every layer, ∂A of all but
# the first (2 per multiply-add).
FLOPS = {
    "mnist": 2 * (2 * (784 * 256 + 256 * 10) + 256 * 10),
    "large": 2 * (2 * (784 * 1024 + 1024 * 1024 + 1024 * 10) + 1024 * 1024 + 1024 * 10),
}
MNIST_SAMPLES = 60_000


def process(cmd, env_set=None, env_unset=()):
    """Runs `cmd`; returns (stdout, wall s, CPU s, peak RSS in MB), or None if it failed."""
    if env_set is ONE_THREAD:
        cmd = ["taskset", "-c", "0", *cmd]  # one core, whatever a library's thread pool does
    env = dict(os.environ)
    for k in env_unset:
        env.pop(k, None)
    env.update(env_set or {})
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(f"failed: {' '.join(cmd)}\n{stderr[-2000:]}\n")
        return None
    return stdout, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def json_result(cmd, env_set=None, env_unset=()):
    """The last JSON line a benchmark prints."""
    got = process(cmd, env_set, env_unset)
    if got is None:
        return None
    lines = [l for l in got[0].splitlines() if l.startswith("{")]
    if not lines:
        sys.stderr.write(f"no result from {' '.join(cmd)}\n")
        return None
    return json.loads(lines[-1])


def whole_process(cmd):
    """A whole process's wall and CPU seconds."""
    got = process(cmd)
    if got is None:
        return None
    return {"wall_s": got[1], "cpu_s": got[2], "peak_mb": got[3]}


def train_epochs(backprop, spec, env_set=None):
    """`backprop train SPEC` for 4 epochs: samples/s from the median `seconds` of epochs 2–4 of
    its log (loading and the first epoch excluded), and the process's peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "log.jsonl")
        got = process([backprop, "train", spec, "--epochs", "4", "--quiet", "--log", log], env_set)
        if got is None:
            return None
        with open(log) as f:
            lines = [json.loads(l) for l in f if l.strip()]
    seconds = [l["seconds"] for l in lines if "epoch" in l and l["epoch"] > 1]
    secs = statistics.median(seconds)
    return {"samples_per_s": MNIST_SAMPLES / secs, "peak_mb": got[3], "epoch_s": secs}


def read_log(path, cases, samples):
    """Fills `samples` from the progress lines of a run; returns the rounds seen."""
    rounds = 0
    with open(path) as f:
        for line in f:
            if not line.startswith("  round ") or " thread(s)  " not in line:
                continue
            head, rest = line.split(" thread(s)  ", 1)
            _, r, task, threads = head.split()
            name, result = rest[:40].strip(), json.loads(rest[41:])
            rounds = max(rounds, int(r))
            for c, (t, th, _, impls) in enumerate(cases):
                for i, (n, _) in enumerate(impls):
                    if (t, th, n) == (task, threads, name) and result is not None:
                        samples.setdefault((c, i), []).append(result)
    return rounds


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    compare, backprop = sys.argv[1], sys.argv[2]
    # `--from LOG`: no runs, the table of the progress lines a run wrote on stderr (of a run
    # stopped early, say; the load average and memory lines are then not known).
    from_log = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--from" else None
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 and not from_log else 3
    py = sys.executable
    peer = lambda fw, task: (lambda env, unset: json_result(
        [py, os.path.join(HERE, "peers.py"), fw, task], env, unset))
    lib = lambda *args: (lambda env, unset: json_result([compare, *args], env, unset))
    spec = lambda name: os.path.join(HERE, name)
    worked_spec = os.path.join(ROOT, "examples", "01-worked-example.toml")
    n = str(WORKED_STEPS)
    user = lambda s: (lambda env, unset: train_epochs(backprop, spec(s), env))
    mlp_peers = lambda task: [
        ("PyTorch eager", peer("torch", task)),
        ("JAX, jit step", peer("jax_jit", task)),
        ("JAX, lax.scan loop", peer("jax_scan", task)),
        ("NumPy (OpenBLAS as set here)", peer("numpy", task)),
        ("NumPy (OPENBLAS_* unset)",
         lambda env, unset: json_result([py, os.path.join(HERE, "peers.py"), "numpy", task],
                                        env, OPENBLAS_VARS)),
    ]
    mnist = lambda: [
        ("backprop train (the user's path)", user("mnist-784-256-10.toml")),
        ("backprop, library loop", lib("mnist", "1")),
        *mlp_peers("mnist"),
    ]
    cases = [
        ("worked", "all", None, [
            ("backprop", lib("worked", "200000", "5")),
            ("PyTorch eager", peer("torch", "worked")),
            ("JAX, jit step", peer("jax_jit", "worked")),
            ("JAX, lax.scan loop", peer("jax_scan", "worked")),
            ("NumPy (OpenBLAS as set here)", peer("numpy", "worked")),
        ]),
        ("worked-process", "all", None, [
            ("backprop train, 10⁶ epochs of one step",
             lambda env, unset: whole_process(
                 [backprop, "train", worked_spec, "--epochs", n, "--quiet"])),
            ("Trainer::step loop, 10⁶ steps", lambda env, unset: whole_process(
                [compare, "engine", n])),
            ("hand-fused floor, 10⁶ steps (the floor)", lambda env, unset: whole_process(
                [compare, "floor", n])),
        ]),
        ("mnist", "all", None, mnist()),
        ("mnist", "1", ONE_THREAD, mnist()),
        ("large", "all", None, [
            ("backprop train (the user's path)", user("mnist-784-1024-1024-10.toml")),
            ("backprop, library loop", lib("large", "2")),
            ("PyTorch eager", peer("torch", "large")),
            ("JAX, lax.scan loop", peer("jax_scan", "large")),
        ]),
        ("gemm", "all", None, [("backprop matmul (gemm crate), 512³ and 1024³", lib("gemm", "20"))]),
    ]

    print(f"# backprop vs PyTorch, JAX, NumPy — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"# machine: {cpu_model()}, {os.cpu_count()} logical CPUs, load average at start "
          f"{' '.join(f'{l:.1f}' for l in os.getloadavg())}")
    for k in OPENBLAS_VARS:
        print(f"# {k}={os.environ.get(k, '(unset)')}")
    samples = {}  # (case index, implementation index) -> results over the rounds
    if from_log:
        rounds = read_log(from_log, cases, samples)
    started = time.perf_counter()
    for r in range(0 if from_log else rounds):
        round_start = time.perf_counter()
        for c, (task, threads, env, impls) in enumerate(cases):
            for i, (name, run) in enumerate(impls):
                result = run(env, ())
                if result is not None:
                    samples.setdefault((c, i), []).append(result)
                print(f"  round {r + 1}  {task:14} {threads:>3} thread(s)  {name:40} "
                      f"{json.dumps(result)}", file=sys.stderr)
        print(f"  round {r + 1} took {time.perf_counter() - round_start:.0f} s", file=sys.stderr)
    memory = None if from_log else process(
        [backprop, "train", os.path.join(ROOT, "examples", "08-mnist.toml"), "--epochs", "1",
         "--quiet"])
    print(f"# load average at end {' '.join(f'{l:.1f}' for l in os.getloadavg())}; medians over "
          f"{rounds} rounds (min–max in brackets), {time.perf_counter() - started:.0f} s in all")
    if memory:
        print(f"# peak memory of `backprop train examples/08-mnist.toml --epochs 1`: "
              f"{memory[3]:,.0f} MB")
    print()
    print("| task | threads | implementation | version | result | backprop is … × faster |")
    print("|---|---|---|---|---:|---:|")
    labels = {
        "worked": "worked example step (f64, batch 2)",
        "worked-process": "worked example, whole process",
        "mnist": "784-256-10 epoch (f32, batch 128)",
        "large": "784-1024-1024-10 epoch (f32, batch 512)",
        "gemm": "GEMM peak (f32, best of 20 products)",
    }
    for c, (task, threads, _, impls) in enumerate(cases):
        rows = []
        for i, (name, _) in enumerate(impls):
            got = samples.get((c, i))
            if not got:
                rows.append((name, None, None))
                continue
            merged, spread = dict(got[0]), {}
            for key, value in got[0].items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    values = [g[key] for g in got]
                    merged[key] = statistics.median(values)
                    spread[key] = (min(values), max(values))
            rows.append((name, merged, spread))
        if task == "worked" and rows[0][1]:
            f = [g["floor_ns_per_step"] for g in samples[(c, 0)]]
            rows.insert(1, ("hand-fused scalar Rust loop (the floor)",
                            {"ns_per_step": statistics.median(f)},
                            {"ns_per_step": (min(f), max(f))}))
        ours = rows[0][1]
        for name, r, spread in rows:
            if r is None:
                print(f"| {labels[task]} | {threads} | {name} | | failed | |")
                continue
            version = r.get("version", "")
            if task == "worked":
                key = "ns_per_step"
                value = r[key]
                ratio = value / ours[key] if ours else float("nan")
                lo, hi = spread[key]
                shown = (f"{value:,.0f} ns/step ({lo:,.0f}–{hi:,.0f})" if value >= 100 else
                         f"{value:.1f} ns/step ({lo:.1f}–{hi:.1f})")
            elif task == "worked-process":
                # Here the ratio is the other way round: × the floor process (lower is better).
                floor = rows[-1][1]
                w, cpu = r["wall_s"], r["cpu_s"]
                (wl, wh), (cl, ch) = spread["wall_s"], spread["cpu_s"]
                shown = (f"{w:.3f} s wall ({wl:.3f}–{wh:.3f}), {cpu:.3f} s CPU ({cl:.3f}–{ch:.3f})")
                ratio_text = (f"{w / floor['wall_s']:.2f}× the floor's wall time, "
                              f"{cpu / floor['cpu_s']:.2f}× its CPU time") if floor else ""
                print(f"| {labels[task]} | {threads} | {name} | | {shown} | {ratio_text} |")
                continue
            elif task == "gemm":
                print(f"| {labels[task]} | {threads} | {name} | | {r['gflops_512']:.0f} GFLOP/s "
                      f"(512³), {r['gflops_1024']:.0f} (1024³) | |")
                continue
            else:
                value = r["samples_per_s"]
                lo, hi = spread["samples_per_s"]
                ratio = ours["samples_per_s"] / value if ours else float("nan")
                shown = f"{value:,.0f} samples/s ({lo:,.0f}–{hi:,.0f})"
                if "peak_mb" in r:
                    shown += f", peak {r['peak_mb']:,.0f} MB"
                shown += f", {value * FLOPS[task] / 1e9:.0f} GFLOP/s of products"
            print(f"| {labels[task]} | {threads} | {name} | {version} | {shown} | {ratio:,.2f} |")
    print()
    print("Ratios: each row against the first of its task (× faster than that row), except the "
          "whole-process rows, which are × the floor process's time (lower is better).")
    targets(cases, samples, memory)


def targets(cases, samples, memory):
    """The issue's targets, each from the medians above: the figure, the bound, met or not."""
    def med(task, threads, name, key):
        for c, (t, th, _, impls) in enumerate(cases):
            for i, (n, _) in enumerate(impls):
                if (t, th, n) == (task, threads, name) and samples.get((c, i)):
                    values = [g[key] for g in samples[(c, i)] if g.get(key) is not None]
                    return statistics.median(values) if values else None
        return None

    def ratio(a, b):
        return a / b if a is not None and b else None

    train = "backprop train (the user's path)"
    peak = max(filter(None, [med("gemm", "all", name, k) for name in
                             ["backprop matmul (gemm crate), 512³ and 1024³"]
                             for k in ("gflops_512", "gflops_1024")]), default=None)
    rows = [
        ("worked example, whole process (CPU time) × the floor process", "≤ 1.3", "le", 1.3,
         ratio(med("worked-process", "all", "backprop train, 10⁶ epochs of one step", "cpu_s"),
               med("worked-process", "all", "hand-fused floor, 10⁶ steps (the floor)", "cpu_s"))),
        ("worked example, engine step × the floor (in one process)", "≤ 1.25", "le", 1.25,
         ratio(med("worked", "all", "backprop", "ns_per_step"),
               med("worked", "all", "backprop", "floor_ns_per_step"))),
        ("784-256-10, backprop train ÷ JAX lax.scan, all threads", "≥ 1.25", "ge", 1.25,
         ratio(med("mnist", "all", train, "samples_per_s"),
               med("mnist", "all", "JAX, lax.scan loop", "samples_per_s"))),
        ("784-256-10, backprop train ÷ PyTorch, all threads", "≥ 2.5", "ge", 2.5,
         ratio(med("mnist", "all", train, "samples_per_s"),
               med("mnist", "all", "PyTorch eager", "samples_per_s"))),
        ("784-256-10, backprop train ÷ JAX lax.scan, 1 thread", "≥ 1.1", "ge", 1.1,
         ratio(med("mnist", "1", train, "samples_per_s"),
               med("mnist", "1", "JAX, lax.scan loop", "samples_per_s"))),
        ("784-1024-1024-10, backprop train ÷ JAX lax.scan", "≥ 1.2", "ge", 1.2,
         ratio(med("large", "all", train, "samples_per_s"),
               med("large", "all", "JAX, lax.scan loop", "samples_per_s"))),
        ("peak memory of examples/08-mnist.toml, MB", "≤ 300", "le", 300,
         memory[3] if memory else None),
    ]
    print()
    print("| target | bound | measured | met |")
    print("|---|---|---:|---|")
    for what, bound, kind, limit, value in rows:
        if value is None:
            print(f"| {what} | {bound} | not measured | |")
            continue
        met = value <= limit if kind == "le" else value >= limit
        print(f"| {what} | {bound} | {value:,.2f} | {'yes' if met else 'no'} |")
    for task, threads, name in [("large", "all", train), ("large", "all", "backprop, library loop"),
                                ("mnist", "all", train)]:
        sps = med(task, threads, name, "samples_per_s")
        if sps and peak:
            gflops = sps * FLOPS[task] / 1e9
            print(f"| {task}: {name}, whole-step products against the GEMM peak | | "
                  f"{gflops:,.0f} of {peak:,.0f} GFLOP/s = {100 * gflops / peak:.0f} % | |")


if __name__ == "__main__":
    main()
