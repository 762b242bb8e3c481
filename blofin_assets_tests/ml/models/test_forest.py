import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor

from blofin_assets.ml.models.forest import FlatForest


@pytest.mark.parametrize("max_depth", [1, 4, 10, None])
def test_flat_forest_predicts_what_sklearn_predicts(max_depth):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 8)).astype(np.float32)
    y = X[:, 0] * 3 + np.sin(X[:, 1] * 4) + rng.normal(0, 0.3, 2000)
    forest = RandomForestRegressor(n_estimators=30, max_depth=max_depth, random_state=0).fit(X, y)
    X_new = rng.normal(size=(300, 8))
    np.testing.assert_allclose(FlatForest(forest).predict(X_new), forest.predict(X_new.astype(np.float32)), rtol=1e-12)
    one = X_new[:1]
    np.testing.assert_allclose(FlatForest(forest).predict(one), forest.predict(one.astype(np.float32)), rtol=1e-12)
