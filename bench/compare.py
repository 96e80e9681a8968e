"""Runs the two benchmark tasks in backprop, PyTorch, JAX and NumPy, each in its own process,
and prints one Markdown table with the ratios. Started by compare.sh.

    python compare.py PATH/TO/examples/compare [ROUNDS]

The machine is shared, so its load changes while the script runs: every implementation is run
once per round, the rounds one after the other (ROUNDS, default 3), and the table shows each
one's median over the rounds, so that all of them sample the same stretch of time.
"""

import statistics

import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# One thread everywhere: rayon, OpenMP (PyTorch), OpenBLAS (NumPy), XLA (JAX); and the process
# pinned to one core (taskset), since not every pool obeys its variable.
ONE_THREAD = {
    "RAYON_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


def run(cmd, env_set=None, env_unset=()):
    if env_set is ONE_THREAD:
        cmd = ["taskset", "-c", "0", *cmd]  # one core, whatever a library's thread pool does
    env = dict(os.environ)
    for k in env_unset:
        env.pop(k, None)
    env.update(env_set or {})
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if out.returncode != 0 or not lines:
        sys.stderr.write(f"failed: {' '.join(cmd)}\n{out.stderr[-2000:]}\n")
        return None
    return json.loads(lines[-1])


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
    backprop = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    py = sys.executable
    peer = lambda fw, task: [py, os.path.join(HERE, "peers.py"), fw, task]
    ours = {"worked": [backprop, "worked", "200000", "5"], "mnist": [backprop, "mnist", "1"]}
    impls = [
        ("backprop", lambda t: ours[t], ()),
        ("PyTorch eager", lambda t: peer("torch", t), ()),
        ("JAX, jit step", lambda t: peer("jax_jit", t), ()),
        ("JAX, lax.scan loop", lambda t: peer("jax_scan", t), ()),
        ("NumPy (OpenBLAS as set here)", lambda t: peer("numpy", t), ()),
        ("NumPy (OPENBLAS_* unset)", lambda t: peer("numpy", t), OPENBLAS_VARS),
    ]
    cases = [("worked", "all", None), ("mnist", "all", None), ("mnist", "1", ONE_THREAD)]

    print(f"# backprop vs PyTorch, JAX, NumPy — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"# machine: {cpu_model()}, {os.cpu_count()} logical CPUs, "
          f"load average at start {os.getloadavg()[0]:.1f}")
    for k in OPENBLAS_VARS:
        print(f"# {k}={os.environ.get(k, '(unset)')}")
    samples = {}  # (case index, implementation index) -> results over the rounds
    for r in range(rounds):
        for c, (task, threads, env) in enumerate(cases):
            for i, (name, cmd, unset) in enumerate(impls):
                result = run(cmd(task), env, unset)
                if result is not None:
                    samples.setdefault((c, i), []).append(result)
                print(f"  round {r + 1}  {task:6} {threads:>3} thread(s)  {name:30} "
                      f"{json.dumps(result)}", file=sys.stderr)
    rows = []
    for c, (task, threads, env) in enumerate(cases):
        results = []
        for i, (name, _, _) in enumerate(impls):
            got = samples.get((c, i))
            if not got:
                results.append((name, None))
                continue
            merged = dict(got[0])
            for key, value in got[0].items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    merged[key] = statistics.median(g[key] for g in got)
            results.append((name, merged))
        rows.append((task, threads, results))
    print(f"# load average at end {os.getloadavg()[0]:.1f}; medians over {rounds} rounds")
    print()
    print("| task | threads | implementation | version | result | backprop is … × faster |")
    print("|---|---|---|---|---:|---:|")
    for task, threads, results in rows:
        ours_r = results[0][1]
        if task == "worked" and ours_r:
            floor = {"ns_per_step": ours_r["floor_ns_per_step"]}
            results = results[:1] + [("hand-fused scalar Rust loop (the floor)", floor)] + results[1:]
        for name, r in results:
            if r is None:
                print(f"| {task} | {threads} | {name} | | failed | |")
                continue
            version = r.get("version", "")
            if task == "worked":
                value, unit = r["ns_per_step"], "ns/step"
                ratio = value / ours_r["ns_per_step"] if ours_r else float("nan")
                shown = f"{value:,.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"
            else:
                value = r["samples_per_s"]
                ratio = ours_r["samples_per_s"] / value if ours_r else float("nan")
                shown = f"{value:,.0f} samples/s"
            label = "worked example step (f64, batch 2)" if task == "worked" else \
                "784-256-10 epoch (f32, batch 128)"
            print(f"| {label} | {threads} | {name} | {version} | {shown} | {ratio:,.2f} |")


if __name__ == "__main__":
    main()
