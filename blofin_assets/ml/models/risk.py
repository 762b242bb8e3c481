"""risk_scorer: how rough will the next ``horizon`` candles be, 0-100? (RandomForest)"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor

from blofin_assets.ml.models.flat_trees import FEW_ROWS, FlatTrees, MadeOnFirstUse
from blofin_assets.ml.models.tasks import CandleRegressor


class RiskScorer(CandleRegressor):
    """How rough will the next ``horizon`` candles be, 0-100 (see ``market.targets``)? A random
    forest on the scaled features; predictions are clipped to [0, 100].

    Parameters
    ----------
    n_estimators : int
        Number of trees.
    max_depth : int
        Depth limit of each tree.
    min_samples_leaf : int
        Fewest training rows in a leaf.
    max_features : float
        Share of the features each split chooses from (1.0: all, plain bagging).
    estimator : str
        ``auto``: the exact forest up to ``exact_max_rows`` training rows, the scalable one
        above; or force ``exact`` / ``scalable``.
    exact_max_rows : int, optional
        Row count where ``auto`` switches; default: the model's measured limit.
    scalable_samples : int
        Bootstrap sample of each tree in the scalable forest (``max_samples``).
    random_state : int
        Seed of the forest's randomness.
    n_jobs : int
        Threads the forest uses.
    features : list of str, optional
        Feature columns to learn from; default: every scale-free feature.

    Attributes
    ----------
    estimator_ : sklearn.ensemble.RandomForestRegressor
        The fitted forest.
    flat_ : FlatTrees
        Its trees in flat arrays, for predictions of a few rows (made on first use after a fit).
    """

    name = "risk_scorer"
    target = "target_risk"
    family = "RandomForest regressor"
    library = "scikitlearn"
    summary = "RandomForest regressor: risk 0-100 of the next horizon candles."
    trusted_types = (
        "sklearn.ensemble._forest.RandomForestRegressor",
        "sklearn.tree._classes.DecisionTreeRegressor",
        "sklearn.tree._tree.Tree",
    )
    chart_unit = "risk (0-100)"
    ensemble_columns = ("risk",)
    stacking_columns = ("risk",)
    # A forest grows with n log n per tree; above this many rows each tree sees a bootstrap
    # sample of `scalable_samples` rows instead of n (same estimator, bounded cost). Measured
    # at 80k rows: 31 s with full bootstraps, 2.3 s with 5,000-row ones, held-out MAE equal
    # to 0.1%; make bench compares 2,500-row ones with the full forest at 20k candles.
    default_exact_max_rows = 5_000
    # Each split looks at a third of the features (0.33; Breiman's choice for regression forests,
    # and R randomForest's): trees less alike, 2.4x faster to grow. Measured against all
    # features over walk-forward folds of the default data, three seeds: skill 0.088 / 0.143 /
    # 0.063 with all, 0.098 / 0.155 / 0.067 with a third; held-out skill within 0.003 either way.

    parameter_bounds = {"n_estimators": {"ge": 1, "le": 10_000}, "max_depth": {"ge": 1, "le": 64}, "min_samples_leaf": {"ge": 1, "le": 1_000_000}, "max_features": {"gt": 0.0, "le": 1.0}, "scalable_samples": {"ge": 1, "le": 10_000_000}, "n_jobs": {"ge": 1, "le": 256}}

    def __init__(
        self,
        n_estimators: int = 100,
        max_depth: int = 10,
        min_samples_leaf: int = 1,
        max_features: float = 0.33,
        estimator: str = "auto",
        exact_max_rows: int | None = None,
        scalable_samples: int = 2_500,
        random_state: int = 0,
        n_jobs: int = 2,
        features: tuple[str, ...] | None = None,
    ):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.estimator = estimator
        self.exact_max_rows = exact_max_rows
        self.scalable_samples = scalable_samples
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.features = features

    @classmethod
    def search_space(cls, trial) -> dict:
        return {
            "n_estimators": trial.suggest_int("n_estimators", 50, 200, step=25),
            "max_depth": trial.suggest_int("max_depth", 4, 16),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 50, log=True),
            "max_features": trial.suggest_float("max_features", 0.2, 1.0),
        }

    def _fit_scaled(self, X, Xs, y, sample_weight=None):
        max_samples = None
        if self._use_scalable(len(Xs)):
            max_samples = min(len(Xs), self.scalable_samples)
            self.estimator_used_ = f"sklearn.RandomForestRegressor(max_samples={max_samples})"
        else:
            self.estimator_used_ = "sklearn.RandomForestRegressor"
        self.estimator_ = RandomForestRegressor(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features,
            max_samples=max_samples,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
        ).fit(Xs, y, sample_weight=sample_weight)
        self.flat_ = None

    flat_ = MadeOnFirstUse()

    def _flatten(self) -> FlatTrees:
        return FlatTrees.from_sklearn([tree.tree_ for tree in self.estimator_.estimators_], self.n_features_in_)

    def _predict_scaled(self, X, Xs):
        if len(Xs) <= FEW_ROWS:
            return np.clip(self.flat_.leaf_values(Xs).mean(axis=1), 0.0, 100.0)
        return np.clip(self.estimator_.predict(Xs), 0.0, 100.0)

    def predict_outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"risk": self.predict(X)}, index=X.index)

    def output_record(self, row: pd.Series) -> int:
        return int(round(float(row["risk"])))

    def _ensemble_scaled(self, Xs):
        return self._predict_scaled(None, Xs)[:, None]

    def _load_estimator(self, path, fitted):
        super()._load_estimator(path, fitted)
        self.flat_ = self._flatten()  # checks every tree
