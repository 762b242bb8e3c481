import numpy as np
import pytest

from blofin_assets.ml.training import train_model
from blofin_assets.ml.validation import direction_skill, validate_model


@pytest.fixture(scope="module")
def price(small_table):
    table, targets = small_table
    return train_model("price_predictor", table, targets.horizon, {"epochs": 5}), table


def test_price_report_compares_against_no_change_and_reports_return_skill(price):
    trained, table = price
    report = validate_model(trained.model, table)
    test = table[table["split"] == "test"]
    baseline_mae = np.mean(np.abs(test["target_price"] - test["close"]))
    assert report["pooled"]["baseline"]["mae"] == pytest.approx(baseline_mae)
    assert "no change" in report["pooled"]["baseline"]["name"]
    assert {"return_r2", "directional_accuracy"} <= set(report["pooled"]["model"])
    assert direction_skill(report) is not None
    assert set(report["per_symbol"]) == {"BTC-USDT", "SOL-USDT"}
    assert report["n_test"] == len(test)


def test_classifier_report_uses_the_training_majority_class(small_table):
    table, targets = small_table
    trained = train_model("momentum_classifier", table, targets.horizon)
    report = validate_model(trained.model, table)
    train, test = table[table["split"] == "train"], table[table["split"] == "test"]
    majority = train["target_momentum"].mode().iloc[0]
    assert report["pooled"]["baseline"]["accuracy"] == pytest.approx((test["target_momentum"] == majority).mean())
    assert set(report["feature_importance"]) == set(trained.config["features"])


def test_regressor_baseline_is_each_symbols_training_mean(small_table):
    table, targets = small_table
    trained = train_model("risk_scorer", table, targets.horizon)
    report = validate_model(trained.model, table)
    train, test = table[table["split"] == "train"], table[table["split"] == "test"]
    sol = test[test["symbol"] == "SOL-USDT"]
    mean = train.loc[train["symbol"] == "SOL-USDT", "target_risk"].mean()
    assert report["per_symbol"]["SOL-USDT"]["baseline"]["mae"] == pytest.approx(np.mean(np.abs(sol["target_risk"] - mean)))
