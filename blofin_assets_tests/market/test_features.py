import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blofin_assets.market.features import FEATURE_COLUMNS, MODEL_FEATURES, WARMUP_CANDLES, compute_features


def random_candles(seed: int, n: int, symbol: str = "AAA-USDT", start: str = "2024-01-01") -> pd.DataFrame:
    """A random walk with random wicks and volumes: any series the features must handle."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.standard_t(3, n) * 0.01))
    open_ = np.concatenate([[100.0], close[:-1]])
    high = np.maximum(open_, close) * (1 + rng.exponential(0.003, n))
    low = np.minimum(open_, close) * (1 - rng.exponential(0.003, n))
    return pd.DataFrame(
        {
            "symbol": symbol,
            "timestamp": pd.date_range(start, periods=n, freq="1h", tz="UTC"),
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": rng.lognormal(3, 1, n),
        }
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(WARMUP_CANDLES + 5, 400), extra=st.integers(1, 60))
def test_appending_future_candles_never_changes_an_earlier_feature(seed, n, extra):
    full = random_candles(seed, n + extra)
    before = compute_features(full.iloc[:n])
    after = compute_features(full)
    after = after[after["timestamp"] <= before["timestamp"].max()]
    pd.testing.assert_frame_equal(before.reset_index(drop=True), after.reset_index(drop=True), check_exact=True)


def test_a_symbols_features_never_see_another_symbols_rows():
    a = random_candles(1, 300, "AAA-USDT")
    b = random_candles(2, 300, "BBB-USDT")
    alone = compute_features(b)
    # Interleave the rows and make A's prices wildly different: B's features must not move.
    a_wild = a.assign(**{c: a[c] * 1000 for c in ("open", "high", "low", "close")})
    mixed = pd.concat([a_wild, b]).sort_values("timestamp", kind="stable")
    together = compute_features(mixed)
    pd.testing.assert_frame_equal(
        together[together["symbol"] == "BBB-USDT"].reset_index(drop=True), alone, check_exact=True
    )


def test_warmup_rows_are_dropped_not_filled():
    frame = compute_features(random_candles(3, 250))
    assert len(frame) == 250 - WARMUP_CANDLES
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=WARMUP_CANDLES)
    assert list(frame.columns) == ["symbol", "timestamp", *FEATURE_COLUMNS]
    assert frame[list(FEATURE_COLUMNS)].notna().all().all()


def test_too_few_candles_give_no_rows_rather_than_partial_windows():
    assert compute_features(random_candles(4, WARMUP_CANDLES)).empty


def test_formulas_on_a_known_series():
    candles = random_candles(5, 300)
    feats = compute_features(candles).set_index("timestamp")
    c = candles.set_index("timestamp")
    t = feats.index[50]
    window = c.loc[:t].tail(21)
    r = np.log(window["close"]).diff().dropna()
    assert feats.loc[t, "returns"] == pytest.approx(r.iloc[-1])
    assert feats.loc[t, "volatility_std"] == pytest.approx(r.std(ddof=1))
    assert feats.loc[t, "sharpe"] == pytest.approx(r.mean() / r.std(ddof=1))
    last20 = c.loc[:t].tail(20)
    park = np.sqrt((np.log(last20["high"] / last20["low"]) ** 2).mean() / (4 * np.log(2)))
    assert feats.loc[t, "parkinson_vol"] == pytest.approx(park)
    assert feats.loc[t, "drawdown"] == pytest.approx(c.loc[t, "close"] / c.loc[:t].tail(50)["close"].max() - 1)
    assert feats.loc[t, "momentum_roc"] == pytest.approx(c.loc[t, "close"] / c.loc[:t]["close"].iloc[-11] - 1)
    last14 = c.loc[:t].tail(14)
    k = 100 * (c.loc[t, "close"] - last14["low"].min()) / (last14["high"].max() - last14["low"].min())
    assert feats.loc[t, "stoch_k"] == pytest.approx(k)
    assert feats.loc[t, "volume_ratio"] == pytest.approx(c.loc[t, "volume"] / last20["volume"].mean())


def test_bounded_features_stay_in_their_ranges():
    feats = compute_features(random_candles(6, 2000))
    for column in ("rsi_14", "stoch_k", "stoch_d", "adx"):
        assert feats[column].between(0, 100).all(), column
    assert (feats["drawdown"] <= 0).all()
    assert (feats[["atr", "volatility_std", "parkinson_vol"]] >= 0).all().all()


def test_rsi_is_100_when_prices_only_rise():
    candles = random_candles(7, 200)
    candles["close"] = np.linspace(100, 200, 200)
    candles["open"] = candles["close"].shift(1).fillna(100.0)
    candles["high"] = candles["close"] + 0.1
    candles["low"] = candles["open"] - 0.1
    assert (compute_features(candles)["rsi_14"] == 100).all()


def test_model_features_exclude_price_and_volume_levels():
    assert "close" not in MODEL_FEATURES and "volume_sma" not in MODEL_FEATURES
    assert set(MODEL_FEATURES) < set(FEATURE_COLUMNS)


def test_every_indicator_talib_has_equals_talib_after_the_warm_up():
    import talib

    candles = random_candles(11, 600)
    features = compute_features(candles)
    o, h, l, c, v = (candles[k].to_numpy() for k in ("open", "high", "low", "close", "volume"))
    rows = features.index + WARMUP_CANDLES  # feature row i is candle WARMUP_CANDLES + i
    macd, signal, hist = talib.MACD(c, 12, 26, 9)
    fastk, fastd = talib.STOCHF(h, l, c, 14, 3, talib.MA_Type.SMA)
    expected = {
        "rsi_14": talib.RSI(c, 14),
        "macd": macd / c,
        "macd_signal": signal / c,  # the EMA9 of the MACD line, then divided by close
        "macd_hist": hist / c,
        "volume_sma": talib.SMA(v, 20),
        "atr": talib.ATR(h, l, c, 14) / c,
        "adx": talib.ADX(h, l, c, 14),
        "momentum_roc": talib.ROC(c, 10) / 100,
        "stoch_k": fastk,
        "stoch_d": fastd,
        "volatility_std": talib.STDDEV(np.log(c[1:] / c[:-1]), 20, 1) * np.sqrt(20 / 19),  # sample std
    }
    assert len(features) == len(candles) - WARMUP_CANDLES
    for column, values in expected.items():
        values = values[rows - 1] if column == "volatility_std" else values[rows]
        np.testing.assert_allclose(features[column], values, rtol=1e-9, atol=1e-12, err_msg=column)


def test_a_series_without_volume_keeps_every_row_with_a_neutral_volume_ratio():
    candles = random_candles(5, 300).assign(volume=0.0)
    features = compute_features(candles)
    assert len(features) == 300 - WARMUP_CANDLES
    assert (features["volume_ratio"] == 1.0).all() and (features["volume_sma"] == 0.0).all()


def test_a_flat_stretch_keeps_every_row_with_neutral_features():
    candles = random_candles(6, 400)
    flat = slice(200, 260)  # 60 candles that never move, as a closed or illiquid market prints
    price = candles["close"].iloc[199]
    candles.loc[candles.index[flat], ["open", "high", "low", "close"]] = price
    candles.loc[candles.index[flat], "volume"] = 0.0
    features = compute_features(candles)
    assert len(features) == 400 - WARMUP_CANDLES and not features.isna().any().any()
    inside = features.iloc[259 - WARMUP_CANDLES]  # 60 flat candles: every window of 20 is flat
    assert inside["sharpe"] == 0.0 and inside["stoch_k"] == 50.0 and inside["volatility_std"] == 0.0
    assert inside["volume_ratio"] == 1.0 and inside["returns"] == 0.0


def test_a_series_that_never_moves_has_a_neutral_rsi():
    candles = random_candles(7, 200).assign(open=50.0, high=50.0, low=50.0, close=50.0)
    features = compute_features(candles)
    assert len(features) == 100 and (features["rsi_14"] == 50.0).all() and (features["adx"] == 0.0).all()
