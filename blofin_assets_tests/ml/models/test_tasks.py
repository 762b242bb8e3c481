"""What differs between classifiers and regressors, said once on the two task bases."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import is_classifier, is_regressor

from blofin_assets.ml.metrics import compare_classification, skill_standard_error
from blofin_assets.ml.models import MODEL_CLASSES, DirectionPredictor, RiskScorer


def test_each_model_is_a_scikit_learn_classifier_or_regressor():
    kinds = {name: (is_classifier(cls()), is_regressor(cls())) for name, cls in MODEL_CLASSES.items()}
    assert kinds == {
        "direction_predictor": (True, False),
        "risk_scorer": (False, True),
        "price_predictor": (False, True),
        "momentum_classifier": (True, False),
        "volatility_regressor": (False, True),
        "meta_labeler": (True, False),
    }
    assert {cls.main_metric for cls in MODEL_CLASSES.values()} == {"accuracy", "mae"}


def test_regressors_are_judged_by_error_relative_to_the_naive_forecast_and_classifiers_by_skill():
    comparison = {"model": {"mae": 6.0, "accuracy": None}, "baseline": {"mae": 8.0}}
    assert RiskScorer().monitored_figure(comparison) == ("relative_error", 0.75)
    assert DirectionPredictor().monitored_figure({"model": {"accuracy": 0.6}, "skill": 0.2}) == ("skill", 0.2)


@pytest.mark.parametrize(
    "model, validation, now, drop",
    [(DirectionPredictor(), 0.20, 0.10, 0.10), (DirectionPredictor(), 0.0, 0.10, -0.10), (RiskScorer(), 0.80, 0.96, 0.20)],
)
def test_performance_drop(model, validation, now, drop):
    assert model.performance_drop(validation, now) == pytest.approx(drop)


def comparison_of(correct: int, n: int = 1000) -> dict:
    """A balanced binary comparison with ``correct`` of ``n`` predictions right."""
    y = np.arange(n) % 2
    predicted = y.copy()
    predicted[: n - correct] = 1 - predicted[: n - correct]
    return compare_classification(y, predicted)


def test_a_classifiers_drop_counts_only_beyond_two_standard_errors_of_the_skill():
    validation, now = comparison_of(600), comparison_of(500)
    se = np.hypot(skill_standard_error(0.6, 0.5, 1000, 5), skill_standard_error(0.5, 0.5, 1000, 5))
    assert validation["skill"] == pytest.approx(0.2) and now["skill"] == 0.0
    assert DirectionPredictor().drop_is_significant(validation, now, 5) == bool(0.2 > 2 * se)
    assert not DirectionPredictor().drop_is_significant(comparison_of(60, 100), comparison_of(55, 100), 5)
    assert RiskScorer().drop_is_significant({}, {}, 5)


def test_champion_and_challenger_are_compared_by_skill_or_error():
    y = np.array([0, 0, 0, 1])
    # Always DOWN is right 3 times in 4 and knows nothing: its skill is 0, below a model right
    # as often that calls the UP candle
    assert DirectionPredictor().decision_figure(y, np.array([0, 0, 0, 0])) == ("skill", 0.0)
    assert DirectionPredictor().decision_figure(y, np.array([0, 0, 1, 1]))[1] > 0
    assert RiskScorer().decision_figure(np.array([1.0, 3.0]), np.array([2.0, 2.0])) == ("mae", 1.0)


def test_better_means_higher_skill_or_lower_error():
    assert DirectionPredictor().at_least_as_good(0.05, 0.05) and not DirectionPredictor().at_least_as_good(0.04, 0.05)
    assert RiskScorer().at_least_as_good(10.0, 12.0) and not RiskScorer().at_least_as_good(12.5, 12.0)


def test_baselines_by_hand():
    train = pd.DataFrame({"symbol": ["A", "A", "B", "B"], "target_risk": [10.0, 20.0, 50.0, 70.0], "target_direction": [1, 1, 0, 1]})
    test = pd.DataFrame({"symbol": ["A", "B"], "target_risk": [16.0, 62.0], "target_direction": [1, 0]})
    risk = RiskScorer().compare(test, train, np.array([15.0, 60.0]))
    assert risk["baseline"]["mae"] == pytest.approx((1.0 + 2.0) / 2)  # symbol means 15 and 60
    assert risk["model"]["mae"] == pytest.approx(1.5) and risk["skill"] == pytest.approx(0.0)
    direction = DirectionPredictor().compare(test, train, np.array([1, 0]))
    # labels and predictions half UP: a blind predictor agrees half the time
    assert "chance" in direction["baseline"]["name"] and direction["baseline"]["accuracy"] == 0.5 and direction["skill"] == 1.0


def test_the_skill_standard_error_counts_overlapping_labels_once_per_horizon():
    se = skill_standard_error(0.5, 0.5, 1000, horizon=5)
    assert se == pytest.approx((0.25 / 200) ** 0.5 / 0.5)
    assert skill_standard_error(0.5, 0.5, 1000, horizon=1) < se
