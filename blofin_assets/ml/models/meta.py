"""meta_labeler: which barrier will the price meet first? (XGBoost) The meta-labeling model.

Meta-labeling (López de Prado, *Advances in Financial Machine Learning*, ch. 3): a primary
signal picks the side; a second model says whether a trade on that side reaches its
profit-taking barrier before its stop, and its probability decides whether to act and how
large. This model learns the triple-barrier outcome of every training row (upper first, lower
first, or neither: no touch by the horizon, or both in one bar), so it needs no primary signal
to train: given a side, P(upper first) is a long's chance to reach its profit barrier before
its stop, P(lower first) a short's. The replay gives it the ensemble's side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xgboost

from blofin_assets.market.targets import BARRIER_OUTCOMES
from blofin_assets.ml.models.direction import ONE_THREAD_BELOW, XGBOOST_BOUNDS
from blofin_assets.ml.models.tasks import CandleClassifier


class MetaLabeler(CandleClassifier):
    """Which barrier first: neither, the upper or the lower? Gradient-boosted trees (XGBoost,
    histogram method, softmax over the three outcomes) on the scaled features; rows weighted by
    their labels' uniqueness over the span to the touch.

    Parameters
    ----------
    max_depth : int
        Depth of each tree.
    learning_rate : float
        Shrinkage of each tree's contribution.
    n_estimators : int
        Number of boosting rounds (trees per outcome).
    subsample : float
        Share of training rows each tree sees.
    random_state : int
        Seed of the trees' randomness.
    n_jobs : int
        Threads XGBoost uses.
    features : list of str, optional
        Feature columns to learn from; default: every scale-free feature.

    Attributes
    ----------
    estimator_ : xgboost.Booster
        The fitted booster (XGBoost's own API: three outcomes whichever the training rows show).
    """

    name = "meta_labeler"
    target = "target_first"
    family = "XGBoost classifier (meta-labeling)"
    library = "xgboost"
    summary = "XGBoost classifier: which triple barrier a trade meets first (meta-labeling)."
    estimator_file = "model.json"  # XGBoost's own format: no code runs on load
    class_labels = BARRIER_OUTCOMES
    ensemble_columns = ("p_upper_first", "p_lower_first")
    barrier_columns = ("p_upper_first", "p_lower_first")
    span_column = "target_touch_bars"

    parameter_bounds = XGBOOST_BOUNDS

    def __init__(
        self,
        max_depth: int = 3,
        learning_rate: float = 0.1,
        n_estimators: int = 100,
        subsample: float = 1.0,
        random_state: int = 0,
        n_jobs: int = 2,
        features: tuple[str, ...] | None = None,
    ):
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.n_estimators = n_estimators
        self.subsample = subsample
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.features = features

    @classmethod
    def search_space(cls, trial) -> dict:
        return {
            "max_depth": trial.suggest_int("max_depth", 2, 6),
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            "n_estimators": trial.suggest_int("n_estimators", 50, 300, step=25),
        }

    def _fit_scaled(self, X, Xs, y, sample_weight=None):
        y = y.astype(np.int64)
        if not set(np.unique(y).tolist()) <= {0, 1, 2}:
            raise ValueError(f"{self.name}: target must be 0/1/2, got {np.unique(y).tolist()}")
        self.estimator_used_ = "xgboost.train(tree_method=hist, multi:softprob)"
        params = {
            "max_depth": self.max_depth,
            "eta": self.learning_rate,
            "subsample": self.subsample,
            "tree_method": "hist",
            "objective": "multi:softprob",
            "num_class": len(BARRIER_OUTCOMES),
            "seed": self.random_state,
            "nthread": 1 if len(Xs) < ONE_THREAD_BELOW else self.n_jobs,  # as the direction model
            "eval_metric": "mlogloss",
        }
        self.estimator_ = xgboost.train(params, xgboost.DMatrix(Xs, label=y, weight=sample_weight), num_boost_round=self.n_estimators)

    def _proba(self, Xs: np.ndarray) -> np.ndarray:
        return np.asarray(self.estimator_.inplace_predict(Xs), dtype=np.float64).reshape(len(Xs), -1)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self._proba(self._scaled(X))

    def _predict_scaled(self, X, Xs):
        return self._proba(Xs).argmax(axis=1)

    def predict_outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        proba = self.predict_proba(X)
        return pd.DataFrame(
            {
                "first": np.array(BARRIER_OUTCOMES)[proba.argmax(axis=1)],
                "confidence": proba.max(axis=1),
                "p_upper_first": proba[:, 1],
                "p_lower_first": proba[:, 2],
            },
            index=X.index,
        )

    def output_record(self, row: pd.Series) -> dict:
        return {"first": str(row["first"]), "p_upper_first": float(row["p_upper_first"]), "p_lower_first": float(row["p_lower_first"])}

    def _ensemble_scaled(self, Xs):
        return self._proba(Xs)[:, 1:3]

    def _save_estimator(self, path):
        self.estimator_.save_model(path)

    def _load_estimator(self, path, fitted):
        self.estimator_ = xgboost.Booster()
        self.estimator_.load_model(path)
