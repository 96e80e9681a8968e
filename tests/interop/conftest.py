"""Shared helpers: the release binary, and training a small spec into a model file."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("BACKPROP_BIN", ROOT / "target" / "release" / "backprop"))


def run(*args, cwd=None):
    """Runs the binary; fails the test with its output when it exits non-zero."""
    done = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert done.returncode == 0, f"backprop {' '.join(map(str, args))}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="session")
def binary():
    assert BIN.exists(), f"{BIN} is missing: run `cargo build --release` first"
    return BIN
