#!/usr/bin/env bash
# backprop against PyTorch, JAX and NumPy on the same tasks, in one run (see README,
# "Performance"): the worked example's step, the same as whole processes (`backprop train` for
# 10⁶ one-step epochs against the hand-fused floor), 784-256-10 and 784-1024-1024-10 epochs on
# MNIST-shaped data (the library's loop, and `backprop train` on MNIST itself), peak memory. Installs what it needs with pip into bench/.venv (git-ignored, several GB:
# PyTorch's Linux wheel from PyPI is the CUDA build and needs its nvidia-* wheels to import,
# even to run on the CPU alone). Not part of `cargo test`.
#
#   bench/compare.sh            # prints a Markdown table on stdout, progress on stderr
#   bench/compare.sh 1          # one round instead of three (a quick look)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# Quiet and fast once installed.
"$venv/bin/python" -c "import numpy, jax, torch" 2>/dev/null ||
    "$venv/bin/pip" install --quiet numpy "jax[cpu]" torch

cargo build --release --quiet --example compare --bin backprop
target="${CARGO_TARGET_DIR:-target}"
"$venv/bin/python" bench/compare.py "$target/release/examples/compare" "$target/release/backprop" "$@"
