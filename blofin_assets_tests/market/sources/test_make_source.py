"""make_source picks the source the settings describe."""

from pathlib import Path

import pytest

from blofin_assets.market.sources import CsvFolderSource, ExchangeSource, SyntheticSource, make_source
from blofin_assets.market.synthetic import SyntheticMarket


def test_nothing_configured_is_the_synthetic_market_and_symbols_narrow_it():
    source = make_source()
    assert isinstance(source, SyntheticSource) and source.offered_symbols() == ["BTC-USDT", "ETH-USDT", "SOL-USDT"]
    narrowed = make_source(symbols=["XRP-USDT"], market=SyntheticMarket(candles_per_symbol=30))
    assert narrowed.offered_symbols() == ["XRP-USDT"]
    assert narrowed.load(["XRP-USDT"]).shape[0] == 30


def test_a_folder_is_read_as_csv_files_and_an_exchange_keeps_its_candles_there(tmp_path):
    assert make_source(tmp_path, ["BTC-USDT"]) == CsvFolderSource(tmp_path, ("BTC-USDT",))
    exchange = make_source(tmp_path, exchange="blofin", timeframe="15m")
    assert isinstance(exchange, ExchangeSource) and exchange.folder == Path(tmp_path)
    assert exchange.offered_symbols() == ["BTC-USDT", "ETH-USDT", "SOL-USDT"] and exchange.timeframe == "15m"
    with pytest.raises(ValueError, match="needs a folder"):
        make_source(exchange="blofin")
