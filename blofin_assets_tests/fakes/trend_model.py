"""A small sixth model, as a user would add one: one class, registered with register_model."""

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from blofin_assets.ml.models import CandleClassifier


class TrendFollower(CandleClassifier):
    """UP or DOWN over the next ``horizon`` candles from the recent trend: a logistic regression.

    Parameters
    ----------
    C : float
        Inverse strength of the regularisation.
    random_state : int
        Seed (the solver is deterministic; kept for the pipeline's interface).
    features : list of str, optional
        Feature columns to learn from; default the 10-candle rate of change and the last return.
    """

    name = "trend_follower"
    target = "target_direction"
    family = "logistic regression"
    library = "scikitlearn"
    summary = "Logistic regression: UP/DOWN from the recent trend."
    trusted_types = ("sklearn.linear_model._logistic.LogisticRegression",)
    class_labels = ("DOWN", "UP")
    ensemble_columns = ("trend_p_up",)
    signal_column = "trend_p_up"
    stacking_columns = ("trend_p_up",)
    direction_metric = "accuracy"

    def __init__(self, C: float = 1.0, random_state: int = 0, features: tuple[str, ...] | None = ("momentum_roc", "returns")):
        self.C = C
        self.random_state = random_state
        self.features = features

    def _fit_scaled(self, X, Xs, y, sample_weight=None):
        self.estimator_used_ = f"sklearn.LogisticRegression(C={self.C})"
        self.estimator_ = LogisticRegression(C=self.C).fit(Xs, y.astype(np.int64), sample_weight=sample_weight)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.estimator_.predict_proba(self._scaled(X))

    def _predict_scaled(self, X, Xs):
        return self.estimator_.predict(Xs)

    def direction_score(self, X: pd.DataFrame) -> np.ndarray:
        return self.predict_proba(X)[:, 1]

    def predict_outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        p_up = self.predict_proba(X)[:, 1]
        return pd.DataFrame({"trend": np.where(p_up > 0.5, "UP", "DOWN"), "confidence": np.maximum(p_up, 1 - p_up)}, index=X.index)

    def output_record(self, row: pd.Series) -> dict:
        return {"trend": str(row["trend"]), "confidence": float(row["confidence"])}

    def _ensemble_scaled(self, Xs):
        return self.estimator_.predict_proba(Xs)[:, 1:]
