"""The scikit-learn estimators: scikit-learn's own estimator checks, and what they learn."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from backprop import MLPClassifier, MLPRegressor

# Checks expected to fail, and why (each is a design choice, not a bug).
EXPECTED_FAILURES = {}


def expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [MLPClassifier(max_iter=200), MLPRegressor(max_iter=200)],
    expected_failed_checks=expected_failures,
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def iris():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


def test_classifier_learns_iris():
    X_train, X_test, y_train, y_test = iris()
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0, learning_rate_init=0.01)
    clf.fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.9
    assert list(clf.classes_) == [0, 1, 2]
    assert [c.shape for c in clf.coefs_] == [(4, 16), (16, 3)]
    assert [b.shape for b in clf.intercepts_] == [(16,), (3,)]
    assert clf.n_iter_ == len(clf.loss_curve_) <= 300
    assert clf.out_activation_ == "softmax" and clf.n_layers_ == 3 and clf.n_outputs_ == 3
    p = clf.predict_proba(X_test)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-12)
    # The fitted attributes are the network's parameters: predict by hand from them.
    h = np.maximum(X_test @ clf.coefs_[0] + clf.intercepts_[0], 0)
    z = h @ clf.coefs_[1] + clf.intercepts_[1]
    by_hand = np.exp(z - z.max(axis=1, keepdims=True))
    by_hand /= by_hand.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, by_hand, rtol=1e-10)


def test_binary_classifier_has_one_sigmoid_output():
    X, y = load_iris(return_X_y=True)
    names = np.array(["no", "yes"])[(y == 2).astype(int)]
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=200, random_state=1, learning_rate_init=0.01).fit(X, names)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    assert set(clf.predict(X)) <= {"no", "yes"} and clf.score(X, names) > 0.9
    assert clf.predict_proba(X).shape == (150, 2)


def test_same_random_state_same_model_and_float32():
    X_train, _, y_train, _ = iris()
    a = MLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=3).fit(X_train, y_train)
    b = clone(a).fit(X_train, y_train)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    c = clone(a).set_params(dtype="float32").fit(X_train.astype(np.float32), y_train)
    assert c.coefs_[0].dtype == np.float32 and c.predict_proba(X_train).dtype == np.float32
    np.testing.assert_allclose(c.coefs_[0], a.coefs_[0], atol=1e-3)


def test_partial_fit_continues_one_epoch_at_a_time():
    X_train, X_test, y_train, y_test = iris()
    clf = MLPClassifier(hidden_layer_sizes=(16,), random_state=0, learning_rate_init=0.01)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X_train, y_train)
    for _ in range(100):
        clf.partial_fit(X_train, y_train, classes=[0, 1, 2])
    assert clf.n_iter_ == 100 and clf.score(X_test, y_test) > 0.85
    with pytest.raises(ValueError, match="classes not in"):
        clf.partial_fit(X_train, y_train + 5)


def test_early_stopping_keeps_the_best_validation_score():
    X_train, _, y_train, _ = iris()
    clf = MLPClassifier(hidden_layer_sizes=(16,), early_stopping=True, n_iter_no_change=5, max_iter=500, random_state=0, learning_rate_init=0.01)
    clf.fit(X_train, y_train)
    assert clf.n_iter_ < 500 and len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_tol_stops_when_the_loss_stalls():
    X_train, _, y_train, _ = iris()
    params = dict(hidden_layer_sizes=(16,), tol=10.0, n_iter_no_change=3, random_state=0)
    clf = MLPClassifier(**params).fit(X_train, y_train)
    # The first epoch sets the best loss; no later one improves it by 10, so the count of
    # epochs without improvement passes n_iter_no_change = 3 at epoch 5 (scikit-learn's rule).
    assert clf.n_iter_ == 5
    from sklearn.neural_network import MLPClassifier as Reference

    assert Reference(**params).fit(X_train, y_train).n_iter_ == clf.n_iter_


def test_regressor_learns_a_linear_map_and_many_outputs():
    X, y = make_regression(n_samples=300, n_features=5, n_targets=2, noise=0.1, random_state=0)
    y = StandardScaler().fit_transform(y)
    reg = MLPRegressor(hidden_layer_sizes=(32,), max_iter=300, random_state=0, learning_rate_init=0.01)
    reg.fit(X, y)
    assert reg.predict(X).shape == (300, 2) and reg.score(X, y) > 0.95
    one = clone(reg).fit(X, y[:, 0])
    assert one.predict(X).shape == (300,)


def test_bad_parameters_raise_at_fit():
    X_train, _, y_train, _ = iris()
    for params, message in [
        ({"solver": "lbfgs"}, "solver"),
        ({"alpha": -0.1}, "alpha"),
        ({"activation": "swish"}, "activation"),
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
        ({"batch_size": 0}, "batch_size"),
        ({"dtype": "int8"}, "dtype"),
    ]:
        with pytest.raises(ValueError, match=message):
            MLPClassifier(**params).fit(X_train, y_train)


def test_network_of_a_fitted_estimator_explains_a_step():
    X_train, _, y_train, _ = iris()
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(X_train, y_train)
    onehot = np.eye(3)[y_train[:2]]
    e = clf.network_.explain(X_train[:2], onehot)
    assert "E_total" in str(e)


def test_alpha_is_l2_over_the_batch():
    """One full-batch SGD step: w₁ = w₀ − η(g + (alpha/n)·w₀) on the weights, and the
    intercepts as without alpha. w₀ comes from two steps without alpha, at η and 2η, which
    start at the same w₀ with the same g: w₀ = 2·A − C."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1
    eta, alpha, n = 0.05, 0.3, len(X)

    def step(a, lr):
        reg = MLPRegressor(
            hidden_layer_sizes=(4,), solver="sgd", momentum=0.0, alpha=a, learning_rate_init=lr,
            batch_size=n, shuffle=False, random_state=7,
        )
        return reg.partial_fit(X, y)

    A, B, C = step(0.0, eta), step(alpha, eta), step(0.0, 2 * eta)
    for a, b, c in zip(A.coefs_, B.coefs_, C.coefs_):
        w0 = 2 * a - c
        np.testing.assert_allclose(b, a - eta * (alpha / n) * w0, rtol=1e-10, atol=1e-13)
        assert not np.allclose(b, a)
    for a, b in zip(A.intercepts_, B.intercepts_):
        np.testing.assert_array_equal(a, b)
