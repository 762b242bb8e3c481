"""Permutation feature importance on held-out rows, the same measure for all five models.

Importance of a feature = how much the model's loss grows when that feature's column is
shuffled (log loss for classifiers, MAE for regressors), on up to ``max_rows`` held-out rows.
Native tree importances exist for three of the five models only and measure training fit,
not held-out usefulness; this one compares across models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss, mean_absolute_error

from blofin_assets.ml.models.base import CandleModel


def _loss(model: CandleModel, X: pd.DataFrame, y: np.ndarray) -> float:
    if model.task == "classification":
        proba = model.predict_proba(X)
        labels = np.arange(proba.shape[1])
        return float(log_loss(y, np.clip(proba, 1e-9, 1.0), labels=labels))
    return float(mean_absolute_error(y, model.predict(X)))


def permutation_importance(
    model: CandleModel, X: pd.DataFrame, y, *, max_rows: int = 1000, repeats: int = 2, seed: int = 0
) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    if len(X) > max_rows:
        keep = np.sort(rng.choice(len(X), size=max_rows, replace=False))
        X, y = X.iloc[keep], y[keep]
    X = X.reset_index(drop=True)
    base = _loss(model, X, y)
    importance = {}
    for feature in model.feature_names_in_:
        increases = []
        for _ in range(repeats):
            shuffled = X.copy()
            shuffled[feature] = rng.permutation(shuffled[feature].to_numpy())
            increases.append(_loss(model, shuffled, y) - base)
        importance[str(feature)] = float(np.mean(increases))
    return importance
