"""scikit-learn estimators over backprop's engine: ``MLPClassifier`` and ``MLPRegressor``.

Their parameters are scikit-learn's where they mean the same (``hidden_layer_sizes``,
``activation``, ``solver``, ``batch_size``, ``learning_rate_init``, ``max_iter``, ``tol``,
``early_stopping``, …), with the same stopping rule; three are backprop's own: ``loss``,
``dtype`` and ``bias``. Differences from ``sklearn.neural_network``:

- ``solver`` is ``"sgd"`` or ``"adam"`` (no ``"lbfgs"``); ``"sgd"`` with ``momentum > 0`` is
  classical momentum (no Nesterov), with a constant learning rate.
- ``alpha`` is scikit-learn's L2 penalty, ``alpha/(2·batch)·Σw²`` added to each batch's loss
  (weights only, not intercepts): the engine's coupled ``weight_decay`` λ = ``alpha / batch``.
  scikit-learn divides by the batch actually drawn, so on a smaller last batch of an epoch the
  two differ; ``loss_curve_`` is the data loss, without the penalty.
- Initial weights are He-uniform for ReLU layers and Glorot-uniform for the others, drawn
  from ``random_state``.
- A two-class classifier has one sigmoid output trained with binary cross-entropy, a
  many-class one a softmax output with cross-entropy (as scikit-learn).
"""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from ._native import Network

# scikit-learn's names, and backprop's own, for the hidden layers' activation.
_ACTIVATIONS = {
    "identity": "linear",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "linear": "linear",
    "sigmoid": "sigmoid",
    "leaky_relu": "leaky_relu",
}
_OUT_NAMES = {"softmax": "softmax", "sigmoid": "logistic", "linear": "identity"}


def _toml_float(x):
    return repr(float(x))


