import pytest

from blofin_assets.market.csv_source import write_candle_csv
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.resources import CandleSource, ModelStoreResource, ResultsDatabase


def test_default_source_is_the_embedded_synthetic_market():
    source = CandleSource(candles_per_symbol=200)
    assert source.offered_symbols() == ["BTC-USDT", "ETH-USDT", "SOL-USDT"]
    frame = source.load(["ETH-USDT", "SOL-USDT"])
    assert set(frame["symbol"]) == {"ETH-USDT", "SOL-USDT"}
    assert "synthetic" in source.describe()


def test_blofin_candles_dir_switches_the_source_to_csv(tmp_path, monkeypatch):
    market = SyntheticMarket(symbols=("XRP-USDT",), candles_per_symbol=30, bar="1D").generate()
    write_candle_csv(market, tmp_path / "csv")
    monkeypatch.setenv("BLOFIN_CANDLES_DIR", str(tmp_path / "csv"))
    source = CandleSource()
    assert source.offered_symbols() == ["XRP-USDT"]
    assert list(source.load(["XRP-USDT"])["symbol"].unique()) == ["XRP-USDT"]
    assert "CSV files" in source.describe()


def test_a_bad_candles_dir_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BLOFIN_CANDLES_DIR", str(tmp_path / "missing"))
    with pytest.raises(CandleDataError, match="not a folder"):
        CandleSource().offered_symbols()
    with pytest.raises(CandleDataError, match="not a folder"):
        CandleSource().load(["BTC-USDT"])


def test_models_dir_and_db_url_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BLOFIN_MODELS_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("BLOFIN_DB_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert ModelStoreResource().get().root == tmp_path / "elsewhere"
    db = ResultsDatabase().get()
    assert db.url.endswith("x.db") and (tmp_path / "x.db").exists()
    db.dispose()
    assert ModelStoreResource(models_dir="/srv/m").get().root.as_posix() == "/srv/m"
