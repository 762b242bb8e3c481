"""Is a row like the rows the models learned from? The applicability gate of live prediction.

Distance of a row to the training distribution: the mean Euclidean distance, in standardized
feature space, to its ``k`` nearest training rows (a sample of at most ``max_reference_rows``,
evenly spread over time). Its threshold is the ``quantile`` of the same distance for the
training rows themselves (each measured against the others, leaving itself out), so with the
default 0.99 about 1% of rows like the training ones are turned away, and a row far outside
the training range always is. The reason names the features outside the central
``range_quantile`` of their training values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from blofin_assets.market.features import MODEL_FEATURES


class ApplicabilityGate:
    """Abstain on rows unlike the training rows.

    Parameters
    ----------
    k : int
        Nearest training rows whose mean distance is the row's distance.
    quantile : float
        Share of training rows whose distance is at or below the threshold.
    range_quantile : float
        Central share of each feature's training values counted as its range (for the reason).
    max_reference_rows : int
        Most training rows kept as reference, evenly spread over time.
    features : list of str, optional
        Feature columns; default every scale-free model feature.

    Attributes
    ----------
    features_ : list of str
    mean_, scale_ : ndarray
        Standardization of each feature, from the training rows.
    reference_ : ndarray
        The standardized reference rows.
    threshold_ : float
        Distance above which a row is turned away.
    low_, high_ : ndarray
        Each feature's training range.
    """

    def __init__(
        self,
        k: int = 5,
        quantile: float = 0.99,
        range_quantile: float = 0.99,
        max_reference_rows: int = 5_000,
        features: list[str] | None = None,
    ):
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if not 0.0 < quantile < 1.0 or not 0.0 < range_quantile < 1.0:
            raise ValueError(f"quantile and range_quantile must be in (0, 1), got {quantile}, {range_quantile}")
        self.k = k
        self.quantile = quantile
        self.range_quantile = range_quantile
        self.max_reference_rows = max_reference_rows
        self.features = features

    def _standardized(self, X: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.features_ if c not in X.columns]
        if missing:
            raise ValueError(f"applicability gate: missing feature column(s) {missing}")
        return (X[self.features_].to_numpy(dtype=np.float64) - self.mean_) / self.scale_

    def fit(self, X: pd.DataFrame) -> "ApplicabilityGate":
        self.features_ = list(self.features or MODEL_FEATURES)
        matrix = X[self.features_].to_numpy(dtype=np.float64)
        if len(matrix) <= self.k:
            raise ValueError(f"applicability gate: need more than k={self.k} training rows, got {len(matrix)}")
        self.mean_ = matrix.mean(axis=0)
        scale = matrix.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        keep = np.unique(np.linspace(0, len(matrix) - 1, min(len(matrix), self.max_reference_rows)).astype(int))
        self.reference_ = (matrix[keep] - self.mean_) / self.scale_
        tail = (1.0 - self.range_quantile) / 2.0
        self.low_, self.high_ = np.quantile(matrix, [tail, 1.0 - tail], axis=0)
        # Each reference row against the others: its nearest neighbour is itself, left out.
        distances, _ = self._neighbours().kneighbors(self.reference_, n_neighbors=self.k + 1)
        self.threshold_ = float(np.quantile(distances[:, 1:].mean(axis=1), self.quantile))
        return self

    def _neighbours(self) -> NearestNeighbors:
        if getattr(self, "_index", None) is None:
            self._index = NearestNeighbors().fit(self.reference_)
        return self._index

    def distance(self, X: pd.DataFrame) -> np.ndarray:
        """Mean distance of each row to its k nearest reference rows (standardized units)."""
        distances, _ = self._neighbours().kneighbors(self._standardized(X), n_neighbors=self.k)
        return distances.mean(axis=1)

    def assess(self, X: pd.DataFrame) -> pd.DataFrame:
        """distance, abstain and the reason, per row."""
        distance = self.distance(X)
        values = X[self.features_].to_numpy(dtype=np.float64)
        reasons = []
        for d, row in zip(distance, values):
            if d <= self.threshold_:
                reasons.append("")
                continue
            outside = [
                f"{name} {value:.4g} outside [{low:.4g}, {high:.4g}]"
                for name, value, low, high in zip(self.features_, row, self.low_, self.high_)
                if not low <= value <= high
            ]
            reasons.append(
                f"unlike the training rows: distance {d:.3g} above {self.threshold_:.3g}"
                + (f"; {', '.join(outside)}" if outside else "; every feature in range, their combination is not")
            )
        return pd.DataFrame({"distance": distance, "abstain": distance > self.threshold_, "reason": reasons}, index=X.index)

    # --- plain arrays for storage (no pickle) ----------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "features": np.array(self.features_),
            "settings": np.array([self.k, self.quantile, self.range_quantile, self.max_reference_rows], dtype=np.float64),
            "mean": self.mean_,
            "scale": self.scale_,
            "reference": self.reference_,
            "threshold": np.array([self.threshold_]),
            "low": self.low_,
            "high": self.high_,
        }

    @classmethod
    def from_arrays(cls, arrays) -> "ApplicabilityGate":
        k, quantile, range_quantile, max_rows = arrays["settings"]
        gate = cls(int(k), float(quantile), float(range_quantile), int(max_rows))
        gate.features_ = [str(f) for f in arrays["features"]]
        gate.mean_, gate.scale_ = np.asarray(arrays["mean"]), np.asarray(arrays["scale"])
        gate.reference_ = np.asarray(arrays["reference"])
        gate.threshold_ = float(arrays["threshold"][0])
        gate.low_, gate.high_ = np.asarray(arrays["low"]), np.asarray(arrays["high"])
        return gate


def abstention_summary(abstain: np.ndarray, max_share: float) -> dict:
    """Share of rows turned away, and whether it is above ``max_share`` (then the gate may be
    misconfigured and switching trading off: a warning, never silent)."""
    abstain = np.asarray(abstain, dtype=bool)
    share = float(abstain.mean()) if len(abstain) else 0.0
    return {"rows": int(len(abstain)), "abstained": int(abstain.sum()), "share": share, "max_share": max_share, "too_many": share > max_share}
