"""Signals for the newest candle of each symbol."""

import pandas as pd
import pytest

from blofin_assets.market.schema import CandleDataError
from blofin_assets.serving.signals import newest_rows


def test_the_newest_row_of_each_symbol_and_only_the_asked_ones():
    stamps = pd.date_range("2024-01-01", periods=3, freq="1h", tz="UTC")
    features = pd.DataFrame({"symbol": ["B", "A", "B", "A", "B", "A"], "timestamp": stamps.repeat(2), "x": range(6)})
    rows = newest_rows(features)
    assert list(rows["symbol"]) == ["A", "B"] and list(rows["x"]) == [5, 4]
    assert list(newest_rows(features, ["B"])["x"]) == [4]
    with pytest.raises(CandleDataError, match=r"unknown symbol\(s\) \['C'\]; available: \['A', 'B'\]"):
        newest_rows(features, ["C"])
