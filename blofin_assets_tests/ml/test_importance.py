import numpy as np
import pytest
from sklearn.metrics import log_loss, mean_absolute_error

from blofin_assets.ml.importance import permutation_importance
from blofin_assets.ml.training import train_model


def one_call_per_copy(model, X, y, repeats=2, seed=0):
    """The definition, computed the slow way: the loss of each shuffled copy on its own."""
    rng = np.random.default_rng(seed)
    X = X.reset_index(drop=True)
    base = model.loss(X, y)
    out = {}
    for feature in model.feature_names_in_:
        increases = []
        for _ in range(repeats):
            shuffled = X.copy()
            shuffled[feature] = rng.permutation(X[feature].to_numpy())
            increases.append(model.loss(shuffled, y) - base)
        out[feature] = float(np.mean(increases))
    return out


@pytest.mark.parametrize("name", ["direction_predictor", "momentum_classifier", "risk_scorer", "price_predictor"])
def test_one_stacked_prediction_gives_each_copys_own_loss(small_table, name):
    table, targets = small_table
    model = train_model(name, table, targets.horizon).model
    test = table[table["split"] == "test"].iloc[:300]
    y = test[model.target].to_numpy()
    stacked = permutation_importance(model, test, y, max_rows=300)
    assert list(stacked) == list(model.feature_names_in_)
    expected = one_call_per_copy(model, test, y)
    # float32 models may round a row differently in a larger batch: tolerance, not equality.
    # Each importance is a difference of two losses, so its error is the losses' rounding: a
    # few units in the last place of the loss in float32 (eps 1.2e-7), not a share of the difference.
    ulps = 4 * float(np.finfo(np.float32).eps) * float(model.loss(test, y))
    assert stacked == pytest.approx(expected, rel=1e-5, abs=max(1e-9, ulps))


def test_the_feature_that_carries_the_target_ranks_first(small_table):
    table, targets = small_table
    table = table.assign(rsi_14=table["target_risk"])  # plant the answer in one feature
    model = train_model("risk_scorer", table, targets.horizon).model
    test = table[table["split"] == "test"]
    importance = permutation_importance(model, test, test["target_risk"].to_numpy())
    assert max(importance, key=importance.get) == "rsi_14"
    assert importance["rsi_14"] > 5 * max(v for k, v in importance.items() if k != "rsi_14")


@pytest.mark.parametrize("name", ["momentum_classifier", "volatility_regressor"])
def test_the_mean_row_loss_is_scikit_learns_log_loss_or_mae(small_table, name):
    table, targets = small_table
    model = train_model(name, table, targets.horizon).model
    test = table[table["split"] == "test"]
    y = test[model.target].to_numpy()
    if hasattr(model, "predict_proba"):
        proba = np.clip(model.predict_proba(test), 1e-9, 1.0)
        expected = log_loss(y, proba, labels=np.arange(proba.shape[1]))
    else:
        expected = mean_absolute_error(y, model.predict(test))
    assert model.loss(test, y) == pytest.approx(expected, rel=1e-9)
