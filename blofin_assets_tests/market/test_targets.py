import numpy as np
import pandas as pd
import pytest

from blofin_assets.market.features import compute_features
from blofin_assets.market.targets import BarrierSpec, TargetScales, barrier_touches, forward_outcomes, label_targets
from blofin_assets.ml.dataset import HoldoutSpec, TargetSet, build_targets
from blofin_assets_tests.market.test_features import random_candles

H = 5


@pytest.fixture(scope="module")
def two_symbols():
    return pd.concat([random_candles(11, 400, "AAA-USDT"), random_candles(12, 400, "BBB-USDT")], ignore_index=True)


@pytest.fixture(scope="module")
def labelled(two_symbols):
    return build_targets(two_symbols, compute_features(two_symbols), horizon=H)


def test_each_target_matches_its_formula_from_candles_t_to_t_plus_h(two_symbols, labelled):
    frame = labelled.frame
    for symbol, candles in two_symbols.groupby("symbol"):
        candles = candles.reset_index(drop=True)
        close, low = candles["close"].to_numpy(), candles["low"].to_numpy()
        rows = frame[frame["symbol"] == symbol]
        for _, row in rows.sample(40, random_state=0).iterrows():
            t = int(np.flatnonzero(candles["timestamp"] == row["timestamp"])[0])
            future = close[t + H]
            r = np.log(close[t + 1 : t + H + 1] / close[t : t + H])
            assert row["target_price"] == pytest.approx(future)
            assert row["target_direction"] == int(future > close[t])
            assert row["target_volatility"] == pytest.approx(np.sqrt(np.mean(r**2)))
            change = np.log(future / close[t]) - np.log(close[t] / close[t - H])
            scales = labelled.scales[symbol]
            expected_state = 0 if change < scales.momentum_low else 2 if change > scales.momentum_high else 1
            assert row["target_momentum"] == expected_state
            adverse = max(0.0, 1 - low[t + 1 : t + H + 1].min() / close[t])
            outcome = pd.DataFrame({"fwd_volatility": [np.sqrt(np.mean(r**2))], "fwd_adverse": [adverse]})
            assert row["target_risk"] == pytest.approx(_risk(outcome, scales)[0])


def _risk(outcome, scales):
    frame = outcome.assign(symbol="x", timestamp=0, close=1.0, future_close=1.0, momentum_change=0.0, touch=0, touch_bars=H)
    return label_targets(frame, scales)["target_risk"].to_numpy()


def test_the_last_horizon_candles_of_each_symbol_have_no_target(two_symbols, labelled):
    for symbol, candles in two_symbols.groupby("symbol"):
        last_labelled = labelled.frame.loc[labelled.frame["symbol"] == symbol, "timestamp"].max()
        assert last_labelled == candles["timestamp"].iloc[-1 - H]
    assert labelled.frame.notna().all().all()


def test_targets_never_cross_symbols(two_symbols, labelled):
    alone = forward_outcomes(two_symbols[two_symbols["symbol"] == "BBB-USDT"], H)
    both = forward_outcomes(two_symbols, H)
    pd.testing.assert_frame_equal(
        both[both["symbol"] == "BBB-USDT"].reset_index(drop=True), alone.reset_index(drop=True)
    )


def test_a_symbols_labels_and_scales_do_not_depend_on_other_symbols(two_symbols, labelled):
    """What makes symbols independent partitions: adding one changes no other's targets."""
    one = two_symbols[two_symbols["symbol"] == "BBB-USDT"]
    alone = build_targets(one, compute_features(one), horizon=H)
    pd.testing.assert_frame_equal(alone.frame, labelled.frame[labelled.frame["symbol"] == "BBB-USDT"].reset_index(drop=True))
    assert alone.scales == {"BBB-USDT": labelled.scales["BBB-USDT"]}
    assert labelled.scales["AAA-USDT"] != labelled.scales["BBB-USDT"]


def test_a_target_set_splits_by_symbol_and_pools_back(two_symbols, labelled):
    parts = labelled.by_symbol()
    assert sorted(parts) == ["AAA-USDT", "BBB-USDT"]
    assert set(parts["AAA-USDT"].frame["symbol"]) == {"AAA-USDT"} and list(parts["AAA-USDT"].scales) == ["AAA-USDT"]
    pooled = TargetSet.pooled(list(parts.values()))
    pd.testing.assert_frame_equal(pooled.frame, labelled.frame)
    assert pooled.scales == labelled.scales and pooled.horizon == H
    other = build_targets(two_symbols, compute_features(two_symbols), horizon=H + 1).by_symbol()["BBB-USDT"]
    with pytest.raises(ValueError, match="re-materialize targets for every symbol"):
        TargetSet.pooled([parts["AAA-USDT"], other])


def test_scales_are_fitted_on_training_rows_only(two_symbols):
    """Changing prices in the test period must not change any training label."""
    features = compute_features(two_symbols)
    before = build_targets(two_symbols, features, horizon=H)
    last_train = before.frame.loc[before.frame["split"] == "train", "timestamp"].max()
    # Prices after the last training label's window are the test period's.
    cutoff = last_train + pd.Timedelta(hours=H)
    shocked = two_symbols.copy()
    late = shocked["timestamp"] > cutoff
    for column in ("open", "high", "low", "close"):
        shocked.loc[late, column] *= np.linspace(1, 3, late.sum())
    after = build_targets(shocked, compute_features(shocked), horizon=H)
    train_before = before.frame[before.frame["split"] == "train"].reset_index(drop=True)
    train_after = after.frame[after.frame["split"] == "train"].reset_index(drop=True)
    pd.testing.assert_frame_equal(train_before, train_after)
    assert before.scales == after.scales


