import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.ensemble import EnsemblePredictor, evaluate_direction, skill_weights

COLUMNS = {"direction_predictor": "p_up", "price_predictor": "price_p_up"}


class Named:
    """A stand-in member: combine() needs only its name and columns (the outputs are given)."""

    def __init__(self, name, signal_column=None):
        self.name = name
        self.signal_column = signal_column or COLUMNS.get(name)
        self.ensemble_columns = (self.signal_column,) if self.signal_column else ()
        self.stacking_columns = self.ensemble_columns


def with_members(ensemble_type, weights):
    ensemble = EnsemblePredictor(ensemble_type)
    for name, weight in weights.items():
        ensemble.add_model(Named(name), weight)
    return ensemble


def outputs(p_up, price_p_up):
    return pd.DataFrame({"p_up": p_up, "price_p_up": price_p_up})


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
    ensemble = with_members("weighted_avg", {"direction_predictor": 3.0, "price_predictor": 1.0})
    out = ensemble.combine(outputs([0.8, 0.4, 0.6, 0.5], [0.4, 0.4, 0.2, 0.7]))
    np.testing.assert_allclose(out["p_up"], [0.7, 0.4, 0.5, 0.55])
    assert list(out["direction"]) == ["UP", "DOWN", "DOWN", "UP"]
    np.testing.assert_allclose(out["confidence"], [0.7, 0.6, 0.5, 0.55])


def test_voting_breaks_ties_with_the_heaviest_member():
    ensemble = with_members("voting", {"direction_predictor": 0.4, "price_predictor": 0.6})
    out = ensemble.combine(outputs([0.8, 0.3, 0.6, 0.2], [0.9, 0.2, 0.4, 0.7]))
    # rows 2 and 3 split 1:1, so price_predictor (heavier) decides.
    assert list(out["direction"]) == ["UP", "DOWN", "DOWN", "UP"]
    np.testing.assert_allclose(out["confidence"], [1.0, 1.0, 0.5, 0.5])


def test_voting_tie_with_equal_weights_goes_to_the_first_name():
    ensemble = with_members("voting", {"price_predictor": 0.5, "direction_predictor": 0.5})
    assert ensemble.combine(outputs([0.1], [0.9]))["direction"].iloc[0] == "DOWN"


def test_bad_members_types_and_missing_pieces_are_refused():
    with pytest.raises(ValueError, match="not an ensemble member"):
        EnsemblePredictor().add_model(Named("lstm"), 1.0)
    with pytest.raises(ValueError, match="ensemble_type"):
        EnsemblePredictor("blending")
    with pytest.raises(RuntimeError, match="no directional member"):
        EnsemblePredictor().predict(pd.DataFrame({"x": [1]}))
    with pytest.raises(RuntimeError, match="meta-learner"):
        EnsemblePredictor("stacking").combine(outputs([0.5], [0.5]))


def test_evaluate_direction_by_hand():
    signal = pd.DataFrame({"direction": ["UP", "UP", "DOWN", "DOWN"]})
    result = evaluate_direction(signal, np.array([1, 0, 0, 0]), majority=0)
    assert result["accuracy"] == 0.75 and result["baseline_accuracy"] == 0.75 and result["skill"] == 0
