import pytest

from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.sources import CsvFolderSource
from blofin_assets.market.synthetic import SyntheticMarket


@pytest.fixture
def folder(tmp_path):
    write_candle_csv(SyntheticMarket(symbols=("BTC-USDT", "ETH-USDT"), candles_per_symbol=50).generate(), tmp_path)
    return tmp_path


def test_every_file_is_offered_and_loads(folder):
    source = CsvFolderSource(folder)
    assert source.offered_symbols() == ["BTC-USDT", "ETH-USDT"]
    assert set(source.load(["ETH-USDT"])["symbol"]) == {"ETH-USDT"}
    assert source.load([]).groupby("symbol").size().to_dict() == {"BTC-USDT": 50, "ETH-USDT": 50}
    assert source.describe() == f"CSV files in {folder}"


def test_configured_symbols_narrow_the_offer_and_must_have_a_file(folder):
    assert CsvFolderSource(folder, ("ETH-USDT",)).offered_symbols() == ["ETH-USDT"]
    with pytest.raises(CandleDataError, match=r"unknown symbol\(s\) \['DOGE-USDT'\]; available: \['BTC-USDT', 'ETH-USDT'\]"):
        CsvFolderSource(folder, ("DOGE-USDT",)).offered_symbols()


def test_folder_errors(tmp_path, folder):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CandleDataError, match="no \\*.csv files"):
        CsvFolderSource(empty).offered_symbols()
    with pytest.raises(CandleDataError, match="not a folder"):
        CsvFolderSource(tmp_path / "nope").load(["BTC-USDT"])
    with pytest.raises(CandleDataError, match=r"unknown symbol\(s\) \['DOGE-USDT'\]"):
        CsvFolderSource(folder).load(["DOGE-USDT"])
