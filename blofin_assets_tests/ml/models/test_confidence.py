import numpy as np
import pytest

from blofin_assets.ml.models.confidence import ConfidenceCalibrator


def heteroscedastic(n=5000, seed=0):
    rng = np.random.default_rng(seed)
    difficulty = rng.uniform(0.1, 1.0, n)
    y_pred = np.full(n, 10.0)
    y_true = y_pred + rng.normal(0, difficulty)  # errors grow with difficulty
    return difficulty, y_true, y_pred


def test_confidence_falls_as_conditions_get_harder():
    difficulty, y_true, y_pred = heteroscedastic()
    calibrator = ConfidenceCalibrator(n_bins=5).fit(difficulty, y_true, y_pred)
    assert np.all(np.diff(calibrator.hit_rate_) < 0)
    assert calibrator.predict([0.15])[0] > 0.8 and calibrator.predict([0.95])[0] < 0.35


def test_confidence_is_the_hit_rate_it_claims_on_fresh_data():
    difficulty, y_true, y_pred = heteroscedastic(seed=1)
    calibrator = ConfidenceCalibrator().fit(difficulty, y_true, y_pred)
    d2, t2, p2 = heteroscedastic(seed=2)
    claimed = calibrator.predict(d2)
    hit = np.abs(t2 - p2) / np.abs(p2) <= calibrator.tolerance_
    for level in np.unique(claimed):
        assert hit[claimed == level].mean() == pytest.approx(level, abs=0.04)


def test_tolerance_is_the_median_relative_error():
    difficulty, y_true, y_pred = heteroscedastic()
    calibrator = ConfidenceCalibrator().fit(difficulty, y_true, y_pred)
    assert calibrator.tolerance_ == pytest.approx(np.median(np.abs(y_true - y_pred) / 10.0))


def test_round_trip_and_too_few_rows():
    difficulty, y_true, y_pred = heteroscedastic(200)
    calibrator = ConfidenceCalibrator().fit(difficulty, y_true, y_pred)
    again = ConfidenceCalibrator.from_dict(calibrator.to_dict())
    np.testing.assert_array_equal(again.predict(difficulty), calibrator.predict(difficulty))
    with pytest.raises(ValueError, match="at least 5"):
        ConfidenceCalibrator().fit([1.0, 2.0], [1.0, 2.0], [1.0, 2.0])
