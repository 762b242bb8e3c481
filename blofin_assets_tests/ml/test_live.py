"""The live record judged on hand-made predictions and outcomes with known answers."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.live import (
    calibration,
    expected_skill,
    judge,
    parity_differences,
    score_model,
    score_signal,
    split_by_outcome,
)
from blofin_assets.ml.metrics import classification_skill
from blofin_assets.ml.models import DirectionPredictor, RiskScorer

T = pd.date_range("2024-03-01", periods=6, freq="1h", tz="UTC")


def table():
    """Labelled rows of two symbols (the last candles of A have no label yet)."""
    return pd.DataFrame(
        {
            "symbol": ["A"] * 4 + ["B"] * 2,
            "timestamp": [*T[:4], *T[:2]],
            "close": [100.0, 101, 102, 103, 10, 11],
            "target_direction": [1, 1, 1, 0, 0, 1],
            "target_risk": [30.0, 40, 50, 60, 20, 80],
        }
    )


def records(model, predictions, times, symbols, **extra):
    return pd.DataFrame(
        {"symbol": symbols, "timestamp": times, "model": model, "version": "v1", "prediction": predictions, "abstain": False, **extra}
    )


def test_records_split_into_those_with_an_outcome_and_those_still_waiting():
    mine = records("direction_predictor", [1.0, 0.0, 1.0], [T[0], T[5], T[1]], ["A", "A", "B"])
    done, waiting = split_by_outcome(mine, table())
    assert list(zip(done["symbol"], done["timestamp"])) == [("A", T[0]), ("B", T[1])]
    assert list(waiting["timestamp"]) == [T[5]]
    assert list(done["target_direction"]) == [1, 1]


def test_a_classifiers_live_accuracy_beside_chance_agreement():
    train = pd.DataFrame({"symbol": ["A", "A", "A"], "target_direction": [0, 0, 1]})
    done, _ = split_by_outcome(records("direction_predictor", [1.0, 0.0, 1.0, 1.0], list(T[:4]), ["A"] * 4), table())
    figures = score_model(DirectionPredictor(), done, train)
    # predicted 1,0,1,1 against 1,1,1,0: 2 of 4; a blind predictor calling UP 3 times in 4
    # agrees with labels UP 3 times in 4 with chance 3/4 * 3/4 + 1/4 * 1/4 = 5/8
    assert figures == {"n": 4, "metric": "accuracy", "live": 0.5, "baseline": 0.625, "skill": pytest.approx((0.5 - 0.625) / 0.375)}


def test_a_regressors_live_error_beside_each_symbols_training_mean():
    train = pd.DataFrame({"symbol": ["A", "A", "B"], "target_risk": [40.0, 50.0, 50.0]})
    done, _ = split_by_outcome(records("risk_scorer", [35.0, 45.0, 30.0], [T[0], T[1], T[0]], ["A", "A", "B"]), table())
    figures = score_model(RiskScorer(), done, train)
    assert figures["live"] == pytest.approx((5 + 5 + 10) / 3)  # |30-35|, |40-45|, |20-30|
    assert figures["baseline"] == pytest.approx((15 + 5 + 30) / 3)  # means 45 (A) and 50 (B)


def test_the_ensembles_record_leaves_out_the_candles_it_abstained_on():
    mine = records("ensemble", [1.0, 1.0, 0.0], list(T[:3]), ["A"] * 3, abstain=[False, True, False])
    done, _ = split_by_outcome(mine, table())
    figures = score_signal(done)
    # traded: UP on an UP candle, DOWN on an UP candle; chance 1 x 1/2
    assert figures["n"] == 2 and figures["live"] == 0.5 and figures["baseline"] == 0.5 and figures["skill"] == 0.0


def test_expected_skill_matches_the_realized_one_for_calibrated_probabilities():
    rng = np.random.default_rng(0)
    n = 20_000
    p_up = rng.uniform(0.05, 0.95, n)
    predicted = (p_up > 0.5).astype(int)
    confidence = np.maximum(p_up, 1 - p_up)
    labels = (rng.random(n) < p_up).astype(int)  # UP as often as it says
    calibrated = predicted == labels
    estimate = expected_skill(predicted, confidence, 2)
    assert estimate["expected_accuracy"] == pytest.approx(calibrated.mean(), abs=0.01)
    assert estimate["expected_skill"] == pytest.approx(classification_skill(labels, predicted), abs=0.02)
    # a probability of 0.5 everywhere says: no skill, whatever it calls
    assert expected_skill(predicted, np.full(n, 0.5), 2)["expected_skill"] == pytest.approx(0.0)
    good = calibration(confidence, calibrated)
    assert good["ece"] < 0.02 and abs(good["gap"]) < 0.01
    overconfident = calibration(confidence, rng.random(20_000) < 0.5)
    assert overconfident["ece"] > 0.2 and overconfident["gap"] == pytest.approx(confidence.mean() - 0.5, abs=0.01)


def test_judge_counts_a_drop_only_with_enough_outcomes_and_trusts_only_calibrated_estimates():
    rng = np.random.default_rng(1)
    n = 400
    times = pd.date_range("2024-01-01", periods=n, freq="1h", tz="UTC")
    target = rng.integers(0, 2, n)
    labelled = pd.DataFrame({"symbol": "A", "timestamp": times, "close": 1.0, "target_direction": target})
    train = labelled.assign(target_direction=1)
    # A coin flip, reported as such: skill near 0 against a validation skill of 0.4.
    coin = records("direction_predictor", rng.integers(0, 2, n).astype(float), times, ["A"] * n, confidence=0.5)
    outcomes, _ = split_by_outcome(coin, labelled)
    pending = coin.head(10)
    validation = {"model": {"accuracy": 0.7}, "baseline": {"accuracy": 0.5}, "skill": 0.4, "n": 2000}
    result = judge(DirectionPredictor(), outcomes, pending, train, validation, horizon=1, min_outcomes=50)
    assert result["figure"] == "skill" and result["dropped"] and result["drop"] == pytest.approx(0.4 - result["skill"])
    assert result["estimate"]["expected_skill"] == pytest.approx(0.0) and result["estimate"]["trusted"]
    assert result["estimate"]["dropped"]  # calibrated at 0.5: no skill expected, far below 0.4
    few = judge(DirectionPredictor(), outcomes.head(20), pending, train, validation, horizon=1, min_outcomes=50)
    assert not few["dropped"] and not few["estimate"]["trusted"]


def test_parity_names_each_candle_where_live_and_backtest_differ():
    recorded = pd.DataFrame({"symbol": ["A", "A"], "timestamp": T[:2], "direction": ["UP", "DOWN"], "p_up": [0.6, 0.4]})
    same = recorded.assign(p_up=recorded["p_up"] + 1e-9)
    assert parity_differences(recorded, same) == []
    flipped = recorded.assign(direction=["UP", "UP"], p_up=[0.6, 0.55])
    (difference,) = parity_differences(recorded, flipped)
    assert difference["timestamp"] == T[1].isoformat() and difference["direction_backtest"] == "UP"
