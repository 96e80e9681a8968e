#!/usr/bin/env bash
# The Python package (python/): builds and installs it into the shared virtual environment
# (.venv, made by .ci/run from .ci/requirements.txt; made here when missing), then runs its
# tests with pytest: scikit-learn's estimator checks, the worked example by hand, agreement
# with the CLI, numpy dtypes and layouts, errors, Ctrl-C, and the example notebook.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# maturin (the build backend, from .ci/requirements.txt) is called by name.
export PATH="$PWD/.venv/bin:$PATH"

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# Installs only what is missing (quick when everything is there).
.venv/bin/python -m pip install -q --disable-pip-version-check -r .ci/requirements.txt

# The CLI the tests compare with (already built by `cargo test --release`).
cargo build --release --bin backprop
# One build of the extension, in the repository's target folder (the engine's dependencies
# are the ones `cargo test --release` built).
CARGO_TARGET_DIR="$PWD/target" .venv/bin/python -m pip install -q --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps ./python
BACKPROP_BIN="$PWD/target/release/backprop" .venv/bin/python -m pytest -q python/tests