def test_risk_is_0_to_100_and_uniform_over_training_rows(labelled):
    train = labelled.frame[labelled.frame["split"] == "train"]
    assert labelled.frame["target_risk"].between(0, 100).all()
    assert train["target_risk"].mean() == pytest.approx(50, abs=3)


def test_momentum_terciles_split_each_symbols_training_rows_in_thirds(labelled):
    train = labelled.frame[labelled.frame["split"] == "train"]
    for _, rows in train.groupby("symbol"):
        shares = rows["target_momentum"].value_counts(normalize=True)
        assert set(shares.index) == {0, 1, 2}
        assert np.allclose(shares.to_numpy(), 1 / 3, atol=0.01)


def test_scales_round_trip_through_json_types():
    scales = TargetScales(5, -0.01, 0.02, tuple(np.linspace(0, 1, 101)), tuple(np.linspace(0, 2, 101)))
    assert TargetScales.from_dict(scales.to_dict()) == scales


def test_horizon_must_be_positive(two_symbols):
    with pytest.raises(ValueError, match="horizon"):
        forward_outcomes(two_symbols, 0)


def test_test_days_holds_out_the_last_days(two_symbols):
    labelled = build_targets(two_symbols, compute_features(two_symbols), horizon=H, holdout=HoldoutSpec(test_days=3))
    test = labelled.frame[labelled.frame["split"] == "test"]
    assert test.groupby("symbol").size().eq(72).all()


# Hand-built paths from a close of 100 with barriers at 100 exp(+-0.1): 110.52 and 90.48.
WIDTH = 0.1


def touched(highs, lows, horizon=3):
    close = [100.0] + [100.0] * len(highs)
    touch, bars = barrier_touches(close, [100.0, *highs], [100.0, *lows], horizon, np.r_[WIDTH, np.full(len(highs), np.nan)])
    return touch[0], bars[0]


@pytest.mark.parametrize(
    "highs, lows, expected",
    [
        ([105, 111, 101], [99, 95, 91], (1, 2)),  # the profit barrier in bar 2, the stop never
        ([105, 108, 112], [95, 90, 99], (-1, 2)),  # the stop in bar 2, before the profit in bar 3
        ([105, 108, 109], [95, 92, 91], (0, 3)),  # neither by the horizon
        ([111, 100, 100], [90, 100, 100], (2, 1)),  # both in bar 1: the order inside a bar is unknown
        ([110.6, 100, 100], [100, 100, 100], (1, 1)),  # a high just past the barrier
    ],
)
def test_barrier_labels_on_hand_built_paths(highs, lows, expected):
    assert touched(highs, lows) == expected


def test_the_barrier_label_of_each_outcome_and_the_both_in_one_bar_rule():
    # both in one bar counts as the stop for a long (-1): a label never flatters a trade
    outcomes = pd.DataFrame(
        {
            "symbol": "x", "timestamp": range(4), "close": 100.0, "future_close": [101.0, 99.0, 101.0, 101.0],
            "fwd_volatility": 0.01, "fwd_adverse": 0.0, "momentum_change": 0.0, "touch": [1, -1, 2, 0], "touch_bars": [2, 1, 1, 5],
        }
    )
    scales = TargetScales(H, -0.01, 0.01, tuple(np.linspace(0, 1, 101)), tuple(np.linspace(0, 1, 101)))
    zero = label_targets(outcomes, scales, BarrierSpec(vertical="zero"))
    assert zero["target_barrier"].tolist() == [1, -1, -1, 0]
    assert zero["target_first"].tolist() == [1, 2, 0, 0] and zero["target_direction"].tolist() == [1, 0, 1, 1]
    sign = label_targets(outcomes, scales, BarrierSpec(vertical="sign", direction="barrier"))
    assert sign["target_barrier"].tolist() == [1, -1, -1, 1]  # no touch, higher close: +1
    assert sign["target_direction"].tolist() == [1, 0, 0, 1] and sign["target_direction_bars"].tolist() == [2, 1, 1, 5]
    with pytest.raises(ValueError, match="needs vertical: sign"):
        BarrierSpec(direction="barrier")


def test_no_barrier_reads_a_candle_after_its_labels_time(two_symbols):
    """A label at t reads candles t+1..t+h only (and the 50 before t for its scale): rewriting
    every candle after t+h changes no label of t."""
    candles = two_symbols[two_symbols["symbol"] == "AAA-USDT"].reset_index(drop=True)
    before = forward_outcomes(candles, H)
    t = 200
    changed = candles.copy()
    later = changed.index > t + H
    changed.loc[later, ["open", "high", "low", "close"]] *= 3.0
    after = forward_outcomes(changed, H)
    for column in ("touch", "touch_bars"):
        assert after[column].iloc[: t + 1].equals(before[column].iloc[: t + 1])
    # and a candle inside the window does change it, where it touches
    assert (forward_outcomes(candles.assign(high=np.where(candles.index == t + 1, 1e9, candles["high"])), H)["touch"].iloc[t]) == 1
