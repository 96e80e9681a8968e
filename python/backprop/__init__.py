"""backprop: a neural-network training engine built around backpropagation, exact and fast,
that shows its work.

- ``MLPClassifier``, ``MLPRegressor``: scikit-learn estimators (``fit``, ``predict``, …).
- ``Network``: a network from a spec (``Network.from_spec``) or a model file (``load``), with
  ``train``, ``predict``, ``save`` and ``explain`` (one training step written out).
- ``check(notes, spec=None)``: marks a learner's notes of a step as written.

numpy in and out: float32 or float64, C or Fortran order (lists and DataFrames through numpy).
Training releases the GIL; Ctrl-C stops it after the current step (``KeyboardInterrupt``),
with the state kept.
"""

from typing import TYPE_CHECKING

from . import errors
from ._native import CheckResult, Explanation, Network, __version__, check, load
from .errors import Error, FileError, InputError, TrainingDiverged

if TYPE_CHECKING:
    from .estimators import MLPClassifier, MLPRegressor


def __getattr__(name):
    # The estimators need scikit-learn; import them only when asked for.
    if name in ("MLPClassifier", "MLPRegressor"):
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'backprop' has no attribute {name!r}")


__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "Network",
    "Explanation",
    "CheckResult",
    "load",
    "check",
    "Error",
    "InputError",
    "FileError",
    "TrainingDiverged",
    "errors",
    "__version__",
]


def _network_from_pickle(*state):
    """Rebuilds a pickled ``Network`` (its model file's bytes and its spec's text)."""
    return Network._from_pickle(*state)
