"""The pipeline on generated series with known answers, and the audit that flags leaks."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.market.features import compute_features
from blofin_assets.ml.dataset import build_targets, model_table
from blofin_assets.ml.evaluation import ValidationSettings, evaluate_model
from blofin_assets.ml.leakage import AuditBounds, audit, shuffled_target_control
from blofin_assets.ml.training import train_model
from blofin_assets.ml.validation import validate_model


def generated(n: int, phi: float, seed: int) -> pd.DataFrame:
    """Candles whose log returns are AR(1) with coefficient ``phi`` (0: a pure random walk)."""
    rng = np.random.default_rng(seed)
    shocks = rng.normal(0, 0.01, n)
    returns = np.empty(n)
    previous = 0.0
    for t in range(n):
        previous = phi * previous + shocks[t]
        returns[t] = previous
    close = 100 * np.exp(np.cumsum(returns))
    open_ = np.concatenate([[100.0], close[:-1]])
    return pd.DataFrame(
        {
            "symbol": "GEN-USDT",
            "timestamp": pd.date_range("2020-01-01", periods=n, freq="1h", tz="UTC"),
            "open": open_,
            "high": np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.003, n))),
            "low": np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.003, n))),
            "close": close,
            "volume": rng.lognormal(3, 0.5, n),
        }
    )


def direction_accuracy(candles: pd.DataFrame, leak=None) -> tuple[dict, pd.DataFrame]:
    features = compute_features(candles)
    if leak is not None:
        features = leak(features)
    table = model_table(features, build_targets(candles, features))
    trained = train_model("direction_predictor", table, 5)
    return validate_model(trained.model, table, importance_rows=200), table


def test_on_a_random_walk_held_out_accuracy_is_a_coin_flip():
    # 64k candles: 12.8k test rows, enough that 5-candle labels' overlap still leaves +-0.01.
    report, _ = direction_accuracy(generated(64_000, 0.0, seed=1))
    assert report["pooled"]["model"]["accuracy"] == pytest.approx(0.5, abs=0.03)


def test_with_planted_autocorrelation_the_model_finds_real_skill():
    report, _ = direction_accuracy(generated(30_000, 0.5, seed=1))
    assert report["pooled"]["model"]["accuracy"] > 0.55
    assert report["pooled"]["skill"] > 0.05
    assert report["pooled"]["ic"] > 0.1


def _future_in_features(features: pd.DataFrame) -> pd.DataFrame:
    """A bug of the old kind: the 'returns' feature sees the next 5 candles."""
    leaky = features.copy()
    leaky["returns"] = leaky.groupby("symbol")["close"].transform(lambda c: np.log(c.shift(-5) / c)).fillna(0.0)
    return leaky


def test_the_audit_fails_a_model_that_sees_the_future():
    report, table = direction_accuracy(generated(20_000, 0.0, seed=2), leak=_future_in_features)
    assert report["pooled"]["model"]["accuracy"] > 0.9
    result = audit(report)
    assert not result["passed"]
    assert "above 0.70" in result["findings"][0] and "features that use candles after t" in result["findings"][0]


def test_the_full_evaluation_of_a_leaking_model_fails_every_way_it_can(small_candles):
    features = _future_in_features(compute_features(small_candles))
    table = model_table(features, build_targets(small_candles, features))
    trained = train_model("direction_predictor", table, 5)
    report = evaluate_model(trained.model, {}, table, 5, ValidationSettings(folds=3)).report
    assert not report["audit"]["passed"]
    # Walk-forward folds leak too, so the gap check alone would not catch it: the bound does.
    assert report["walk_forward"]["summary"]["skill"]["mean"] > 0.5


def test_shuffled_labels_give_chance_accuracy_on_honest_data(small_table):
    table, targets = small_table
    control = shuffled_target_control("direction_predictor", {}, table, targets.horizon)
    assert control["within"]
    assert control["chance_low"] < control["accuracy"] < control["chance_high"]


def test_a_control_outside_chance_fails_the_audit():
    report = {
        "model_name": "direction_predictor",
        "direction_metric": "accuracy",
        "pooled": {"model": {"accuracy": 0.55}, "skill": 0.05},
        "shuffled_control": {"accuracy": 0.62, "chance_low": 0.47, "chance_high": 0.55, "within": False},
    }
    result = audit(report)
    assert not result["passed"] and "shuffled labels scored 0.620" in result["findings"][0]


def _report(holdout_skill, folds, accuracy=0.55, name="risk_scorer", direction_metric=None):
    mean, std = float(np.mean(folds)), float(np.std(folds, ddof=1))
    return {
        "model_name": name,
        "direction_metric": direction_metric,
        "pooled": {"model": {"accuracy": accuracy}, "skill": holdout_skill},
        "walk_forward": {"summary": {"skill": {"mean": mean, "std": std}}},
    }


@pytest.mark.parametrize(
    "holdout, folds, passed",
    [
        (0.10, [0.08, 0.12, 0.10, 0.09], True),
        (0.60, [0.08, 0.12, 0.10, 0.09], False),  # far above walk-forward: suspicious
        (0.60, [0.10, 0.90, 0.20, 0.70], True),  # folds this spread make 0.60 unremarkable
        (-0.30, [0.08, 0.12, 0.10, 0.09], True),  # worse than walk-forward is no leak
    ],
)
def test_skill_gap_between_holdout_and_walk_forward(holdout, folds, passed):
    result = audit(_report(holdout, folds))
    assert result["passed"] is passed
    if not passed:
        assert "far above walk-forward skill" in result["findings"][0]


def test_bounds_are_configurable():
    report = _report(0.1, [0.1, 0.1, 0.11], accuracy=0.72, name="direction_predictor", direction_metric="accuracy")
    assert not audit(report)["passed"]
    assert audit(report, AuditBounds(max_direction_accuracy=0.8))["passed"]
