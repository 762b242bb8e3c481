import logging

import numpy as np
import pytest

from blofin_assets.ml.metrics import information_coefficient
from blofin_assets.ml.walk_forward import walk_forward_evaluation


@pytest.fixture(scope="module")
def direction_wf(small_table):
    table, targets = small_table
    return walk_forward_evaluation("direction_predictor", {}, table, targets.horizon, n_folds=3).report, table


def test_one_result_per_fold_in_time_order_with_baselines(direction_wf):
    result, _ = direction_wf
    folds = result["folds"]
    assert [f["fold"] for f in folds] == [0, 1, 2]
    assert all(a["test_end"] < b["test_start"] for a, b in zip(folds, folds[1:]))
    assert [f["n_train"] for f in folds] == sorted(f["n_train"] for f in folds)
    for fold in folds:
        assert {"model", "baseline", "skill"} <= set(fold["pooled"])
        assert set(fold["per_symbol"]) == {"BTC-USDT", "SOL-USDT"}
        assert "ic" in fold and "ic" in fold["per_symbol"]["BTC-USDT"]


def test_summary_is_the_mean_and_spread_of_the_folds(direction_wf):
    result, _ = direction_wf
    skills = [f["pooled"]["skill"] for f in result["folds"]]
    summary = result["summary"]
    assert summary["metric"] == "accuracy"
    assert summary["skill"]["mean"] == pytest.approx(np.mean(skills))
    assert summary["skill"]["std"] == pytest.approx(np.std(skills, ddof=1))
    assert summary["ic"]["mean"] == pytest.approx(np.mean([f["ic"] for f in result["folds"]]))
    assert set(summary["per_symbol_skill"]) == {"BTC-USDT", "SOL-USDT"}


def test_regressors_have_no_ic_and_report_mae(small_table):
    table, targets = small_table
    result = walk_forward_evaluation("risk_scorer", {"n_estimators": 20}, table, targets.horizon, n_folds=2, mode="sliding").report
    assert result["summary"]["metric"] == "mae" and "ic" not in result["summary"]
    assert result["mode"] == "sliding"


def test_each_fold_is_logged(small_table, caplog):
    table, targets = small_table
    with caplog.at_level(logging.INFO, logger="blofin_assets"):
        walk_forward_evaluation("direction_predictor", {"n_estimators": 10}, table, targets.horizon, n_folds=2)
    assert sum("walk-forward fold" in r.message for r in caplog.records) == 2


def test_information_coefficient_is_spearman():
    signal = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert information_coefficient(signal, signal**3) == pytest.approx(1.0)
    assert information_coefficient(signal, -signal) == pytest.approx(-1.0)
    assert information_coefficient(signal, np.ones(5)) is None
    assert information_coefficient([1.0, 2.0], [1.0, 2.0]) is None


def test_out_of_fold_outputs_cover_each_test_block_once(small_table):
    table, targets = small_table
    result = walk_forward_evaluation("direction_predictor", {"n_estimators": 10}, table, targets.horizon, n_folds=3)
    oof = result.oof
    assert list(oof.columns) == ["symbol", "timestamp", "p_up"]
    assert not oof.duplicated(["symbol", "timestamp"]).any()
    assert len(oof) == sum(fold["n_test"] for fold in result.report["folds"])
    # The first block is never a test block: it has no out-of-fold prediction.
    first = table.groupby("symbol")["timestamp"].min()
    assert (oof.groupby("symbol")["timestamp"].min() > first).all()


@pytest.mark.parametrize(
    "name, params", [("volatility_regressor", {}), ("momentum_classifier", {}), ("price_predictor", {"epochs": 5})]
)
def test_folds_fitted_side_by_side_give_what_folds_fitted_one_by_one(small_table, name, params):
    table, targets = small_table
    one = walk_forward_evaluation(name, params, table, targets.horizon, n_folds=3, workers=1)
    two = walk_forward_evaluation(name, params, table, targets.horizon, n_folds=3, workers=2)
    assert one.report == two.report
    assert one.oof.equals(two.oof)