class _BaseMLP(BaseEstimator):
    """What the two estimators share: the network, its training and the stopping rule."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0,
        batch_size="auto",
        learning_rate_init=0.001,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        warm_start=False,
        momentum=0.9,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        loss=None,
        dtype="float64",
        bias="per_unit",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.warm_start = warm_start
        self.momentum = momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.loss = loss
        self.dtype = dtype
        self.bias = bias

    # -- parameters -----------------------------------------------------------------------

    def _hidden(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = [sizes]
        try:
            sizes = list(sizes)
        except TypeError:
            raise ValueError(
                f"hidden_layer_sizes={sizes!r}, expected a tuple of positive integers"
            ) from None
        if not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r}, expected positive integers"
            )
        return [int(s) for s in sizes]

    def _check_params(self):
        def bad(name, expected):
            raise ValueError(f"{name}={getattr(self, name)!r}, expected {expected}")

        if self.activation not in _ACTIVATIONS:
            bad("activation", "one of " + ", ".join(map(repr, _ACTIVATIONS)))
        if self.solver not in ("sgd", "adam"):
            bad("solver", "'sgd' or 'adam' (backprop has no 'lbfgs')")
        if not (isinstance(self.alpha, numbers.Real) and 0 <= self.alpha < np.inf):
            bad("alpha", "a number >= 0")
        if self.batch_size != "auto" and not (
            isinstance(self.batch_size, numbers.Integral) and self.batch_size >= 1
        ):
            bad("batch_size", "'auto' or a positive integer")
        if not (isinstance(self.learning_rate_init, numbers.Real) and self.learning_rate_init > 0):
            bad("learning_rate_init", "a number > 0")
        if not (isinstance(self.max_iter, numbers.Integral) and self.max_iter >= 1):
            bad("max_iter", "an integer >= 1")
        if not (isinstance(self.tol, numbers.Real) and self.tol >= 0):
            bad("tol", "a number >= 0")
        if not (isinstance(self.momentum, numbers.Real) and 0 <= self.momentum < 1):
            bad("momentum", "a number in [0, 1)")
        if not (isinstance(self.validation_fraction, numbers.Real) and 0 < self.validation_fraction < 1):
            bad("validation_fraction", "a number in (0, 1)")
        for name in ("beta_1", "beta_2"):
            if not (isinstance(getattr(self, name), numbers.Real) and 0 <= getattr(self, name) < 1):
                bad(name, "a number in [0, 1)")
        if not (isinstance(self.epsilon, numbers.Real) and self.epsilon > 0):
            bad("epsilon", "a number > 0")
        if not (isinstance(self.n_iter_no_change, numbers.Integral) and self.n_iter_no_change >= 1):
            bad("n_iter_no_change", "an integer >= 1")
        if np.dtype(self.dtype) not in (np.float32, np.float64):
            bad("dtype", "'float32' or 'float64'")
        if self.bias not in ("per_unit", "shared"):
            bad("bias", "'per_unit' or 'shared'")
        if self.loss is not None and self.loss not in self._losses:
            bad("loss", "None or one of " + ", ".join(map(repr, self._losses)))
        self._hidden()

    def _spec(self, n_features, n_outputs, out_activation, loss, seed, batch):
        """The spec (TOML) of the network: the same file `backprop train` would read."""
        if self.solver == "adam":
            optimizer = (
                'kind = "adam"\n'
                f"beta1 = {_toml_float(self.beta_1)}\n"
                f"beta2 = {_toml_float(self.beta_2)}\n"
                f"eps = {_toml_float(self.epsilon)}\n"
            )
        elif self.momentum > 0:
            optimizer = f'kind = "momentum"\nmomentum = {_toml_float(self.momentum)}\n'
        else:
            optimizer = 'kind = "sgd"\n'
        if self.alpha > 0:
            optimizer += f"weight_decay = {_toml_float(self.alpha / batch)}\n"
        lines = [
            f"inputs = {n_features}",
            f'loss = "{loss}"',
            f'dtype = "{"f32" if np.dtype(self.dtype) == np.float32 else "f64"}"',
            "[optimizer]",
            optimizer + f"learning_rate = {_toml_float(self.learning_rate_init)}",
            "[training]",
            f"seed = {seed}",
            f"shuffle = {'true' if self.shuffle else 'false'}",
            f"batch_size = {batch}",
        ]
        activation = _ACTIVATIONS[self.activation]
        for units in self._hidden():
            lines += ["[[layers]]", f"units = {units}", f'activation = "{activation}"', f'bias = "{self.bias}"']
        lines += ["[[layers]]", f"units = {n_outputs}", f'activation = "{out_activation}"', f'bias = "{self.bias}"']
        return "\n".join(lines) + "\n"

    def _batch(self, n):
        if self.batch_size == "auto":
            return min(200, n)
        if self.batch_size > n:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped"
            )
        return min(self.batch_size, n)

    # -- training -------------------------------------------------------------------------

    def _validate(self, X, y, reset):
        dtypes = (np.float32, np.float64) if np.dtype(self.dtype) == np.float32 else (np.float64, np.float32)
        return validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=dtypes,
            multi_output=self._multi_output,
            y_numeric=not self._classifies,
        )

    def _fit(self, X, y, incremental, classes=None):
        self._check_params()
        first = not hasattr(self, "_net") or not (incremental or self.warm_start)
        X, y = self._validate(X, y, reset=first)
        Y, out_activation, loss = self._targets(y, first, classes)
        n = X.shape[0]
        if first:
            rng = check_random_state(self.random_state)
            self._seed = int(rng.randint(np.iinfo(np.int32).max))
            self._rng = rng
            spec = self._spec(X.shape[1], Y.shape[1], out_activation, loss, self._seed, self._batch(n))
            self._net = Network.from_spec(spec)
            self.loss_curve_ = []
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self._no_improvement_count = 0
            self.n_iter_ = 0
            self.t_ = 0
            self._sync()
        elif Y.shape[1] != self._net.outputs:
            raise ValueError(
                f"y has {Y.shape[1]} output columns, but the fitted network has {self._net.outputs}"
            )
        early = self.early_stopping and not incremental
        X_val = y_val = None
        if early:
            stratify = y if self._classifies else None
            X, X_val, Y, y_val = train_test_split(
                X,
                Y,
                test_size=self.validation_fraction,
                random_state=self._rng,
                stratify=stratify,
            )
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
            n = X.shape[0]
        stopped = []
        best = []

        def after_epoch(report):
            self.loss_curve_.append(report["train_loss"])
            self.n_iter_ += 1
            self.t_ += n
            if incremental:
                return False
            if early:
                score = self._score_outputs(report["outputs"], y_val)
                self.validation_scores_.append(score)
                if score < self.best_validation_score_ + self.tol:
                    self._no_improvement_count += 1
                else:
                    self._no_improvement_count = 0
                if score > self.best_validation_score_:
                    self.best_validation_score_ = score
                    best[:] = [report["params"].copy()]
            else:
                loss = self.loss_curve_[-1]
                if loss > self.best_loss_ - self.tol:
                    self._no_improvement_count += 1
                else:
                    self._no_improvement_count = 0
                if loss < self.best_loss_:
                    self.best_loss_ = loss
            if self._no_improvement_count > self.n_iter_no_change:
                stopped.append(True)
                return True
            return False

        try:
            self._net.train(
                X,
                Y,
                epochs=1 if incremental else self.max_iter,
                batch_size=self._batch(n),
                shuffle=self.shuffle,
                validation=X_val,
                callback=after_epoch,
                with_params=early,
            )
        finally:
            # Also after Ctrl-C (KeyboardInterrupt) or an error: the estimator stays usable
            # with the parameters training reached.
            if early and best:
                self._net.set_parameters(best[0])
            self._sync()
        if not incremental and not stopped:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        return self

    def _sync(self):
        """The fitted attributes, from the network."""
        net = self._net
        layers = net.layers
        self.coefs_ = [net.weights(i).T.copy() for i in range(len(layers))]
        self.intercepts_ = [
            np.broadcast_to(net.bias(i), (layer["units"],)).copy() for i, layer in enumerate(layers)
        ]
        self.n_layers_ = len(layers) + 1
        self.n_outputs_ = net.outputs
        self.out_activation_ = _OUT_NAMES.get(layers[-1]["activation"], layers[-1]["activation"])

    @property
    def network_(self):
        """The fitted ``backprop.Network`` (``explain``, ``save``, …)."""
        check_is_fitted(self, "_net")
        return self._net

    def _outputs(self, X):
        check_is_fitted(self, "_net")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self._net.predict(X)

    def fit(self, X, y):
        """Trains on ``X`` (``[samples × features]``) and ``y`` for up to ``max_iter`` epochs,
        stopping when the training loss (or, with ``early_stopping``, the validation score)
        has not improved by ``tol`` for ``n_iter_no_change`` epochs. Returns ``self``."""
        return self._fit(X, y, incremental=False)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multi-layer perceptron classifier trained by backprop's engine.

    ``MLPClassifier(hidden_layer_sizes=(64,)).fit(X, y).predict(X)`` as in scikit-learn.
    Fitted attributes: ``classes_``, ``loss_curve_``, ``n_iter_``, ``coefs_`` and
    ``intercepts_`` (numpy copies; ``coefs_[i]`` is ``[inputs × units]``), ``best_loss_``,
    ``validation_scores_``, ``best_validation_score_``, ``t_``, ``n_features_in_``,
    ``n_layers_``, ``n_outputs_``, ``out_activation_``, and ``network_`` (the
    ``backprop.Network``).
    """

    _classifies = True
    _multi_output = False
    _losses = ("cross_entropy", "bce", "mse", "half_sse")

    def _targets(self, y, first, classes):
        check_classification_targets(y)
        if first:
            self.classes_ = unique_labels(y) if classes is None else unique_labels(classes)
        elif not np.isin(unique_labels(y), self.classes_).all():
            raise ValueError(
                f"y has classes not in self.classes_ ({list(self.classes_)}): "
                f"{sorted(set(unique_labels(y)) - set(self.classes_))}"
            )
        k = len(self.classes_)
        if k < 2:
            raise ValueError(
                f"y has only one class ({self.classes_[0]!r}); a classifier needs at least 2 classes"
            )
        index = np.searchsorted(self.classes_, y)
        dtype = np.dtype(self.dtype)
        if k == 2:
            return index.astype(dtype).reshape(-1, 1), "sigmoid", self.loss or "bce"
        Y = np.zeros((len(y), k), dtype=dtype)
        Y[np.arange(len(y)), index] = 1
        return Y, "softmax", self.loss or "cross_entropy"

    def _score_outputs(self, outputs, y_onehot):
        return accuracy_score(self._classes_of(y_onehot), self._classes_of(outputs))

    @staticmethod
    def _classes_of(outputs):
        if outputs.shape[1] == 1:
            return (outputs[:, 0] >= 0.5).astype(int)
        return np.argmax(outputs, axis=1)

    def partial_fit(self, X, y, classes=None):
        """One epoch on ``X``, ``y``, continuing the optimizer's state. ``classes`` (every
        class there will be) is needed on the first call."""
        if not hasattr(self, "_net") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit(X, y, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Class probabilities, ``[samples × classes]`` in the order of ``classes_``."""
        out = self._outputs(X)
        if out.shape[1] == 1:
            return np.hstack([1 - out, out])
        return out

    def predict_log_proba(self, X):
        """The log of ``predict_proba``."""
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each sample."""
        outputs = self._outputs(X)
        return self.classes_[self._classes_of(outputs)]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multi-layer perceptron regressor (linear outputs) trained by backprop's engine.

    Loss ``half_sse`` by default (½(y − ŷ)², averaged over the batch: scikit-learn's squared
    error for one output), or ``mse``. ``y`` may have several columns. Fitted attributes as
    ``MLPClassifier``'s, without ``classes_``.
    """

    _classifies = False
    _multi_output = True
    _losses = ("half_sse", "mse")

    def _targets(self, y, first, classes):
        y = np.asarray(y)
        if first:
            self._y_column = y.ndim == 1
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        return Y.astype(np.dtype(self.dtype), copy=False), "linear", self.loss or "half_sse"

    def _score_outputs(self, outputs, y):
        return r2_score(y, outputs)

    def partial_fit(self, X, y):
        """One epoch on ``X``, ``y``, continuing the optimizer's state."""
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """The predicted targets: ``[samples]`` when ``y`` was one column, else
        ``[samples × outputs]``."""
        out = self._outputs(X)
        return out[:, 0] if self._y_column else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


__all__ = ["MLPClassifier", "MLPRegressor"]
