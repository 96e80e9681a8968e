#!/usr/bin/env bash
# Data-parallel training on MPI (the `mpi` feature): installs Debian's OpenMPI and libclang
# (the bindings are generated at build time) when missing, builds with `--features mpi` into
# the shared target folder, and runs tests/mpi.rs, which starts `mpirun --allow-run-as-root
# --oversubscribe -np 1/2/3` on this machine: the model files of 1, 2 and 3 ranks equal the
# one-process run's byte for byte, resume on another number of ranks, SIGTERM on one rank,
# a rank killed, a rank that read other data; with --all-reduce, 2 and 3 ranks within rounding
# of the one-process run, and SIGTERM on one rank.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
command -v mpirun >/dev/null || missing+=(openmpi-bin)
dpkg -s libopenmpi-dev >/dev/null 2>&1 || missing+=(libopenmpi-dev)
dpkg -s libclang-dev >/dev/null 2>&1 || missing+=(libclang-dev)
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
cargo clippy --all-targets --features mpi -- -D warnings
# The ranks of one test share the machine's cores: one test at a time.
cargo test --release --features mpi --test mpi -- --test-threads 1
