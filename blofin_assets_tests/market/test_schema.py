import numpy as np
import pandas as pd
import pytest

from blofin_assets.market.schema import CandleDataError, bar_label, infer_bar, validate_candles


def candles(n=5, symbol="BTC-USDT", start="2024-01-01", freq="1h"):
    close = np.linspace(100.0, 104.0, n)
    return pd.DataFrame(
        {
            "symbol": symbol,
            "timestamp": pd.date_range(start, periods=n, freq=freq, tz="UTC"),
            "open": close - 0.5,
            "high": close + 1.0,
            "low": close - 1.0,
            "close": close,
            "volume": np.full(n, 10.0),
        }
    )


def test_valid_candles_come_back_sorted_by_symbol_then_time():
    frame = pd.concat([candles(symbol="SOL-USDT"), candles(symbol="BTC-USDT")], ignore_index=True)
    out = validate_candles(frame)
    assert list(out["symbol"].unique()) == ["BTC-USDT", "SOL-USDT"]
    assert out.groupby("symbol")["timestamp"].apply(lambda s: s.is_monotonic_increasing).all()


def _break(column, row, value):
    frame = candles()
    frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize(
    "frame, rule",
    [
        (candles().drop(columns=["volume"]), "missing column"),
        (candles().iloc[0:0], "no candles"),
        (_break("close", 2, np.nan), "NaN or infinite"),
        (_break("high", 1, np.inf), "NaN or infinite"),
        (_break("low", 3, -1.0), "price <= 0"),
        (_break("high", 2, 90.0), "high < low"),
        (_break("open", 2, 200.0), "outside [low, high]"),
        (_break("volume", 4, -5.0), "negative volume"),
        (_break("timestamp", 3, pd.Timestamp("2024-01-01 02:00", tz="UTC")), "duplicate timestamp"),
        (_break("timestamp", 3, pd.Timestamp("2024-01-01 00:30", tz="UTC")), "out of order"),
    ],
)
def test_bad_candles_are_refused_with_the_rule_and_row(frame, rule):
    with pytest.raises(CandleDataError, match="candles") as err:
        validate_candles(frame, source="candles")
    assert rule in str(err.value)


def test_error_names_symbol_row_and_time():
    with pytest.raises(CandleDataError) as err:
        validate_candles(_break("volume", 4, -5.0), source="my.csv")
    message = str(err.value)
    assert "my.csv" in message and "BTC-USDT" in message and "row 4" in message and "2024-01-01 04:00" in message


def test_naive_timestamps_are_refused():
    frame = candles()
    frame["timestamp"] = frame["timestamp"].dt.tz_localize(None)
    with pytest.raises(CandleDataError, match="tz-aware"):
        validate_candles(frame)


@pytest.mark.parametrize("freq", ["1min", "15min", "4h", "1D"])
def test_bar_size_is_inferred(freq):
    assert infer_bar(candles(n=20, freq=freq)["timestamp"]) == pd.Timedelta(freq)


@pytest.mark.parametrize("bar, label", [("1min", "1m"), ("15min", "15m"), ("90min", "90m"), ("4h", "4h"), ("1D", "1d"), ("7D", "1w"), ("30s", "30s")])
def test_bar_sizes_read_as_traders_write_them(bar, label):
    assert bar_label(pd.Timedelta(bar)) == label
