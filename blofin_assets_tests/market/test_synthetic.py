import numpy as np
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
