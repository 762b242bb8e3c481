import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from blofin_assets.ml.models.calibration import ScoreCalibrated


class Scores:
    """A stand-in classifier with fixed decision scores (the calibrator needs only those)."""

    def __init__(self, classes):
        self.classes_ = np.asarray(classes)

    def decision_function(self, X):
        return np.asarray(X, dtype=float)


def three_classes(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    scores = rng.normal(0, 1, (n, 3))
    scores[np.arange(n), y] += 2.0  # the true class scores higher; true posterior = softmax(2 s)
    return scores, y


def expected_calibration_error(proba, y, bins=10):
    top, right = proba.max(axis=1), proba.argmax(axis=1) == y
    which = np.minimum((top * bins).astype(int), bins - 1)
    return sum(abs(right[which == b].mean() - top[which == b].mean()) * np.mean(which == b) for b in np.unique(which))


def test_calibrated_probabilities_match_how_often_they_are_right():
    scores, y = three_classes(5000, 0)
    calibrated = ScoreCalibrated(Scores([0, 1, 2])).fit(scores, y)
    fresh, y_fresh = three_classes(5000, 1)
    proba = calibrated.predict_proba(fresh)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert expected_calibration_error(proba, y_fresh) < 0.03
    # It recovers the true posterior's sharpness (scale 2) and beats the raw scores' softmax.
    assert calibrated.params_[0] == pytest.approx(2.0, abs=0.15)
    assert log_loss(y_fresh, proba) < log_loss(y_fresh, softmax(fresh, axis=1)) - 0.03
    # Per-class sigmoids normalised afterwards, the common alternative, are worse calibrated.
    ovr = np.column_stack(
        [expit(LogisticRegression().fit(scores[:, [k]], y == k).decision_function(fresh[:, [k]])) for k in range(3)]
    )
    ovr /= ovr.sum(axis=1, keepdims=True)
    assert expected_calibration_error(ovr, y_fresh) > expected_calibration_error(proba, y_fresh) + 0.05


def test_a_class_missing_from_the_calibration_rows_gets_a_small_probability():
    scores, y = three_classes(300, 2)
    keep = y != 2
    proba = ScoreCalibrated(Scores([0, 1, 2])).fit(scores[keep], y[keep]).predict_proba(scores)
    assert np.isfinite(proba).all()
    assert proba[:, 2].mean() < 0.05


def test_two_class_scores_are_expanded_to_two_columns():
    rng = np.random.default_rng(3)
    X = rng.normal(0, 1, (1000, 2))
    y = (X[:, 0] + 0.5 * rng.normal(size=1000) > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    proba = ScoreCalibrated(model).fit(X, y).predict_proba(X)
    assert proba.shape == (1000, 2)
    # A logistic model is already calibrated: rescaling its scores must change little.
    np.testing.assert_allclose(proba[:, 1], model.predict_proba(X)[:, 1], atol=0.03)
