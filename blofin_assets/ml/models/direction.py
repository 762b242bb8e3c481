"""direction_predictor: will the close be higher ``horizon`` candles from now? (XGBoost)"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit
from xgboost import XGBClassifier

from blofin_assets.ml.models.flat_trees import FEW_ROWS, FlatTrees, MadeOnFirstUse
from blofin_assets.ml.models.tasks import CandleClassifier

# XGBoost fits on one thread below this many rows. With waiting threads asleep
# (settings.share_cores) every parallel region pays a thread wake-up; measured on this project's
# 2-core machines, 100 trees of depth 6, two threads against one: 4k rows 0.38 s against 0.18,
# 20k 0.37 against 0.35, 80k 0.67 against 0.85. Predictions keep n_jobs.
ONE_THREAD_BELOW = 20_000


# The ranges of XGBoost's hyperparameters, for every model built on it.
XGBOOST_BOUNDS = {
    "max_depth": {"ge": 1, "le": 64},
    "learning_rate": {"gt": 0.0, "le": 10.0},
    "n_estimators": {"ge": 1, "le": 10_000},
    "subsample": {"gt": 0.0, "le": 1.0},
    "n_jobs": {"ge": 1, "le": 256},
}


class DirectionPredictor(CandleClassifier):
    """Will the close be higher ``horizon`` candles from now? Gradient-boosted trees (XGBoost,
    histogram method) on the scaled features; outputs UP/DOWN with P(predicted class).

    Parameters
    ----------
    max_depth : int
        Depth of each tree.
    learning_rate : float
        Shrinkage of each tree's contribution.
    n_estimators : int
        Number of boosting rounds (trees).
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
    estimator_ : xgboost.XGBClassifier
        The fitted booster.
    flat_ : (FlatTrees, float)
        Its trees in flat arrays and their start margin, for predictions of a few rows (made
        on first use after a fit).
    """

    name = "direction_predictor"
    target = "target_direction"
    family = "XGBoost classifier"
    library = "xgboost"
    summary = "XGBoost classifier: UP/DOWN over the next horizon candles."
    estimator_file = "model.json"  # XGBoost's own format: no code runs on load
    class_labels = ("DOWN", "UP")
    ensemble_columns = ("p_up",)
    signal_column = "p_up"
    stacking_columns = ("p_up",)
    direction_metric = "accuracy"
    shuffled_control = True
    span_column = "target_direction_bars"  # the barrier label's span, when it is the direction

    parameter_bounds = XGBOOST_BOUNDS

    def __init__(
        self,
        max_depth: int = 6,
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
            "max_depth": trial.suggest_int("max_depth", 2, 8),
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            "n_estimators": trial.suggest_int("n_estimators", 50, 300, step=25),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        }

    def _fit_scaled(self, X, Xs, y, sample_weight=None):
        classes = np.unique(y)
        if not set(classes.tolist()) <= {0, 1}:
            raise ValueError(f"{self.name}: target must be 0/1, got classes {classes.tolist()}")
        # The histogram method is XGBoost's fast exact-enough default and scales linearly.
        self.estimator_used_ = "xgboost.XGBClassifier(tree_method=hist)"
        self.estimator_ = XGBClassifier(
            max_depth=self.max_depth,
            learning_rate=self.learning_rate,
            n_estimators=self.n_estimators,
            subsample=self.subsample,
            tree_method="hist",
            random_state=self.random_state,
            n_jobs=1 if len(Xs) < ONE_THREAD_BELOW else self.n_jobs,
            eval_metric="logloss",
        )
        self.estimator_.fit(Xs, y.astype(np.int64), sample_weight=sample_weight)
        self.estimator_.set_params(n_jobs=self.n_jobs)
        self.flat_ = None

    flat_ = MadeOnFirstUse()

    def _flatten(self) -> tuple[FlatTrees, float]:
        return FlatTrees.from_xgboost(self.estimator_.get_booster())

    def _p_up(self, Xs: np.ndarray) -> np.ndarray:
        if len(Xs) <= FEW_ROWS:
            flat, base_margin = self.flat_
            return expit(base_margin + flat.leaf_values(Xs).sum(axis=1))
        # The booster's in-place prediction skips the DMatrix the sklearn wrapper builds.
        return np.asarray(self.estimator_.get_booster().inplace_predict(Xs), dtype=np.float64)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p_up = self._p_up(self._scaled(X))
        return np.column_stack([1.0 - p_up, p_up])

    def direction_score(self, X: pd.DataFrame) -> np.ndarray:
        return self._p_up(self._scaled(X))

    def _predict_scaled(self, X, Xs):
        return (self._p_up(Xs) > 0.5).astype(np.int64)

    def predict_outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        p_up = self.predict_proba(X)[:, 1]
        return pd.DataFrame(
            {
                "direction": np.where(p_up > 0.5, "UP", "DOWN"),
                "confidence": np.maximum(p_up, 1.0 - p_up),
                "p_up": p_up,
            },
            index=X.index,
        )

    def output_record(self, row: pd.Series) -> dict:
        return {"direction": str(row["direction"]), "confidence": float(row["confidence"])}

    def _ensemble_scaled(self, Xs):
        return self._p_up(Xs)[:, None]

    def _save_estimator(self, path):
        self.estimator_.save_model(path)

    def _load_estimator(self, path, fitted):
        self.estimator_ = XGBClassifier()
        self.estimator_.load_model(path)
        self.flat_ = self._flatten()  # checks every tree
