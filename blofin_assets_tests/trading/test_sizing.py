"""Bet sizes from probabilities, their steps, caps and abstentions, and the calibration."""

import numpy as np
import pytest
from scipy.special import expit, logit
from scipy.stats import norm

from blofin_assets.trading.sizing import Calibration, SizingRule, bet_size


@pytest.mark.parametrize("p", [0.5, 0.52, 0.55, 0.6, 0.8, 0.95, 0.3])
def test_the_bet_size_is_two_phi_of_the_edge_in_standard_deviations_minus_one(p):
    z = (p - 0.5) / np.sqrt(p * (1 - p))
    assert bet_size([p])[0] == pytest.approx(2 * norm.cdf(z) - 1, abs=1e-15)
    assert bet_size([1 - p])[0] == pytest.approx(-bet_size([p])[0], abs=1e-15)  # short as easily as long


def test_sizes_come_in_steps_capped_by_leverage_and_flat_when_unsure_or_abstaining():
    p = np.array([0.5, 0.52, 0.55, 0.45, 0.8, 0.2, 0.99, 0.8])
    rule = SizingRule(max_leverage=2.0, step=0.1, min_edge=0.03)
    sizes = rule.sizes(p, abstain=[False] * 7 + [True])
    # 2 Phi(z) - 1: 0, 0.032, 0.080, -0.080, 0.547, -0.547, 0.98 -> steps of 0.1, x 2
    assert sizes.tolist() == pytest.approx([0.0, 0.0, 0.2, -0.2, 1.0, -1.0, 2.0, 0.0])
    assert SizingRule(min_edge=float("inf")).sizes(p).tolist() == [0.0] * len(p)
    for bad in ({"max_leverage": 0.0}, {"step": 0.0}, {"step": 1.5}, {"min_edge": float("nan")}, {"max_leverage": float("inf")}):
        with pytest.raises(ValueError):
            SizingRule(**bad)


def test_calibration_recovers_a_known_distortion_and_the_identity_leaves_p():
    rng = np.random.default_rng(0)
    true = rng.uniform(0.3, 0.7, 50_000)
    outcome = rng.random(50_000) < true
    overconfident = expit(2.0 * logit(true) + 0.1)  # what the model says
    calibration = Calibration.fit(overconfident, outcome)
    assert calibration.slope == pytest.approx(0.5, abs=0.05) and calibration.intercept == pytest.approx(-0.05, abs=0.03)
    assert np.abs(calibration.apply(overconfident) - true).max() < 0.02
    assert Calibration().apply([0.3, 0.6]) == pytest.approx([0.3, 0.6])
    with pytest.raises(ValueError, match="both directions"):
        Calibration.fit([0.6, 0.7], [1, 1])
