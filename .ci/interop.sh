#!/usr/bin/env bash
# Interop tests against real clients: ONNX export (onnx's checker, onnxruntime) and TensorBoard
# event files (TensorBoard's event_accumulator). Expects the shared .venv that .ci/run creates
# from .ci/requirements.txt; creates it when run alone. Builds the release binary the tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if ! .venv/bin/python -c "import onnx, onnxruntime, tensorboard, numpy, pytest" 2>/dev/null; then
    .venv/bin/pip install -q -r .ci/requirements.txt
fi
cargo build --release --quiet
.venv/bin/python -m pytest -q tests/interop
