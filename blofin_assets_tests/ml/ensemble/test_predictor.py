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


def test_weights_follow_skill_beyond_two_standard_errors():
    weights, rule = skill_weights({"direction_predictor": (0.13, 0.02), "price_predictor": (0.07, 0.02)})
    # beyond noise: 0.09 and 0.03, more than the noise scale 0.04 in all
    assert weights == pytest.approx({"direction_predictor": 0.75, "price_predictor": 0.25})
    assert "proportional" in rule
    weights, _ = skill_weights({"direction_predictor": (0.12, 0.02), "price_predictor": (-0.05, 0.02)})
    assert weights == {"direction_predictor": 1.0, "price_predictor": 0.0}


def test_equal_weights_when_no_member_is_beyond_its_noise():
    weights, rule = skill_weights({"direction_predictor": (0.03, 0.02), "price_predictor": (None, float("inf"))})
    assert weights == {"direction_predictor": 0.5, "price_predictor": 0.5}
    assert "equal weights" in rule


def test_below_the_noise_scale_weights_blend_continuously_from_equal():
    spread = 0.02
    previous = None
    for skill in np.linspace(0.0, 0.2, 401):  # across 2 se (no evidence) to far beyond it
        weights, _ = skill_weights({"direction_predictor": (skill, spread), "price_predictor": (0.0, spread)})
        assert sum(weights.values()) == pytest.approx(1.0)
        if previous is not None:  # steps of 0.0005 in skill move a weight by at most 0.0005 / 0.04
            assert abs(weights["direction_predictor"] - previous) <= 0.0005 / 0.04 + 1e-12
        previous = weights["direction_predictor"]
    halfway, rule = skill_weights({"direction_predictor": (0.06, spread), "price_predictor": (0.0, spread)})
    assert halfway["direction_predictor"] == pytest.approx(0.5 + 0.5 * 0.02 / 0.04) and "blended" in rule


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
    result = evaluate_direction(signal, np.array([1, 0, 0, 0]))
    # called UP half the time on labels UP a quarter of the time: chance 1/2 x 1/4 + 1/2 x 3/4
    assert result["accuracy"] == 0.75 and result["baseline_accuracy"] == 0.5 and result["skill"] == 0.5
    always_down = evaluate_direction(pd.DataFrame({"direction": ["DOWN"] * 4}), np.array([1, 0, 0, 0]))
    assert always_down["accuracy"] == 0.75 and always_down["skill"] == 0.0
