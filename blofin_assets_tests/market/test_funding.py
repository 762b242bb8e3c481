"""Funding rates: read from CSV and refused when bad, synthetic when the market is, rate 0
assumed (and said) when a symbol has none."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.market.funding import ASSUMED, MAX_ABS_RATE, read_funding_csv, synthetic_funding, write_funding_csv
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.sources import CsvFolderSource, SyntheticSource
from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets.market.synthetic import SyntheticMarket


@pytest.fixture(scope="module")
def candles():
    return SyntheticMarket(symbols=("BTC-USDT", "SOL-USDT"), candles_per_symbol=500).generate()


def test_the_synthetic_market_settles_every_8_hours_at_plausible_rates(candles):
    funding = SyntheticSource(SyntheticMarket(symbols=("BTC-USDT", "SOL-USDT"))).load_funding(candles)
    for symbol, rows in funding.groupby("symbol"):
        times = pd.DatetimeIndex(rows["timestamp"])
        assert (times.hour % 8 == 0).all() and (times.minute == 0).all()
        assert (times[1:] - times[:-1] == pd.Timedelta("8h")).all()
        first, last = candles.loc[candles["symbol"] == symbol, "timestamp"].agg(["min", "max"])
        assert first <= times[0] < first + pd.Timedelta("8h") and last + pd.Timedelta("1h") - pd.Timedelta("8h") < times[-1]
        rates = rows["rate"].to_numpy()
        # around the resting 0.01% per settlement, varying, within exchanges' caps
        assert 0.00002 < rates.mean() < 0.0003 and rates.std() > 1e-5 and np.abs(rates).max() <= 0.00375
    assert (funding["source"] == "synthetic").all()
    again = synthetic_funding("BTC-USDT", candles[candles["symbol"] == "BTC-USDT"], seed=3)
    assert again.equals(funding[funding["symbol"] == "BTC-USDT"].reset_index(drop=True))


def test_csv_funding_beside_the_candles_is_read_and_a_symbol_without_is_rate_0_said(candles, tmp_path):
    write_candle_csv(candles, tmp_path)
    btc = candles[candles["symbol"] == "BTC-USDT"]
    rows = synthetic_funding("BTC-USDT", btc, seed=1)
    write_funding_csv(rows, tmp_path)
    source = CsvFolderSource(tmp_path)
    assert source.offered_symbols() == ["BTC-USDT", "SOL-USDT"]  # the funding file is no symbol
    funding = source.load_funding(candles)
    read = funding[funding["symbol"] == "BTC-USDT"]
    assert read["rate"].to_numpy() == pytest.approx(rows["rate"].to_numpy())
    assert (read["timestamp"].to_numpy() == rows["timestamp"].to_numpy()).all()
    assert set(read["source"]) == {"CSV BTC-USDT.funding.csv"}
    sol = funding[funding["symbol"] == "SOL-USDT"]
    assert len(sol) > 0 and (sol["rate"] == 0).all() and set(sol["source"]) == {ASSUMED}


@pytest.mark.parametrize(
    "text, message",
    [
        ("timestamp,rate\n1704067200000,0.0001\n1704096000000,abc\n", "row 1: rate 'abc' is not a number"),
        ("timestamp,rate\n1704067200000,0.0001\n1704096000000,\n", "row 1: rate empty is not a number"),
        ("timestamp,rate\n1704067200000,0.0001\n1704096000000,2.5\n", f"row 1 (timestamp 2024-01-01 08:00:00+00:00, rate 2.5): |rate| above {MAX_ABS_RATE:g}"),
        ("timestamp,rate\n1704067200000,0.0001\n1704067200000,0.0002\n", "row 1 (timestamp 2024-01-01 00:00:00+00:00, rate 0.0002): a settlement time appears twice"),
        ("timestamp,fee\n1704067200000,0.0001\n", "missing column(s) ['rate']"),
        ("timestamp,rate\n", "header only"),
        ("timestamp,rate\nyesterday,0.0001\n", "row 0: timestamp 'yesterday'"),
    ],
)
def test_bad_funding_is_refused_naming_file_row_and_rule(tmp_path, text, message):
    path = tmp_path / "BTC-USDT.funding.csv"
    path.write_text(text)
    with pytest.raises(CandleDataError) as refused:
        read_funding_csv(path, "BTC-USDT")
    assert str(path) in str(refused.value) and message in str(refused.value)
