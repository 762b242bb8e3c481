import pandas as pd
import pytest

from blofin_assets.defs.resources import CandleSourceResource, ModelStoreResource, ResultsDatabase
from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.sources import CsvFolderSource, ExchangeSource, SyntheticSource
from blofin_assets.market.synthetic import SyntheticMarket


def test_default_source_is_the_embedded_synthetic_market():
    source = CandleSourceResource(candles_per_symbol=200).source()
    assert isinstance(source, SyntheticSource) and source.market.candles_per_symbol == 200
    assert source.offered_symbols() == ["BTC-USDT", "ETH-USDT", "SOL-USDT"]
    frame = source.load(["ETH-USDT", "SOL-USDT"])
    assert set(frame["symbol"]) == {"ETH-USDT", "SOL-USDT"}
    assert "synthetic" in source.describe()


def test_blofin_candles_dir_switches_the_source_to_csv(tmp_path, monkeypatch):
    market = SyntheticMarket(symbols=("XRP-USDT",), candles_per_symbol=30, bar="1D").generate()
    write_candle_csv(market, tmp_path / "csv")
    monkeypatch.setenv("BLOFIN_CANDLES_DIR", str(tmp_path / "csv"))
    source = CandleSourceResource().source()
    assert isinstance(source, CsvFolderSource)
    assert source.offered_symbols() == ["XRP-USDT"]
    assert list(source.load(["XRP-USDT"])["symbol"].unique()) == ["XRP-USDT"]
    assert "CSV files" in source.describe()


def test_an_exchange_keeps_its_candles_in_the_configured_folder(tmp_path):
    source = CandleSourceResource(exchange="blofin", candles_dir=str(tmp_path), symbols=["BTC-USDT"]).source()
    assert isinstance(source, ExchangeSource) and source.folder == tmp_path and source.offered_symbols() == ["BTC-USDT"]


def test_the_run_configs_source_is_read_from_its_resources_section():
    config = {"resources": {"candle_source": {"config": {"symbols": ["ETH-USDT"], "seed": 9}}}}
    assert CandleSourceResource.from_run_config(config) == CandleSourceResource(symbols=["ETH-USDT"], seed=9)
    assert CandleSourceResource.from_run_config(None) == CandleSourceResource()


def test_a_bad_candles_dir_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BLOFIN_CANDLES_DIR", str(tmp_path / "missing"))
    with pytest.raises(CandleDataError, match="not a folder"):
        CandleSourceResource().source().offered_symbols()
    with pytest.raises(CandleDataError, match="not a folder"):
        CandleSourceResource().source().load(["BTC-USDT"])


def test_models_dir_and_db_url_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BLOFIN_MODELS_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("BLOFIN_DB_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert ModelStoreResource().get().root == tmp_path / "elsewhere"
    db = ResultsDatabase().get()
    assert db.url.endswith("x.db") and (tmp_path / "x.db").exists()
    db.dispose()
    assert ModelStoreResource(models_dir="/srv/m").get().root.as_posix() == "/srv/m"


def test_a_database_password_in_run_config_is_refused_and_never_shown(isolated_env):
    """Run config is stored with the run and shown by the UI: a URL with a password there fails
    the run before any step, naming the environment variable to use, the password masked."""
    import dagster as dg

    from blofin_assets.definitions import defs
    from blofin_assets_tests.conftest import materialize_every_symbol, project_resources

    with pytest.raises(ValueError, match="BLOFIN_DB_URL") as err:
        ResultsDatabase(url="postgresql+psycopg://user:s3cret@127.0.0.1:5432/blofin")
    assert "s3cret" not in str(err.value) and "user:***@" in str(err.value)
    assert ResultsDatabase(url="postgresql+psycopg://user@127.0.0.1:5432/blofin").url  # no password: fine
    run_config = {
        "resources": {"candle_source": {"config": {"candles_per_symbol": 500, "symbols": ["BTC-USDT"]}},
                      "results_db": {"config": {"url": "postgresql+psycopg://user:s3cret@127.0.0.1:5432/blofin"}}},
    }
    resources = {k: v for k, v in project_resources(isolated_env).items() if k != "results_db"}
    with dg.instance_for_test() as instance:
        result = materialize_every_symbol(
            instance, run_config, resources={**resources, "results_db": ResultsDatabase.configure_at_launch()},
            selection=["candles", "features", "targets", "training_table", "tuning"], raise_on_error=False,
        )
        # the first step that uses the database fails on it, before its work, saying why
        assert not result.success and not instance.get_latest_materialization_event(dg.AssetKey("tuning"))
        said = " ".join(str(e.event_specific_data) + (e.message or "") for e in result.all_events)
        assert "BLOFIN_DB_URL" in said and "s3cret" not in said


def test_by_default_the_embedded_market_ends_at_the_last_bar_closed_before_the_clock(monkeypatch):
    monkeypatch.delenv("BLOFIN_SYNTHETIC_END")
    before = pd.Timestamp.now(tz="UTC")
    source = CandleSourceResource(candles_per_symbol=200).source()
    newest = source.load(["BTC-USDT"])["timestamp"].max()
    after = pd.Timestamp.now(tz="UTC")
    # the bar opened an hour before the current hour began has closed; the current one has not
    assert before.floor("h") - pd.Timedelta(hours=1) <= newest <= after.floor("h") - pd.Timedelta(hours=1)
    assert "the last closed by" in source.describe()


@pytest.mark.parametrize(("setting", "newest"), [("fixed", "2024-01-09T07:00Z"), ("2025-06-01T10:30Z", "2025-06-01T09:00Z")])
def test_the_end_is_fixed_or_a_time_from_run_config_or_the_environment(monkeypatch, setting, newest):
    configured = CandleSourceResource(candles_per_symbol=200, end=setting).source().load(["ETH-USDT"])
    monkeypatch.setenv("BLOFIN_SYNTHETIC_END", setting)
    from_environment = CandleSourceResource(candles_per_symbol=200).source().load(["ETH-USDT"])
    assert configured["timestamp"].max() == from_environment["timestamp"].max() == pd.Timestamp(newest)


def test_an_end_that_is_not_a_time_is_refused_naming_where_it_was_set(monkeypatch):
    with pytest.raises(ValueError, match="candle_source's end must be now, fixed or a time"):
        CandleSourceResource(end="yesterday")
    monkeypatch.setenv("BLOFIN_SYNTHETIC_END", "soon")
    with pytest.raises(ValueError, match="BLOFIN_SYNTHETIC_END must be now, fixed or a time"):
        CandleSourceResource().source()
