"""Type stubs of backprop's compiled module (re-exported by ``backprop``)."""

import os
from typing import Any, Callable, Optional, Union

import numpy as np
import numpy.typing as npt

__version__: str

ArrayLike = npt.ArrayLike
PathLike = Union[str, os.PathLike]

class Network:
    """A feed-forward network of the engine: from a spec (``from_spec``) or a model file
    (``backprop.load``). Layers are numbered from 0."""

    @staticmethod
    def from_spec(spec: PathLike) -> "Network":
        """A spec file's path, or TOML text (a string holding ``=`` or a line break)."""
    @staticmethod
    def worked_example() -> "Network":
        """The seed notes' 2-2-1 sigmoid network, SGD η = 0.5, its two samples inline."""
    @property
    def inputs(self) -> int: ...
    @property
    def outputs(self) -> int: ...
    @property
    def dtype(self) -> str:
        """``"float32"`` or ``"float64"``."""
    @property
    def loss(self) -> str: ...
    @property
    def layers(self) -> list[dict[str, Any]]:
        """``[{"inputs": 2, "units": 2, "activation": "sigmoid", "bias": "shared"}, …]``."""
    @property
    def epoch(self) -> int:
        """Epochs trained so far."""
    @property
    def step(self) -> int:
        """Optimizer steps taken so far."""
    @property
    def epoch_position(self) -> int:
        """Samples of a stopped epoch already trained on (0 between epochs)."""
    def weights(self, layer: int) -> np.ndarray:
        """``[units × inputs]`` (a copy)."""
    def bias(self, layer: int) -> np.ndarray:
        """One value per unit, or one when shared (a copy)."""
    def parameters(self) -> np.ndarray:
        """Every parameter, flat: layer by layer, weights row by row, then bias."""
    def set_parameters(self, values: ArrayLike) -> None: ...
    def train(
        self,
        x: Optional[ArrayLike] = None,
        y: Optional[ArrayLike] = None,
        *,
        epochs: Optional[int] = None,
        batch_size: Optional[int] = None,
        learning_rate: Optional[float] = None,
        shuffle: Optional[bool] = None,
        seed: Optional[int] = None,
        validation: Optional[ArrayLike] = None,
        callback: Optional[Callable[[dict[str, Any]], Any]] = None,
        with_params: bool = False,
    ) -> list[dict[str, Any]]:
        """Trains on ``x``, ``y`` (or the spec's ``[data]``); returns each epoch's report.
        Ctrl-C raises ``KeyboardInterrupt`` after the current step, state kept."""
    def predict(self, x: ArrayLike) -> np.ndarray:
        """``[samples × outputs]`` in the network's dtype."""
    def loss_of(self, x: ArrayLike, y: ArrayLike) -> float:
        """The mean loss on ``x``, ``y``."""
    def save(self, path: PathLike) -> None:
        """The CLI's model file (safetensors), written atomically."""
    def explain(
        self,
        x: Optional[ArrayLike] = None,
        y: Optional[ArrayLike] = None,
        *,
        sample: Optional[int] = None,
        lang: str = "en",
        digits: int = 6,
        learning_rate: Optional[float] = None,
    ) -> "Explanation":
        """One training step written out."""

class Explanation:
    """One training step, written out; Jupyter shows the derivation page."""

    def _repr_html_(self) -> str: ...
    def _repr_markdown_(self) -> str: ...
    def to_html(self) -> str: ...
    def to_markdown(self) -> str: ...
    def to_json(self) -> str: ...
    def to_text(self) -> str: ...
    def to_dot(self) -> str: ...

class CheckResult:
    """A learner's notes marked as written (``backprop check``); Jupyter shows them marked in place."""

    @property
    def all_correct(self) -> bool: ...
    @property
    def claims(self) -> list[dict[str, Any]]:
        """One dict per figure, as the JSON record: ``line``, ``written``, ``value``, ``named``,
        ``quantity``, ``identified_by``, ``verdict`` (``correct``, ``slip``, ``carried``,
        ``misnamed``, ``unrecognised``), ``slip``, ``expected``, ``yours``, ``from``,
        ``rounding``, ``is``, ``wrong_numbers``, ``because``."""
    @property
    def summary(self) -> dict[str, Any]:
        """``correct``, ``slip``, ``carried``, ``misnamed``, ``unrecognised`` counts and ``text``."""
    @property
    def setup(self) -> dict[str, Any]:
        """``source`` (``notes``, ``spec``, ``worked example``), ``summary``, ``read``, ``spec``."""
    def claim(self, quantity: str) -> Optional[dict[str, Any]]:
        """The first figure claimed as ``quantity`` (``explain``'s names, e.g. ``s1.z_h1``)."""
    def __len__(self) -> int: ...
    def _repr_html_(self) -> str: ...
    def to_html(self) -> str: ...
    def to_markdown(self) -> str: ...
    def to_json(self) -> str: ...
    def to_text(self) -> str: ...

def load(path: PathLike) -> Network:
    """A model file written by ``backprop train --save`` or ``Network.save``."""

def check(
    notes: PathLike,
    spec: Union[PathLike, Network, None] = None,
    *,
    sample: Optional[int] = None,
    lang: str = "en",
) -> CheckResult:
    """Marks a learner's notes as written (text, Markdown, LaTeX; English or Chinese; or
    ``name = value`` lines), given as text or a path. The setup is the one the notes state (the
    worked example when they state none), or ``spec`` (a path, TOML text or a ``Network``), which
    must fit what the notes state."""
