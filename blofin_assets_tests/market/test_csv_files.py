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
        ("timestamp,open,high,low,close,volume\n1704067200,1,1,1,1,1\n", "look like seconds"),
        ("timestamp,open,high,low,close,volume\n1704067200000,1,abc,1,1,1\n", "row 0: column 'high' has non-numeric value 'abc'"),
        ("timestamp,open,high,low,close,volume\nyesterday,1,1,1,1,1\n", "neither milliseconds nor ISO-8601"),
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
