import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.drift import feature_drift, ks_statistic, psi


def test_psi_by_hand():
    # Training deciles of 0..99 cut at 9.9, 19.8, ...: ten bins of 10% each.
    expected = np.arange(100.0)
    # Recent: half in the lowest bin, half in the highest.
    actual = np.array([0.0] * 50 + [99.0] * 50)
    shares = np.full(10, 1e-4)
    shares[0] = shares[-1] = 0.5
    by_hand = np.sum((shares - 0.1) * np.log(shares / 0.1))
    assert psi(expected, actual) == pytest.approx(by_hand)


def test_psi_is_zero_for_the_same_distribution_and_grows_with_the_shift():
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, 20_000)
    assert psi(base, rng.normal(0, 1, 20_000)) < 0.01
    assert 0.05 < psi(base, rng.normal(0.3, 1, 20_000)) < psi(base, rng.normal(1.0, 1, 20_000))
    assert psi(base, rng.normal(0, 3, 20_000)) > 0.2  # the volatility tripling of the drift demo


def test_psi_of_a_constant_feature_stays_finite():
    assert np.isfinite(psi(np.ones(100), np.r_[np.ones(50), np.zeros(50)]))
    with pytest.raises(ValueError, match="values in both"):
        psi([], [1.0])


def test_ks_statistic_by_hand():
    # ECDFs of {1,2,3,4} and {3,4,5,6} differ most at 2 (0.5 vs 0) and at 4 (1 vs 0.5).
    assert ks_statistic([1, 2, 3, 4], [3, 4, 5, 6]) == pytest.approx(0.5)
    assert ks_statistic([1, 2], [1, 2]) == 0.0
    assert ks_statistic([1, 2], [5, 6]) == 1.0


@pytest.mark.parametrize("seed", range(30))
def test_ks_statistic_equals_scipys(seed):
    """Continuous values, heavy ties (small integers), shifted, wider, one-value windows."""
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 3000)), int(rng.integers(1, 300))
    if seed % 3 == 0:
        expected, actual = rng.integers(0, 6, n).astype(float), rng.integers(1, 8, m).astype(float)
    else:
        expected, actual = rng.normal(0, 1, n), rng.normal(rng.normal(0, 0.5), rng.uniform(0.5, 2), m)
    assert ks_statistic(expected, actual) == pytest.approx(ks_2samp(expected, actual).statistic, abs=1e-12)


def test_ks_statistic_needs_values_in_both_windows():
    with pytest.raises(ValueError, match="both windows"):
        ks_statistic([], [1.0])


def test_a_model_drifts_when_enough_of_its_features_do():
    rng = np.random.default_rng(1)
    training = pd.DataFrame({"a": rng.normal(0, 1, 5000), "b": rng.normal(0, 1, 5000), "c": rng.normal(0, 1, 5000)})
    recent = pd.DataFrame({"a": rng.normal(0, 3, 1000), "b": rng.normal(0, 1, 1000), "c": rng.normal(0, 1, 1000)})
    one_of_three = feature_drift(training, recent, ["a", "b", "c"], drifted_share=0.5)
    assert one_of_three["features"]["a"]["drifted"] and not one_of_three["features"]["b"]["drifted"]
    assert one_of_three["drifted_share"] == pytest.approx(1 / 3) and not one_of_three["drifted"]
    assert feature_drift(training, recent, ["a", "b", "c"], drifted_share=0.3)["drifted"]
    assert feature_drift(training, recent, ["a"], drifted_share=0.5)["drifted"]
