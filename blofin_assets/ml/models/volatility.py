"""volatility_regressor: realized volatility of the next ``horizon`` candles (GradientBoosting)."""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from blofin_assets.ml.models.flat_trees import FEW_ROWS, FlatTrees, MadeOnFirstUse
from blofin_assets.ml.models.regressor import CalibratedRegressor


def one_openmp_thread(rows: int):
    """HistGradientBoosting fits on one OpenMP thread below 500k rows (the calling thread's own
    setting, so two folds fitted side by side still use both cores). It opens a parallel region
    per node and per feature: with waiting threads asleep (settings.share_cores) each pays a
    thread wake-up. Measured alone on this project's 2-core machines, two threads against one:
    4k rows 3.1 s against 0.19 s, 100k 2.4 against 0.9, 400k 3.9 against 2.8, 700k 5.0 against
    4.7. Its prediction, one region per tree, keeps both (200k rows 0.43 s against 0.71)."""
    return threadpool_limits(limits=1, user_api="openmp") if rows < 500_000 else nullcontext()


class EvenBinsHistGradientBoostingRegressor(HistGradientBoostingRegressor):
    """HistGradientBoosting whose bin edges are the unweighted quantiles of each feature, the
    sample weights counting in the loss only (as scikit-learn did before 1.6).

    scikit-learn 1.6 and later place the edges at weighted quantiles, one weighted percentile
    per edge and feature: measured on 80,000 rows of 30 features (scikit-learn 1.9), a 100-tree
    fit took 12.8 s with weights (12.2 s with weights all 1) against 1.7 s without. The uniqueness
    weights differ from even only at each symbol's first and last rows and around gaps, so the
    edges they would move are a grid, not the model: each split still weighs every row."""

    def _bin_data(self, X, sample_weight, is_training_data):
        return super()._bin_data(X, None, is_training_data)


class VolatilityRegressor(CalibratedRegressor):
    """Realized volatility of the next ``horizon`` candles: gradient boosting (scikit-learn's
    exact GradientBoosting, or its histogram variant on many rows), with a calibrated confidence.

    Parameters
    ----------
    n_estimators : int
        Number of boosting stages.
    learning_rate : float
        Shrinkage of each stage.
    max_depth : int
        Depth of each tree.
    estimator : str
        ``auto``: exact GradientBoosting up to ``exact_max_rows`` training rows,
        HistGradientBoosting above; or force ``exact`` / ``scalable``.
    exact_max_rows : int, optional
        Row count where ``auto`` switches; default: the model's measured limit.
    horizon : int
        Candles ahead; the purge gap before the calibration rows.
    calibration_fraction : float
        Newest share of each symbol's training rows that calibrates the confidence.
    random_state : int
        Seed of the boosting's randomness.
    features : list of str, optional
        Feature columns to learn from; default: every scale-free feature.

    Attributes
    ----------
    estimator_ : GradientBoostingRegressor or HistGradientBoostingRegressor
        The fitted booster.
    flat_ : (FlatTrees, float, float)
        Its trees in flat arrays, a start and a scale, for predictions of a few rows (start +
        scale * sum of leaves; made on first use after a fit).
    """

    name = "volatility_regressor"
    target = "target_volatility"
    family = "GradientBoosting regressor"
    library = "scikitlearn"
    summary = "GradientBoosting regressor: realized volatility of the next horizon candles."
    trusted_types = (
        "sklearn.ensemble._gb.GradientBoostingRegressor",
        "sklearn.dummy.DummyRegressor",
        "sklearn.tree._classes.DecisionTreeRegressor",
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "blofin_assets.ml.models.volatility.EvenBinsHistGradientBoostingRegressor",
        # the histogram model as saved before it placed its bins unweighted
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
    )
    chart_unit = "volatility"
    ensemble_columns = ("predicted_vol",)
    stacking_columns = ("predicted_vol",)
    # sklearn's exact GradientBoosting sorts every feature at every split; above this many rows
    # the histogram variant (same boosting, binned features) takes over: 25x faster at 80k rows,
    # and its held-out skill was no worse where compared (make bench, 20k candles: 0.110 vs 0.078).
    default_exact_max_rows = 2_000

    parameter_bounds = {"n_estimators": {"ge": 1, "le": 10_000}, "learning_rate": {"gt": 0.0, "le": 10.0}, "max_depth": {"ge": 1, "le": 64}, "calibration_fraction": {"gt": 0.0, "lt": 1.0}}

    def __init__(
        self,
        n_estimators: int = 100,
        learning_rate: float = 0.1,
        max_depth: int = 5,
        estimator: str = "auto",
        exact_max_rows: int | None = None,
        horizon: int = 5,
        calibration_fraction: float = 0.1,
        random_state: int = 0,
        features: tuple[str, ...] | None = None,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.estimator = estimator
        self.exact_max_rows = exact_max_rows
        self.horizon = horizon
        self.calibration_fraction = calibration_fraction
        self.random_state = random_state
        self.features = features

    @classmethod
    def search_space(cls, trial) -> dict:
        return {
            "n_estimators": trial.suggest_int("n_estimators", 50, 300, step=25),
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
            "max_depth": trial.suggest_int("max_depth", 2, 6),
        }

    def _fit_scaled(self, X, Xs, y, sample_weight=None):
        if self._use_scalable(len(Xs)):
            self.estimator_used_ = "sklearn.HistGradientBoostingRegressor"
            self.estimator_ = EvenBinsHistGradientBoostingRegressor(
                max_iter=self.n_estimators,
                learning_rate=self.learning_rate,
                max_depth=self.max_depth,
                early_stopping=False,
                random_state=self.random_state,
            )
        else:
            self.estimator_used_ = "sklearn.GradientBoostingRegressor"
            self.estimator_ = GradientBoostingRegressor(
                n_estimators=self.n_estimators,
                learning_rate=self.learning_rate,
                max_depth=self.max_depth,
                random_state=self.random_state,
            )
        with one_openmp_thread(len(Xs)):
            self.estimator_.fit(Xs, y, sample_weight=sample_weight)
        self.flat_ = None

    flat_ = MadeOnFirstUse()

    def _flatten(self) -> tuple[FlatTrees, float, float]:
        """The trees, the start value and the scale of their sum."""
        booster = self.estimator_
        if isinstance(booster, HistGradientBoostingRegressor):
            flat = FlatTrees.from_hist_gradient_boosting(booster._predictors, self.n_features_in_)
            return flat, float(np.ravel(booster._baseline_prediction)[0]), 1.0
        # leaf values before shrinkage, from the mean
        flat = FlatTrees.from_sklearn([tree.tree_ for tree in booster.estimators_[:, 0]], self.n_features_in_)
        return flat, float(np.ravel(booster.init_.constant_)[0]), booster.learning_rate

    def _predict_scaled(self, X, Xs):
        if len(Xs) <= FEW_ROWS:
            flat, start, scale = self.flat_
            return np.maximum(start + scale * flat.leaf_values(Xs).sum(axis=1), 0.0)
        return np.maximum(self.estimator_.predict(Xs), 0.0)

    def predict_outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {"predicted_vol": self.predict(X), "confidence": self.predict_confidence(X)}, index=X.index
        )

    def output_record(self, row: pd.Series) -> dict:
        return {"predicted_vol": float(row["predicted_vol"]), "confidence": float(row["confidence"])}

    def _ensemble_scaled(self, Xs):
        return self._predict_scaled(None, Xs)[:, None]

    def _load_estimator(self, path, fitted):
        super()._load_estimator(path, fitted)
        self.flat_ = self._flatten()  # checks every tree
