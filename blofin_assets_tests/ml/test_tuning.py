"""Tuning on generated series with known answers: luck is not adopted, real skill is."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.market.features import compute_features
from blofin_assets.ml.dataset import build_targets, model_table
from blofin_assets.ml.tuning import independent_gains, judge_search, tune
from blofin_assets_tests.ml.test_leakage import generated

FIXED = {"n_jobs": 1}  # one thread per fit: the suite runs two workers on two cores


def table(phi: float, seed: int, candles: int = 2500, horizon: int = 1):
    generated_candles = generated(candles, phi, seed=seed)
    features = compute_features(generated_candles)
    return model_table(features, build_targets(generated_candles, features, horizon=horizon))


# 40,000 candles, labels 5 candles ahead as the pipeline's: neighbouring labels overlap, and
# every trial shares the same folds and the same luck. On the walks of seeds 1-6 no search is
# adopted; the three quickest to search run here (seeds 1, 2 and 4 take three times as long).
# Seed 5 is the walk on which the search used to adopt (skill over the majority class, gains
# row by row: deflated Sharpe probability 0.990, PBO 0.30).
@pytest.mark.parametrize("seed", [3, 5, 6])
def test_on_a_random_walk_the_best_of_30_trials_is_not_adopted(seed):
    result = tune("direction_predictor", table(0.0, seed, candles=40_000, horizon=5), 5, n_trials=30, seed=0, fixed=FIXED)
    verdict = result.verdict
    assert len(result.trials) == 30 and verdict["n_trials"] == 30
    assert not result.adopted and not verdict["significant"]
    assert verdict["pbo"]["pbo"] >= 0.5 or verdict["deflated_sharpe"]["probability"] < 0.95
    assert "luck" in verdict["reason"] or "PBO" in verdict["reason"]  # the reason says what failed
    # the gains are runs of 4 horizons (20 rows): nearly independent, as the rows are not
    assert verdict["deflated_sharpe"]["n_returns"] < sum(len(t.fold_scores) for t in result.trials[:1]) * 40_000 / 20


def test_with_a_planted_learnable_signal_the_best_trial_is_significant_and_adopted():
    result = tune("direction_predictor", table(0.2, 5, candles=20_000, horizon=5), 5, n_trials=30, seed=0, fixed=FIXED)
    verdict = result.verdict
    assert result.adopted and verdict["significant"], verdict["reason"]
    assert verdict["pbo"]["pbo"] < 0.5 and verdict["deflated_sharpe"]["probability"] >= 0.95
    assert result.best.score > 0.03 and set(result.best.params) >= {"max_depth", "learning_rate", "n_estimators", "subsample"}


def test_the_gain_series_averages_each_rows_gain_then_runs_of_four_horizons():
    rows = pd.DataFrame({"symbol": ["A"] * 10 + ["B"] * 10, "timestamp": list(range(10)) * 2})
    tested = [np.arange(0, 20, 2), np.arange(0, 20)]  # rows 0, 2, ... tested twice (CPCV-like)
    parts = [np.full(10, 3.0), np.ones(20)]
    gains = independent_gains(rows, tested, parts, horizon=1)
    per_row = np.where(np.arange(10) % 2 == 0, 2.0, 1.0)  # mean of 3 and 1, or 1
    expected = [per_row[i : i + 4].mean() for i in (0, 4, 8)] * 2  # runs of 4 rows per symbol
    np.testing.assert_allclose(gains, expected)


def test_the_search_is_deterministic_for_a_seed():
    rows = table(0.3, seed=6)
    first = tune("risk_scorer", rows, 1, n_trials=3, seed=1, fixed={"n_jobs": 1})
    second = tune("risk_scorer", rows, 1, n_trials=3, seed=1, fixed={"n_jobs": 1})
    assert [t.params for t in first.trials] == [t.params for t in second.trials]
    assert [t.score for t in first.trials] == pytest.approx([t.score for t in second.trials])


def test_no_completed_trial_adopts_nothing():
    best, verdict = judge_search([], {}, min_probability=0.95, max_pbo=0.5)
    assert best is None and not verdict["significant"] and verdict["reason"] == "no trial completed"
    with pytest.raises(ValueError, match="n_trials must be at least 1"):
        tune("direction_predictor", table(0.0, seed=1), 1, n_trials=0)
