import numpy as np
import pytest
import pandas as pd

from blofin_assets.market.schema import validate_candles
from blofin_assets.market.synthetic import DEFAULT_SYMBOLS, SyntheticMarket


def test_same_parameters_give_the_same_candles():
    a = SyntheticMarket(candles_per_symbol=500).generate()
    b = SyntheticMarket(candles_per_symbol=500).generate()
    pd.testing.assert_frame_equal(a, b)
    c = SyntheticMarket(candles_per_symbol=500, seed=8).generate()
    assert not np.allclose(a["close"], c["close"])


def test_default_market_has_three_symbols_of_hourly_candles_that_pass_the_schema():
    frame = validate_candles(SyntheticMarket().generate())
    assert tuple(frame["symbol"].unique()) == DEFAULT_SYMBOLS
    assert (frame.groupby("symbol").size() == 3000).all()
    assert (frame.groupby("symbol")["timestamp"].diff().dropna() == pd.Timedelta("1h")).all()


def test_candles_have_the_structure_of_real_markets():
    frame = SyntheticMarket(symbols=("BTC-USDT",), candles_per_symbol=20_000).generate()
    r = np.log(frame["close"]).diff().dropna()
    # Fat tails: excess kurtosis far above a normal distribution's 0.
    assert r.kurt() > 3
    # Volatility clustering: |r| is autocorrelated while r itself nearly is not.
    assert r.abs().autocorr(1) > 0.1
    assert abs(r.autocorr(1)) < 0.1
    # Regime changes: rolling volatility moves between clearly different levels.
    vol = r.rolling(200).std().dropna()
    assert vol.quantile(0.9) > 1.8 * vol.quantile(0.1)
    # Volume rises with the size of the move.
    assert np.corrcoef(frame["volume"].iloc[1:], r.abs())[0, 1] > 0.2


def test_ohlc_is_consistent_and_prices_positive():
    frame = SyntheticMarket(candles_per_symbol=5000).generate()
    assert (frame["low"] <= frame[["open", "close"]].min(axis=1)).all()
    assert (frame["high"] >= frame[["open", "close"]].max(axis=1)).all()
    assert (frame[["open", "high", "low", "close", "volume"]] > 0).all().all()


def test_bar_size_and_unknown_symbols_are_supported():
    frame = SyntheticMarket(symbols=("DOGE-USDT",), candles_per_symbol=100, bar="15min").generate()
    validate_candles(frame)
    assert frame["timestamp"].diff().dropna().eq(pd.Timedelta("15min")).all()


def test_more_candles_append_and_never_change_earlier_ones():
    short = SyntheticMarket(candles_per_symbol=800).generate()
    longer = SyntheticMarket(candles_per_symbol=1200).generate()
    pd.testing.assert_frame_equal(longer.groupby("symbol").head(800).reset_index(drop=True), short)


def test_a_regime_shift_raises_volatility_from_its_date_only():
    plain = SyntheticMarket(symbols=("ETH-USDT",), candles_per_symbol=2000).generate()
    shifted = SyntheticMarket(symbols=("ETH-USDT",), candles_per_symbol=2000, shift_at="2024-02-01").generate()
    before = plain["timestamp"] < pd.Timestamp("2024-02-01", tz="UTC")
    pd.testing.assert_frame_equal(plain[before], shifted[before])
    r_plain = np.log(plain.loc[~before, "close"]).diff().std()
    r_shift = np.log(shifted.loc[~before, "close"]).diff().std()
    assert 2.0 < r_shift / r_plain < 4.0


def test_with_an_end_the_last_bars_closed_by_it_are_served_the_same_whatever_the_end():
    at_noon = SyntheticMarket(candles_per_symbol=300, end="2024-03-05T12:00Z").generate()
    later = SyntheticMarket(candles_per_symbol=300, end="2024-03-05T14:59:59Z").generate()
    # a bar opened at t closes at t + 1h: at 12:00 the 11:00 bar has just closed, at 14:59 the 14:00 bar is open
    assert (at_noon.groupby("symbol")["timestamp"].max() == pd.Timestamp("2024-03-05T11:00Z")).all()
    assert (later.groupby("symbol")["timestamp"].max() == pd.Timestamp("2024-03-05T13:00Z")).all()
    assert (later.groupby("symbol").size() == 300).all()
    # each new bar appends one candle and leaves the bars both hold unchanged
    both = at_noon.merge(later, on=["symbol", "timestamp"], suffixes=("_noon", "_later"))
    assert len(both) == 3 * 298
    for column in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(both[f"{column}_noon"], both[f"{column}_later"])
    # the fixed series (no end) is the same series: its 300th bar is the one closed at 2024-01-13 12:00
    fixed = SyntheticMarket(candles_per_symbol=300).generate()
    pd.testing.assert_frame_equal(SyntheticMarket(candles_per_symbol=300, end="2024-01-13T12:00Z").generate(), fixed)


def test_an_end_too_early_for_the_candles_asked_or_too_far_to_generate_is_refused_clearly():
    with pytest.raises(ValueError, match="would begin before its start"):
        SyntheticMarket(candles_per_symbol=300, end="2024-01-05T00:00Z").generate()
    with pytest.raises(ValueError, match="more than the 1,200,000 it generates"):
        SyntheticMarket(candles_per_symbol=300, bar="1min", end="2030-01-01").generate()


def test_planted_momentum_is_autocorrelation_that_turns_into_mean_reversion_at_the_shift():
    market = SyntheticMarket(symbols=("BTC-USDT",), candles_per_symbol=8000, regime_changes=False, planted_momentum=0.5, shift_at="2024-06-01")
    frame = market.generate()
    r = np.log(frame["close"]).diff()
    before = frame["timestamp"] < pd.Timestamp("2024-06-01", tz="UTC")
    assert 0.35 < r[before].autocorr(1) < 0.65
    assert -0.65 < r[~before].autocorr(1) < -0.35
    plain = SyntheticMarket(symbols=("BTC-USDT",), candles_per_symbol=8000, regime_changes=False).generate()
    assert abs(np.log(plain["close"]).diff().autocorr(1)) < 0.05
