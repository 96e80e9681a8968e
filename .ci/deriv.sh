#!/usr/bin/env bash
# The derivation's pictures: graphviz lays out `explain --format dot` and the test checks the
# parts stand in the notes' order. Installs Debian's graphviz when `dot` is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dot >/dev/null; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q graphviz
fi
BACKPROP_REQUIRE_GRAPHVIZ=1 cargo test --release --test explain_dot
