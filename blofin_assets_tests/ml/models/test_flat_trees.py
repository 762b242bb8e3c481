"""The flat walk (flat_trees.py) reaches the leaves each library reaches."""

import numpy as np
import pytest
import xgboost as xgb
from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingRegressor, RandomForestRegressor

from blofin_assets.ml.models.flat_trees import FlatTrees


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 8)).astype(np.float32)
    y = X[:, 0] * 3 + np.sin(X[:, 1] * 4) + rng.normal(0, 0.3, 2000)
    # New rows, and training rows themselves: those sit exactly on split thresholds' neighbours.
    X_new = np.vstack([rng.normal(size=(500, 8)).astype(np.float32), X[:500]])
    return X, y, X_new


@pytest.mark.parametrize("max_depth", [1, 4, 10, None])
def test_a_forest_walked_flat_predicts_what_sklearn_predicts(data, max_depth):
    X, y, X_new = data
    forest = RandomForestRegressor(n_estimators=30, max_depth=max_depth, random_state=0).fit(X, y)
    flat = FlatTrees.from_sklearn([tree.tree_ for tree in forest.estimators_])
    np.testing.assert_allclose(flat.leaf_values(X_new).mean(axis=1), forest.predict(X_new), rtol=1e-12)
    np.testing.assert_allclose(flat.leaf_values(X_new[:1]).mean(axis=1), forest.predict(X_new[:1]), rtol=1e-12)


@pytest.mark.parametrize("max_depth", [1, 3, 6])
def test_gradient_boosting_walked_flat_predicts_what_sklearn_predicts(data, max_depth):
    X, y, X_new = data
    exact = GradientBoostingRegressor(n_estimators=40, max_depth=max_depth, random_state=0).fit(X, y)
    flat = FlatTrees.from_sklearn([tree.tree_ for tree in exact.estimators_[:, 0]])
    start = float(exact.init_.constant_.ravel()[0])
    np.testing.assert_allclose(start + exact.learning_rate * flat.leaf_values(X_new).sum(axis=1), exact.predict(X_new), rtol=1e-12, atol=1e-12)
    hist = HistGradientBoostingRegressor(max_iter=40, max_depth=max_depth, random_state=0).fit(X, y)
    flat = FlatTrees.from_hist_gradient_boosting(hist._predictors)
    start = float(np.ravel(hist._baseline_prediction)[0])
    np.testing.assert_allclose(start + flat.leaf_values(X_new).sum(axis=1), hist.predict(X_new), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("max_depth", [1, 6])
def test_xgboost_walked_flat_predicts_what_xgboost_predicts(data, max_depth):
    X, y, X_new = data
    booster = xgb.XGBClassifier(n_estimators=60, max_depth=max_depth, tree_method="hist").fit(X, (y > 0).astype(int)).get_booster()
    flat, margin = FlatTrees.from_xgboost(booster)
    p_up = 1.0 / (1.0 + np.exp(-(margin + flat.leaf_values(X_new).sum(axis=1))))
    # XGBoost sums its leaves in float32, the walk in float64
    np.testing.assert_allclose(p_up, booster.inplace_predict(X_new), atol=1e-6)
    regressor = xgb.XGBRegressor(n_estimators=30, max_depth=max_depth).fit(X, y).get_booster()
    flat, margin = FlatTrees.from_xgboost(regressor)
    np.testing.assert_allclose(margin + flat.leaf_values(X_new).sum(axis=1), regressor.inplace_predict(X_new), atol=1e-5)


def test_an_unsupported_xgboost_objective_is_refused(data):
    X, y, _ = data
    ranker = xgb.XGBClassifier(n_estimators=3, objective="multi:softprob").fit(X, np.digitize(y, [-1, 1])).get_booster()
    with pytest.raises(ValueError, match="not supported"):
        FlatTrees.from_xgboost(ranker)
