"""What differs between classifiers and regressors, said once on the two task bases."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import is_classifier, is_regressor

from blofin_assets.ml.metrics import accuracy_difference_se
from blofin_assets.ml.models import MODEL_CLASSES, DirectionPredictor, RiskScorer


def test_each_model_is_a_scikit_learn_classifier_or_regressor():
    kinds = {name: (is_classifier(cls()), is_regressor(cls())) for name, cls in MODEL_CLASSES.items()}
    assert kinds == {
        "direction_predictor": (True, False),
        "risk_scorer": (False, True),
        "price_predictor": (False, True),
        "momentum_classifier": (True, False),
        "volatility_regressor": (False, True),
    }
    assert {cls.main_metric for cls in MODEL_CLASSES.values()} == {"accuracy", "mae"}


def test_regressors_are_judged_by_error_relative_to_the_naive_forecast():
    comparison = {"model": {"mae": 6.0, "accuracy": None}, "baseline": {"mae": 8.0}}
    assert RiskScorer().monitored_figure(comparison) == ("relative_error", 0.75)
    assert DirectionPredictor().monitored_figure({"model": {"accuracy": 0.6}}) == ("accuracy", 0.6)


@pytest.mark.parametrize(
    "model, validation, now, drop",
    [(DirectionPredictor(), 0.60, 0.54, 0.10), (DirectionPredictor(), 0.60, 0.66, -0.10), (RiskScorer(), 0.80, 0.96, 0.20)],
)
def test_relative_drop(model, validation, now, drop):
    assert model.relative_drop(validation, now) == pytest.approx(drop)


def test_a_classifiers_drop_counts_only_beyond_two_standard_errors():
    se = accuracy_difference_se(0.6, 1000, 0.5, 1000, horizon=5)
    assert DirectionPredictor().drop_is_significant(0.6, 1000, 0.5, 1000, 5) is (0.1 > 2 * se)
    assert not DirectionPredictor().drop_is_significant(0.6, 100, 0.55, 100, 5)
    assert RiskScorer().drop_is_significant(0.6, 100, 0.61, 100, 5)


def test_better_means_higher_accuracy_or_lower_error():
    assert DirectionPredictor().at_least_as_good(0.55, 0.55) and not DirectionPredictor().at_least_as_good(0.54, 0.55)
    assert RiskScorer().at_least_as_good(10.0, 12.0) and not RiskScorer().at_least_as_good(12.5, 12.0)


def test_baselines_by_hand():
    train = pd.DataFrame({"symbol": ["A", "A", "B", "B"], "target_risk": [10.0, 20.0, 50.0, 70.0], "target_direction": [1, 1, 0, 1]})
    test = pd.DataFrame({"symbol": ["A", "B"], "target_risk": [16.0, 62.0], "target_direction": [1, 0]})
    risk = RiskScorer().compare(test, train, np.array([15.0, 60.0]))
    assert risk["baseline"]["mae"] == pytest.approx((1.0 + 2.0) / 2)  # symbol means 15 and 60
    assert risk["model"]["mae"] == pytest.approx(1.5) and risk["skill"] == pytest.approx(0.0)
    direction = DirectionPredictor().compare(test, train, np.array([1, 0]))
    assert direction["baseline"]["name"] == "majority class (1)" and direction["skill"] == pytest.approx(1.0)


def test_the_accuracy_standard_error_counts_overlapping_labels_once_per_horizon():
    se = accuracy_difference_se(0.5, 1000, 0.5, 1000, horizon=5)
    assert se == pytest.approx((0.25 / 200 * 2) ** 0.5)
    assert accuracy_difference_se(0.5, 1000, 0.5, 1000, horizon=1) < se
