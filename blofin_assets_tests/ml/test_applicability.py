"""The applicability gate: abstain on rows unlike the training rows, never on training rows."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.applicability import ApplicabilityGate, abstention_summary


@pytest.fixture(scope="module")
def training(small_table):
    table, _ = small_table
    return table[table["split"] == "train"]


def test_a_training_row_passes_and_a_row_far_outside_the_range_abstains_with_the_reason(training):
    gate = ApplicabilityGate().fit(training)
    assert not gate.assess(training.iloc[[10, 500]])["abstain"].any()
    shifted = training.iloc[[10]].copy()
    shifted["volatility_std"] *= 40
    shifted["atr"] *= 40
    verdict = gate.assess(shifted).iloc[0]
    assert verdict["abstain"] and verdict["distance"] > gate.threshold_
    assert "volatility_std" in verdict["reason"] and "atr" in verdict["reason"] and "rsi_14" not in verdict["reason"]


def test_the_threshold_turns_away_about_the_chosen_share_of_rows_like_the_training_ones(training):
    gate = ApplicabilityGate(quantile=0.9).fit(training.iloc[::2])
    share = gate.assess(training.iloc[1::2])["abstain"].mean()  # rows of the same market, not fitted on
    assert 0.05 < share < 0.15


def test_the_gate_round_trips_through_plain_arrays(training, tmp_path):
    gate = ApplicabilityGate(k=3).fit(training)
    np.savez(tmp_path / "gate.npz", **gate.to_arrays())
    with np.load(tmp_path / "gate.npz", allow_pickle=False) as arrays:
        loaded = ApplicabilityGate.from_arrays(arrays)
    rows = training.sample(20, random_state=0)
    pd.testing.assert_frame_equal(loaded.assess(rows), gate.assess(rows))
    assert loaded.k == 3 and loaded.features_ == gate.features_


def test_bad_settings_and_missing_features_are_refused(training):
    with pytest.raises(ValueError, match="quantile"):
        ApplicabilityGate(quantile=1.5)
    with pytest.raises(ValueError, match="more than k=5 training rows"):
        ApplicabilityGate().fit(training.head(3))
    with pytest.raises(ValueError, match=r"missing feature column\(s\) \['adx'\]"):
        ApplicabilityGate().fit(training).assess(training.drop(columns=["adx"]))


def test_too_many_abstentions_are_flagged():
    assert abstention_summary(np.array([True, False, False, False]), 0.3) == {
        "rows": 4, "abstained": 1, "share": 0.25, "max_share": 0.3, "too_many": False
    }
    assert abstention_summary(np.array([True, True, False]), 0.3)["too_many"]
