"""Shared helpers: the repository's folders and the `backprop` command line."""

import os
import pathlib
import subprocess

import pytest

PYTHON_DIR = pathlib.Path(__file__).resolve().parent.parent
REPO = PYTHON_DIR.parent
EXAMPLES = REPO / "examples"
DATA = REPO / "data"


def cli_path():
    """The `backprop` binary: $BACKPROP_BIN, else the repository's release build."""
    path = pathlib.Path(os.environ.get("BACKPROP_BIN", REPO / "target" / "release" / "backprop"))
    if not path.exists():
        pytest.skip(f"no backprop binary at {path} (cargo build --release, or set BACKPROP_BIN)")
    return path


def cli(*args, check=True):
    """Runs the command line; returns the completed process (text)."""
    return subprocess.run(
        [str(cli_path()), *map(str, args)],
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )
