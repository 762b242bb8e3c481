"""Confidence for regressors: an empirical probability, not a constant.

``confidence`` is the share of calibration rows (recent training rows the estimator did not
fit on, after a purge gap) whose realized value fell within +-tolerance of the prediction,
relative to the prediction, among rows of similar difficulty. Difficulty is the trailing
volatility of the row (``volatility_std``), cut into quantile bins; the tolerance is the median
relative error over all calibration rows. So a confidence of 0.7 reads: "in conditions like
these, 70% of predictions landed within +-tolerance (recorded in config.json)"; calm markets
score above 0.5, stormy ones below.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-12


class ConfidenceCalibrator:
    """The share of calibration rows predicted within tolerance, per difficulty bin.

    Parameters
    ----------
    n_bins : int
        Quantile bins of the difficulty feature.

    Attributes
    ----------
    tolerance_ : float
        Median relative error over the calibration rows.
    edges_ : ndarray
        Inner bin edges of the difficulty.
    hit_rate_ : ndarray
        Share of rows within tolerance in each bin.
    """

    def __init__(self, n_bins: int = 5):
        self.n_bins = n_bins

    def fit(self, difficulty, y_true, y_pred) -> "ConfidenceCalibrator":
        difficulty = np.asarray(difficulty, dtype=np.float64)
        rel = np.abs(np.asarray(y_true) - np.asarray(y_pred)) / np.maximum(np.abs(y_pred), _EPS)
        if len(rel) < self.n_bins:
            raise ValueError(f"need at least {self.n_bins} calibration rows, got {len(rel)}")
        self.tolerance_ = float(np.median(rel))
        inner = np.linspace(0.0, 1.0, self.n_bins + 1)[1:-1]
        self.edges_ = np.quantile(difficulty, inner)
        bins = np.searchsorted(self.edges_, difficulty, side="right")
        hit = rel <= self.tolerance_
        overall = float(hit.mean())
        self.hit_rate_ = np.array(
            [hit[bins == b].mean() if np.any(bins == b) else overall for b in range(self.n_bins)]
        )
        return self

    def predict(self, difficulty) -> np.ndarray:
        bins = np.searchsorted(self.edges_, np.asarray(difficulty, dtype=np.float64), side="right")
        return self.hit_rate_[bins]

    def to_dict(self) -> dict:
        return {
            "tolerance": self.tolerance_,
            "difficulty_feature": "volatility_std",
            "bin_edges": self.edges_.tolist(),
            "hit_rate": self.hit_rate_.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ConfidenceCalibrator":
        calibrator = cls(n_bins=len(data["hit_rate"]))
        calibrator.tolerance_ = float(data["tolerance"])
        calibrator.edges_ = np.asarray(data["bin_edges"], dtype=np.float64)
        calibrator.hit_rate_ = np.asarray(data["hit_rate"], dtype=np.float64)
        return calibrator
