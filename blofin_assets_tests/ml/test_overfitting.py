"""The deflated Sharpe ratio and PBO against values worked out by hand."""

import math

import numpy as np
import pytest

from blofin_assets.ml.overfitting import (
    EULER_GAMMA,
    deflated_sharpe,
    expected_max_sharpe,
    probabilistic_sharpe,
    probability_of_backtest_overfitting,
    sharpe,
)


def phi(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_the_probabilistic_sharpe_ratio_by_hand():
    # SR 0.1 per period over 101 returns, normal (skew 0, kurtosis 3), against 0:
    # z = 0.1 * sqrt(100) / sqrt(1 + 2/4 * 0.01) = 1 / sqrt(1.005) = 0.99751...
    assert probabilistic_sharpe(0.1, 101, 0.0, 3.0) == pytest.approx(phi(1 / math.sqrt(1.005)), rel=1e-12)
    # Negative skew and fat tails widen the estimate's spread: z = 1 / sqrt(1 + 0.1 + 2.25 * 0.01).
    assert probabilistic_sharpe(0.1, 101, -1.0, 10.0) == pytest.approx(phi(1 / math.sqrt(1.1225)), rel=1e-12)
    assert probabilistic_sharpe(0.2, 50, 0.0, 3.0, benchmark=0.2) == 0.5


def test_the_expected_maximum_sharpe_of_n_zero_skill_trials_by_hand():
    # N = 100, V = 0.25: sqrt(V) = 0.5; quantiles 1 - 1/100 and 1 - 1/(100 e).
    z1, z2 = 2.3263478740408408, 2.6802104449668875  # Phi^-1(0.99), Phi^-1(1 - 1/(100 e))
    assert phi(z1) == pytest.approx(0.99, abs=1e-12) and phi(z2) == pytest.approx(1 - 1 / (100 * math.e), abs=1e-12)
    assert expected_max_sharpe(100, 0.25) == pytest.approx(0.5 * ((1 - EULER_GAMMA) * z1 + EULER_GAMMA * z2), rel=1e-12)
    assert expected_max_sharpe(1, 0.25) == 0.0
    assert expected_max_sharpe(1000, 0.25) > expected_max_sharpe(100, 0.25)


def test_the_deflated_sharpe_ratio_falls_as_trials_rise():
    returns = np.random.default_rng(0).normal(0.05, 1.0, 2000)
    one, many = deflated_sharpe(returns, 1, 0.01), deflated_sharpe(returns, 1000, 0.01)
    assert one["probability"] == pytest.approx(probabilistic_sharpe(sharpe(returns), 2000, one["skewness"], one["kurtosis"]))
    assert many["probability"] < one["probability"] and many["expected_max_sharpe"] > 0


def test_pbo_is_zero_when_one_configuration_wins_everywhere_and_one_when_the_choice_always_flips():
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 1, (400, 3))
    dominant = noise.copy()
    dominant[:, 0] += 0.5  # better in every block
    assert probability_of_backtest_overfitting(dominant, n_blocks=8)["pbo"] == 0.0
    # Two blocks, two configurations: each is best in one block and worst in the other, so the
    # in-sample best is always the out-of-sample worst.
    flip = np.vstack([np.column_stack([rng.normal(1, 1, 50), rng.normal(-1, 1, 50)]), np.column_stack([rng.normal(-1, 1, 50), rng.normal(1, 1, 50)])])
    result = probability_of_backtest_overfitting(flip, n_blocks=2)
    assert result == {"pbo": 1.0, "splits": 2, "median_logit": pytest.approx(math.log((1 / 3) / (2 / 3)))}


def test_pbo_of_pure_noise_is_near_a_half():
    values = [probability_of_backtest_overfitting(np.random.default_rng(seed).normal(0, 1, (600, 20)), n_blocks=10)["pbo"] for seed in range(6)]
    assert 0.3 < float(np.mean(values)) < 0.7


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="two configurations"):
        probability_of_backtest_overfitting(np.zeros((20, 1)))
    with pytest.raises(ValueError, match="even"):
        probability_of_backtest_overfitting(np.zeros((20, 2)), n_blocks=3)
    with pytest.raises(ValueError, match="at least 2 returns"):
        probabilistic_sharpe(0.1, 1, 0.0, 3.0)
