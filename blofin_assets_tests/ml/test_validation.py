import numpy as np
import pandas as pd
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
    # the direction it implies, judged as a classifier's: beside chance agreement
    up, called_up = test["target_price"] > test["close"], trained.model.predict(test) > test["close"]
    chance = up.mean() * called_up.mean() + (1 - up.mean()) * (1 - called_up.mean())
    assert report["pooled"]["baseline"]["directional_accuracy"] == pytest.approx(chance)
    accuracy = report["pooled"]["model"]["directional_accuracy"]
    assert direction_skill(report) == pytest.approx((accuracy - chance) / (1 - chance))
    assert set(report["per_symbol"]) == {"BTC-USDT", "SOL-USDT"}
    assert report["n_test"] == len(test)


def test_classifier_report_is_beside_chance_agreement(small_table):
    table, targets = small_table
    trained = train_model("momentum_classifier", table, targets.horizon)
    report = validate_model(trained.model, table)
    test = table[table["split"] == "test"]
    truth, called = test["target_momentum"].value_counts(normalize=True), pd.Series(trained.model.predict(test)).value_counts(normalize=True)
    chance = sum(truth.get(k, 0.0) * called.get(k, 0.0) for k in range(3))
    assert report["pooled"]["baseline"]["accuracy"] == pytest.approx(chance)
    accuracy = report["pooled"]["model"]["accuracy"]
    assert report["pooled"]["skill"] == pytest.approx((accuracy - chance) / (1 - chance))
    assert set(report["feature_importance"]) == set(trained.config["features"])


def test_regressor_baseline_is_each_symbols_training_mean(small_table):
    table, targets = small_table
    trained = train_model("risk_scorer", table, targets.horizon)
    report = validate_model(trained.model, table)
    train, test = table[table["split"] == "train"], table[table["split"] == "test"]
    sol = test[test["symbol"] == "SOL-USDT"]
    mean = train.loc[train["symbol"] == "SOL-USDT", "target_risk"].mean()
    assert report["per_symbol"]["SOL-USDT"]["baseline"]["mae"] == pytest.approx(np.mean(np.abs(sol["target_risk"] - mean)))
