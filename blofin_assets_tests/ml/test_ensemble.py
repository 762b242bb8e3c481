import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.ensemble import EnsemblePredictor, evaluate_direction, skill_weights


class Fixed:
    """A stand-in signal member with given P(UP) per row (the ensemble only needs p_up)."""

    def __init__(self, name, p_up):
        self.name = name
        self.p_up = np.asarray(p_up, dtype=float)

    def predict_proba(self, X):
        return np.column_stack([1 - self.p_up, self.p_up])

    def predict_up_probability(self, X):
        return self.p_up


X = pd.DataFrame({"x": range(4)})


def test_weights_follow_positive_skill():
    weights, rule = skill_weights({"direction_predictor": 0.03, "price_predictor": 0.01})
    assert weights == pytest.approx({"direction_predictor": 0.75, "price_predictor": 0.25})
    assert "proportional" in rule
    weights, _ = skill_weights({"direction_predictor": 0.02, "price_predictor": -0.05})
    assert weights == {"direction_predictor": 1.0, "price_predictor": 0.0}


def test_equal_weights_when_no_member_beats_its_baseline():
    weights, rule = skill_weights({"direction_predictor": -0.01, "price_predictor": None})
    assert weights == {"direction_predictor": 0.5, "price_predictor": 0.5}
    assert "equal weights" in rule


def test_weighted_average_of_p_up():
    ensemble = EnsemblePredictor("weighted_avg")
    ensemble.add_model(Fixed("direction_predictor", [0.8, 0.4, 0.6, 0.5]), 3.0)
    ensemble.add_model(Fixed("price_predictor", [0.4, 0.4, 0.2, 0.7]), 1.0)
    out = ensemble.predict(X)
    np.testing.assert_allclose(out["p_up"], [0.7, 0.4, 0.5, 0.55])
    assert list(out["direction"]) == ["UP", "DOWN", "DOWN", "UP"]
    np.testing.assert_allclose(out["confidence"], [0.7, 0.6, 0.5, 0.55])


def test_voting_breaks_ties_with_the_heaviest_member():
    ensemble = EnsemblePredictor("voting")
    ensemble.add_model(Fixed("direction_predictor", [0.8, 0.3, 0.6, 0.2]), 0.4)
    ensemble.add_model(Fixed("price_predictor", [0.9, 0.2, 0.4, 0.7]), 0.6)
    out = ensemble.predict(X)
    # rows 2 and 3 split 1:1, so price_predictor (heavier) decides.
    assert list(out["direction"]) == ["UP", "DOWN", "DOWN", "UP"]
    np.testing.assert_allclose(out["confidence"], [1.0, 1.0, 0.5, 0.5])


def test_voting_tie_with_equal_weights_goes_to_the_first_name():
    ensemble = EnsemblePredictor("voting")
    ensemble.add_model(Fixed("price_predictor", [0.9]), 0.5)
    ensemble.add_model(Fixed("direction_predictor", [0.1]), 0.5)
    assert ensemble.predict(X.head(1))["direction"].iloc[0] == "DOWN"


def test_members_without_a_direction_and_bad_types_are_refused():
    with pytest.raises(ValueError, match="gives no direction"):
        EnsemblePredictor().add_model(Fixed("risk_scorer", [0.5]), 1.0)
    with pytest.raises(ValueError, match="ensemble_type"):
        EnsemblePredictor("stacking-ish")
    with pytest.raises(RuntimeError, match="no members"):
        EnsemblePredictor().predict(X)


def test_evaluate_direction_by_hand():
    signal = pd.DataFrame({"direction": ["UP", "UP", "DOWN", "DOWN"]})
    result = evaluate_direction(signal, np.array([1, 0, 0, 0]), majority=0)
    assert result["accuracy"] == 0.75 and result["baseline_accuracy"] == 0.75 and result["skill"] == 0
