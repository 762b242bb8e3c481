import pandas as pd
import pytest

from blofin_assets.market.csv_files import read_candle_csv, write_candle_csv
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.synthetic import SyntheticMarket


@pytest.fixture
def market():
    return SyntheticMarket(symbols=("BTC-USDT", "ETH-USDT"), candles_per_symbol=50).generate()


def test_csv_round_trip_keeps_every_candle(market, tmp_path):
    paths = write_candle_csv(market, tmp_path)
    back = pd.concat([read_candle_csv(p) for p in paths], ignore_index=True)
    pd.testing.assert_frame_equal(
        back.drop(columns="timestamp"), market.drop(columns="timestamp"), check_dtype=False
    )
    assert (back["timestamp"] == market["timestamp"]).all()


def test_iso_timestamps_and_daily_bars_are_read(tmp_path):
    path = tmp_path / "ETH-USDT.csv"
    path.write_text(
        "timestamp,open,high,low,close,volume\n"
        "2024-01-01T00:00:00Z,10,11,9,10.5,100\n"
        "2024-01-02T00:00:00+00:00,10.5,12,10,11,120\n"
    )
    frame = read_candle_csv(path)
    assert list(frame["symbol"]) == ["ETH-USDT", "ETH-USDT"]
    assert frame["timestamp"].iloc[1] - frame["timestamp"].iloc[0] == pd.Timedelta("1D")


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "the file is empty"),
        ("timestamp,open,high,low,close,volume\n", "header only"),
        ("time,open,high,low,close,volume\n1704067200000,1,1,1,1,1\n", "missing column(s) ['timestamp']"),
        ("timestamp,open,high,low,close,volume\n946684799,1,1,1,1,1\n", "look like seconds since the epoch, but as seconds they run from 1999-12-31"),
        ("timestamp,open,high,low,close,volume\n4102444800000,1,1,1,1,1\n", "look like milliseconds since the epoch, but as milliseconds they run from 2100-01-01"),
        ("timestamp,open,high,low,close,volume\n1704067200000\n1704067200\n", "a mixed or shifted column"),
        ("timestamp,open,high,low,close,volume\n1999-06-01T00:00:00Z,1,1,1,1,1\n", "run from 1999-06-01"),
        ("timestamp,open,high,low,close,volume\n1704067200000,1,abc,1,1,1\n", "row 0: column 'high' has non-numeric value 'abc'"),
        ("timestamp,open,high,low,close,volume\nyesterday,1,1,1,1,1\n", "neither a number since the epoch nor ISO-8601"),
        (
            "timestamp,open,high,low,close,volume\n1704067200000,1,1,1,1,1\n1704067200000,1,1,1,1,1\n",
            "duplicate timestamp",
        ),
    ],
)
def test_bad_files_name_the_file_and_the_rule(tmp_path, content, message):
    path = tmp_path / "BTC-USDT.csv"
    path.write_text(content)
    with pytest.raises(CandleDataError) as err:
        read_candle_csv(path)
    assert str(path) in str(err.value) and message in str(err.value)


@pytest.mark.parametrize("unit, scale", [("s", 1), ("ms", 1_000), ("us", 1_000_000), ("ns", 1_000_000_000)])
def test_the_unit_of_epoch_timestamps_is_detected_and_recorded(tmp_path, unit, scale):
    path = tmp_path / "EUR-USD.csv"
    first = 1_704_067_200  # 2024-01-01 00:00 UTC, in seconds
    rows = [f"{(first + 3600 * i) * scale},1.1,1.2,1.0,1.1,0" for i in range(3)]
    path.write_text("timestamp,open,high,low,close,volume\n" + "\n".join(rows) + "\n")
    frame = read_candle_csv(path)
    assert list(frame["timestamp"]) == list(pd.date_range("2024-01-01", periods=3, freq="1h", tz="UTC"))
    assert frame.attrs["timestamps"] == {"EUR-USD": f"epoch {unit}"}


def test_iso_text_with_a_zone_offset_is_converted_to_utc(tmp_path):
    path = tmp_path / "AAPL.csv"
    path.write_text("timestamp,open,high,low,close,volume\n2024-01-02T09:30:00-05:00,1,2,1,2,5\n2024-01-03T09:30:00-05:00,2,3,2,3,5\n")
    frame = read_candle_csv(path)
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2024-01-02 14:30", tz="UTC")
    assert frame.attrs["timestamps"] == {"AAPL": "ISO-8601"}


def test_volume_left_out_or_empty_is_read_as_zero_and_recorded(tmp_path):
    without = tmp_path / "EUR-USD.csv"
    without.write_text("timestamp,open,high,low,close\n1704067200000,1.1,1.2,1.0,1.1\n1704070800000,1.1,1.2,1.0,1.1\n")
    frame = read_candle_csv(without)
    assert list(frame["volume"]) == [0.0, 0.0] and frame.attrs["volume_filled"] == {"EUR-USD": 2}
    empty = tmp_path / "GBP-USD.csv"
    empty.write_text("timestamp,open,high,low,close,volume\n1704067200000,1.1,1.2,1.0,1.1,\n1704070800000,1.1,1.2,1.0,1.1,5\n")
    frame = read_candle_csv(empty)
    assert list(frame["volume"]) == [0.0, 5.0] and frame.attrs["volume_filled"] == {"GBP-USD": 1}
