"""Permutation feature importance on held-out rows, the same measure for every model.

Importance of a feature = how much the model's loss grows when that feature's column is
shuffled (log loss for classifiers, MAE for regressors), on up to ``max_rows`` held-out rows.
Native tree importances exist for the tree models only and measure training fit, not
held-out usefulness; this one compares across models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blofin_assets.ml.models import CandleModel


def permutation_importance(
    model: CandleModel, X: pd.DataFrame, y, *, max_rows: int = 1000, repeats: int = 2, seed: int = 0
) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    if len(X) > max_rows:
        keep = np.sort(rng.choice(len(X), size=max_rows, replace=False))
        X, y = X.iloc[keep], y[keep]
    X = X.reset_index(drop=True)
    features = [str(f) for f in model.feature_names_in_]
    # Every shuffled copy stacked under the original and predicted in one call: a call per
    # copy pays each library's per-call overhead (a forest starts its threads) once per copy.
    blocks = [X]
    for feature in features:
        for _ in range(repeats):
            shuffled = X.copy()
            shuffled[feature] = rng.permutation(X[feature].to_numpy())
            blocks.append(shuffled)
    losses = model.row_losses(pd.concat(blocks, ignore_index=True), np.tile(y, len(blocks)))
    means = losses.reshape(len(blocks), len(X)).mean(axis=1)
    increases = means[1:].reshape(len(features), repeats) - means[0]  # block 0: unshuffled
    return {feature: float(row.mean()) for feature, row in zip(features, increases)}
