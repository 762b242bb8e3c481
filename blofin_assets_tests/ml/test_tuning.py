"""Tuning on generated series with known answers: luck is not adopted, real skill is."""

import pytest

from blofin_assets.market.features import compute_features
from blofin_assets.ml.dataset import build_targets, model_table
from blofin_assets.ml.tuning import judge_search, tune
from blofin_assets_tests.ml.test_leakage import generated

FIXED = {"n_jobs": 2}


def table(phi: float, seed: int):
    candles = generated(2500, phi, seed=seed)
    features = compute_features(candles)
    return model_table(features, build_targets(candles, features, horizon=1))


def test_on_a_random_walk_the_best_of_30_trials_is_not_adopted():
    result = tune("direction_predictor", table(0.0, seed=5), 1, n_trials=30, seed=0, fixed=FIXED)
    verdict = result.verdict
    assert len(result.trials) == 30 and verdict["n_trials"] == 30
    assert not result.adopted and not verdict["significant"]
    assert verdict["pbo"]["pbo"] >= 0.5 or verdict["deflated_sharpe"]["probability"] < 0.95
    assert "not" not in verdict["reason"][:3]  # the reason says what failed
    assert "luck" in verdict["reason"] or "PBO" in verdict["reason"]


def test_with_planted_autocorrelation_the_best_trial_is_significant_and_adopted():
    result = tune("direction_predictor", table(0.4, seed=5), 1, n_trials=30, seed=0, fixed=FIXED)
    verdict = result.verdict
    assert result.adopted and verdict["significant"], verdict["reason"]
    assert verdict["pbo"]["pbo"] < 0.5 and verdict["deflated_sharpe"]["probability"] >= 0.95
    assert result.best.score > 0.05 and set(result.best.params) >= {"max_depth", "learning_rate", "n_estimators", "subsample"}


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
