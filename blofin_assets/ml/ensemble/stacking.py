"""Stacking: a logistic regression that learns P(UP) from the members' outputs.

It must learn from out-of-fold member predictions: outputs of member models that did not
train on the row (the walk-forward folds' models, on their test blocks). Outputs of a member
on its own training rows are overconfident (a forest or a boosted model nearly memorises
them), and a meta-learner trained on them learns to trust that overconfidence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

# What a saved meta-learner may hold: loading refuses any other estimator type.
META_LEARNER_TYPES = (
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.linear_model._logistic.LogisticRegression",
)


def fit_meta_learner(outputs: pd.DataFrame, y_direction, columns: list[str], *, C: float = 1.0) -> Pipeline:
    """A scaled logistic regression of the direction on ``columns`` of the members' outputs."""
    missing = [c for c in columns if c not in outputs.columns]
    if missing:
        raise ValueError(f"stacking needs the outputs {missing} of every member")
    y = np.asarray(y_direction)
    if len(np.unique(y)) < 2:
        raise ValueError("stacking needs both UP and DOWN rows to learn from")
    return make_pipeline(StandardScaler(), LogisticRegression(C=C)).fit(outputs[columns].to_numpy(), y)


def meta_p_up(meta_learner: Pipeline, outputs: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return meta_p_up_array(meta_learner, outputs[columns].to_numpy(dtype=np.float64))


def meta_p_up_array(meta_learner: Pipeline, values: np.ndarray) -> np.ndarray:
    """P(UP) for rows of the stacking columns (in the meta-learner's order): the pipeline's
    own arithmetic in numpy (its input validation costs more than the sum on one row)."""
    scaler, logistic = meta_learner[0], meta_learner[-1]
    z = ((values - scaler.mean_) / scaler.scale_) @ logistic.coef_[0] + logistic.intercept_[0]
    return expit(z)
