"""Probabilities from a fitted classifier's decision scores, learned on separate rows.

P(class k | scores s) = softmax(a * s + b)_k: one scale ``a`` shared by all classes and one bias
per class (Platt scaling extended to K classes; "temperature scaling with biases"), fitted by
minimising the cross-entropy on calibration rows. The targets are smoothed by 1 / (n + 2), as
Platt does for two classes, so the fit stays finite when a class is absent from the
calibration rows (it then gets a small probability), which happens on short walk-forward
folds. One shared scale keeps the classes comparable; per-class sigmoids normalised
afterwards are measurably worse calibrated (tested).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax


class ScoreCalibrated:
    """A fitted classifier whose decision scores are calibrated into probabilities.

    Parameters
    ----------
    classifier : fitted classifier with ``decision_function`` and ``classes_``
        The classifier whose scores are calibrated.

    Attributes
    ----------
    params_ : ndarray
        The shared scale, then one bias per class.
    """

    def __init__(self, classifier):
        self.classifier = classifier
        self.classes_ = np.asarray(classifier.classes_)

    def _scores(self, X) -> np.ndarray:
        scores = np.asarray(self.classifier.decision_function(X), dtype=np.float64)
        if scores.ndim == 1:  # a two-class classifier gives one score, for classes_[1]
            scores = np.column_stack([-scores, scores]) / 2.0
        return scores

    def fit(self, X, y) -> "ScoreCalibrated":
        scores = self._scores(X)
        y = np.asarray(y)
        n, k = scores.shape
        onehot = (y[:, None] == self.classes_[None, :]).astype(np.float64)
        smoothing = 1.0 / (n + 2.0)
        target = onehot * (1.0 - smoothing) + smoothing / k

        def loss(params):
            logits = params[0] * scores + params[1:]
            value = -np.sum(target * log_softmax(logits, axis=1))
            residual = softmax(logits, axis=1) - target
            return value, np.concatenate([[np.sum(residual * scores)], residual.sum(axis=0)])

        start = np.concatenate([[1.0], np.log(target.mean(axis=0))])
        self.params_ = minimize(loss, start, jac=True, method="L-BFGS-B").x
        return self

    def predict_proba(self, X) -> np.ndarray:
        return softmax(self.params_[0] * self._scores(X) + self.params_[1:], axis=1)
