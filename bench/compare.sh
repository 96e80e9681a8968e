#!/usr/bin/env bash
# backprop against PyTorch, JAX and NumPy on the same two tasks, in one run (see README,
# "Performance"). Installs what it needs with pip into bench/.venv (git-ignored, several GB:
# PyTorch's Linux wheel from PyPI is the CUDA build and needs its nvidia-* wheels to import,
# even to run on the CPU alone). Not part of `cargo test`.
#
#   bench/compare.sh            # prints a Markdown table on stdout, progress on stderr
set -euo pipefail
cd "$(dirname "$0")/.."

venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet numpy "jax[cpu]" torch

cargo build --release --quiet --example compare
target="${CARGO_TARGET_DIR:-target}"
"$venv/bin/python" bench/compare.py "$target/release/examples/compare"
