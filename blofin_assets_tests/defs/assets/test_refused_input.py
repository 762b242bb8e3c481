"""Bad input gets a clear error and changes nothing. Two tables, each case a whole-graph run
after an earlier good one: candles with one defect (a folder of CSV files), and bad settings,
symbol names, databases and stored files. After each, every file under models/ (the release,
the versions, the ensemble) and the database's row counts must be exactly as they were, and
the current ensemble must still load and give the same signals."""

import hashlib
import os
import pickle

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from blofin_assets.definitions import defs
from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.defs.partitions import all_symbols_tags, sync_symbols
from blofin_assets.defs.resources import ResultsDatabase
from blofin_assets.market.features import compute_features
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.model_store import ModelStore
from blofin_assets_tests.conftest import materialize_every_symbol, project_resources

FAST = {"ops": {"price_predictor": {"config": {"epochs": 5}}, "direction_predictor_validation": {"config": {"folds": 2}}}}


def good_candles():
    return SyntheticMarket(symbols=("BTC-USDT", "ETH-USDT"), candles_per_symbol=600).generate()


def snapshot(models_dir, db_url):
    """Every file and link under models/ with its content hash, and the database row counts."""
    files = {}
    for folder, dirs, names in os.walk(models_dir):
        for name in dirs + names:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                files[os.path.relpath(path, models_dir)] = "-> " + os.readlink(path)
            elif os.path.isfile(path):
                files[os.path.relpath(path, models_dir)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = {t: conn.execute(sa.text(f"select count(*) from {t}")).scalar() for t in ("ml_model_results", "retrain_events")}
    engine.dispose()
    return files, rows


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_candles")
    write_candle_csv(good_candles(), root / "good")
    resources = project_resources(root)
    config = {**FAST, "resources": {"candle_source": {"config": {"candles_dir": str(root / "good")}}}}
    instance = dg.DagsterInstance.ephemeral()  # the instance that knows which run stored what
    assert materialize_every_symbol(instance, config, resources=resources).success
    return root, resources, (snapshot(root / "models", f"sqlite:///{root / 'results.db'}"), stored_candles(root), signals(root)), instance


def signals(root) -> pd.DataFrame:
    """What the current ensemble says on the newest rows (loading checks every file)."""
    ensemble = EnsembleStore(ModelStore(root / "models")).load()
    return ensemble.predict(compute_features(good_candles()).groupby("symbol").tail(20))


def assert_unchanged(root, before) -> None:
    models_and_rows, _, answers = before
    assert snapshot(root / "models", f"sqlite:///{root / 'results.db'}") == models_and_rows
    pd.testing.assert_frame_equal(signals(root), answers)  # still serving, the same


def stored_candles(root) -> dict:
    """Each stored candle partition with its content hash."""
    return stored_files(root / "storage" / "by_symbol" / "candles")


def stored_files(folder) -> dict:
    """Per symbol, the content hashes of its files (<symbol>/<run id>.parquet, one per run
    kept): a run that stores the same content again changes nothing here."""
    hashes: dict[str, set] = {}
    for path in folder.rglob("*.parquet"):
        hashes.setdefault(path.parent.name, set()).add(hashlib.sha256(path.read_bytes()).hexdigest())
    return hashes


def edit(frame_edit=None, text=None, raw=None, symbol="BTC-USDT"):
    """A defect: applied to BTC-USDT's candles (a frame in the ccxt layout), or its CSV text,
    or its raw bytes."""
    return {"frame": frame_edit, "text": text, "raw": raw, "symbol": symbol}


def at(column, row, value):
    def change(frame):
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        return frame

    return change


def swap_high_low(frame):
    frame.loc[12, ["high", "low"]] = frame.loc[12, ["low", "high"]].to_numpy()
    return frame


def duplicate_row(frame):
    return pd.concat([frame.iloc[:30], frame.iloc[[29]], frame.iloc[30:]], ignore_index=True)


def unsorted(frame):
    order = list(range(len(frame)))
    order[40], order[41] = 41, 40
    return frame.iloc[order].reset_index(drop=True)


def rescale_from(row):
    def change(frame):
        frame.loc[row:, ["open", "high", "low", "close"]] *= 1000.0  # quoted in another unit
        return frame

    return change


def minutes_from(row):
    def change(frame):
        frame.loc[row:, "timestamp"] = frame["timestamp"].iloc[row - 1] + 60_000 * (frame.index[row:] - row + 1)
        return frame

    return change


def gap(frame):
    return frame.drop(index=range(200, 210)).reset_index(drop=True)


CASES = {
    "missing column": (edit(lambda f: f.drop(columns=["open"])), ["BTC-USDT.csv", "missing column(s) ['open']"]),
    "misnamed column": (edit(lambda f: f.rename(columns={"close": "close_price"})), ["BTC-USDT.csv", "missing column(s) ['close']"]),
    "non-numeric value": (edit(at("high", 7, "abc")), ["BTC-USDT.csv", "row 7", "column 'high' has non-numeric value 'abc'"]),
    "NaN price": (edit(at("close", 9, np.nan)), ["BTC-USDT.csv", "symbol BTC-USDT, row 9", "NaN or infinite"]),
    "infinite price": (edit(at("open", 11, np.inf)), ["BTC-USDT.csv", "row 11", "NaN or infinite"]),
    "zero price": (edit(at("low", 13, 0.0)), ["BTC-USDT.csv", "row 13", "price <= 0"]),
    "negative price": (edit(at("open", 14, -5.0)), ["BTC-USDT.csv", "row 14", "price <= 0"]),
    "high below low": (edit(swap_high_low), ["BTC-USDT.csv", "row 12", "high < low"]),
    "close above high": (edit(at("close", 15, 1e9)), ["BTC-USDT.csv", "row 15", "open/close outside [low, high]"]),
    "negative volume": (edit(at("volume", 16, -1.0)), ["BTC-USDT.csv", "row 16", "negative volume"]),
    "duplicate timestamp": (edit(duplicate_row), ["BTC-USDT.csv", "row 30", "duplicate timestamp"]),
    "unsorted timestamps": (edit(unsorted), ["BTC-USDT.csv", "row 41", "out of order"]),
    "gap": (edit(gap), ["gap(s) of more than 3 bars of trading time", "symbol BTC-USDT (its market: 24/7)", "10 of 10 missing bars"]),
    "too few rows": (edit(lambda f: f.head(150)), ["too few candles", "BTC-USDT has 150", "at least 400"]),
    "absurd price": (edit(lambda f: f.assign(**{c: f[c] * 1e300 for c in ("open", "high", "low", "close")})), ["BTC-USDT.csv", "row 0", "price outside [1e-12, 1e+12]"]),
    "price in another unit": (edit(rescale_from(300)), ["BTC-USDT.csv", "row 300", "close moves by more than 100x"]),
    "mixed bar sizes": (edit(minutes_from(300)), ["BTC-USDT.csv", "row 300", "bar sizes mixed in one series"]),
    "empty file": (edit(text=""), ["BTC-USDT.csv", "the file is empty"]),
    "unreadable file": (edit(raw=b"\xff\xfe\x00\x81garbage\x00\x9f"), ["BTC-USDT.csv", "unreadable CSV"]),
    "dates before 2000": (
        edit(lambda f: f.assign(timestamp=f["timestamp"] - 30 * 365 * 86_400_000)),
        ["BTC-USDT.csv", "look like milliseconds since the epoch, but as milliseconds they run from 1994"],
    ),
    "unknown symbol": (edit(symbol="DOGE-USDT"), ["partition(s) ['DOGE-USDT'] not offered", "offered: ['BTC-USDT', 'ETH-USDT']"]),
}


def messages(result) -> str:
    failures = []
    for event in result.all_events:
        error = event.event_specific_data.error if event.is_step_failure else None
        while error is not None:  # Dagster wraps the exception the step raised
            failures.append(error.message)
            error = error.cause
    checks = [e.description or "" for e in result.get_asset_check_evaluations() if not e.passed]
    return "\n".join(failures + checks)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_candles_are_refused_clearly_and_change_nothing(case, trained, tmp_path):
    root, resources, before, _ = trained
    defect, expected = CASES[case]
    folder = tmp_path / "csv"
    write_candle_csv(good_candles(), folder)
    path = folder / "BTC-USDT.csv"
    if defect["frame"] is not None:
        defect["frame"](pd.read_csv(path)).to_csv(path, index=False)
    elif defect["text"] is not None:
        path.write_text(defect["text"])
    elif defect["raw"] is not None:
        path.write_bytes(defect["raw"])
    config = {**FAST, "resources": {"candle_source": {"config": {"candles_dir": str(folder)}}}}
    instance = dg.DagsterInstance.ephemeral()
    # A partition for a symbol the folder lacks, as a stale or hand-added one would be.
    sync_symbols(instance, ["BTC-USDT", "ETH-USDT"] if defect["symbol"] == "BTC-USDT" else [defect["symbol"]])
    result = dg.materialize(
        defs.assets, run_config=config, resources=resources, instance=instance, tags=all_symbols_tags(instance), raise_on_error=False
    )
    assert not result.success
    text = messages(result)
    for fragment in expected:
        assert fragment in text, f"{case}: {fragment!r} not in:\n{text}"
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert not materialized  # nothing ran after the refusal, and the refused candles are not stored
    assert_unchanged(root, before)
    assert stored_candles(root) == before[1]


def stored_funding(root) -> dict:
    return stored_files(root / "storage" / "by_symbol" / "funding")


def test_bad_funding_rates_are_refused_naming_file_row_and_rule_and_nothing_is_stored(trained, tmp_path):
    root, resources, _, _ = trained
    before = stored_funding(root)
    assert set(before) == {"BTC-USDT", "ETH-USDT"}
    folder = tmp_path / "csv"
    write_candle_csv(good_candles(), folder)
    settlements = pd.date_range("2024-01-01", periods=6, freq="8h", tz="UTC").astype("datetime64[ms, UTC]").astype("int64")
    pd.DataFrame({"timestamp": settlements, "rate": [0.0001, 0.0002, 0.0001, 1.5, 0.0001, 0.0001]}).to_csv(folder / "BTC-USDT.funding.csv", index=False)
    instance = dg.DagsterInstance.ephemeral()
    sync_symbols(instance, ["BTC-USDT", "ETH-USDT"])
    result = dg.materialize(
        defs.assets, selection=["candles", "funding"], resources=resources, instance=instance, tags=all_symbols_tags(instance),
        run_config={"resources": {"candle_source": {"config": {"candles_dir": str(folder)}}}}, raise_on_error=False,
    )
    assert not result.success
    text = messages(result)
    assert "BTC-USDT.funding.csv" in text and "row 3" in text and "|rate| above 0.05 per settlement" in text, text
    assert "funding" not in {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert stored_funding(root) == before


class Planted:
    """A pickle that creates a file when it is loaded."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def op_config(asset, **settings):
    return {"ops": {asset: {"config": settings}}}


def source_config(**settings):
    return {"resources": {"candle_source": {"config": settings}}}


def pickle_in_place_of(asset):
    """A live pickle where the stored values of ``asset`` are kept (each run's), then a run
    that reads it."""

    def plant(root, marker):
        originals = {path: path.read_bytes() for path in (root / "storage" / "values" / asset).glob("*.zip")}
        assert originals
        for path in originals:
            path.write_bytes(pickle.dumps(Planted(marker)))
        return lambda: [path.write_bytes(data) for path, data in originals.items()]

    return plant


def database(url):
    def resources(root):
        return {"results_db": ResultsDatabase(url=url.format(root=root))}

    return resources


# case: (run config over the good run's, extra resources, something planted, selection, expected fragments)
SETTINGS = {
    "negative fee": (op_config("signal_backtest", taker_fee=-0.001), None, None, None, ["signal_backtest: BacktestConfig: setting taker_fee = -0.001 must be >= 0", "before anything was trained or promoted"]),
    "negative min_edge": (op_config("signal_backtest", min_edge=-0.5), None, None, None, ["setting min_edge = -0.5 must be >= 0 and <= 0.5"]),
    "walk-forward folds -1": (op_config("risk_scorer_validation", folds=-1), None, None, None, ["risk_scorer_validation: ValidationConfig: setting folds = -1 must be >= 0"]),
    "unknown walk-forward mode": (op_config("risk_scorer_validation", mode="rolling"), None, None, None, ["setting mode = 'rolling' must be one of expanding, sliding"]),
    "audit bound below chance": (op_config("direction_predictor_validation", max_direction_accuracy=0.3), None, None, None, ["setting max_direction_accuracy = 0.3 must be >= 0.5"]),
    "dropout above 1": (op_config("price_predictor", dropout=1.5), None, None, None, ["price_predictor:", "dropout = 1.5"]),
    "zero epochs": (op_config("price_predictor", epochs=0), None, None, None, ["price_predictor:", "epochs = 0"]),
    "no hidden layers": (op_config("price_predictor", hidden_sizes=[]), None, None, None, ["price_predictor:", "hidden_sizes"]),
    "zero trees": (op_config("risk_scorer", n_estimators=0), None, None, None, ["risk_scorer:", "n_estimators = 0"]),
    "negative min_candles": (op_config("candles", min_candles=-5), None, None, None, ["setting min_candles = -5 must be >= 1"]),
    "tuning an unknown model": (op_config("tuning", n_trials=2, models=["nope"]), None, None, None, ["unknown or untunable model(s) ['nope']"]),
    "symbol name leaving the folder": (source_config(symbols=["BTC-USDT", "../../planted"]), None, None, None, ["'../../planted'", "letters, digits"]),
    "results database down": ({}, database("postgresql+psycopg://blofin@127.0.0.1:1/none"), None, None, ["results database postgresql+psycopg://blofin@127.0.0.1:1/none cannot be written", "nothing was trained"]),
    "results database read-only": ({}, database("sqlite:///file:{root}/results.db?mode=ro&uri=true"), None, None, ["cannot be written", "readonly database"]),
    "a pickle in place of a validation": ({}, None, pickle_in_place_of("risk_scorer_validation"), ["model_comparison", "ensemble_config"], ["not a stored asset value (no zip archive): refused unread"]),
    "a pickle in place of a model reference": ({}, None, pickle_in_place_of("risk_scorer"), ["risk_scorer_validation"], ["no zip archive"]),
}


@pytest.mark.parametrize("case", sorted(SETTINGS))
def test_bad_settings_databases_names_and_files_are_refused_and_change_nothing(case, trained, tmp_path):
    root, resources, before, instance = trained
    extra_config, extra_resources, plant, selection, expected = SETTINGS[case]
    good = {"resources": {"candle_source": {"config": {"candles_dir": str(root / "good")}}}}
    fast = FAST["ops"] if selection is None else {}  # config only for assets in the run
    config = {"ops": {**fast, **extra_config.get("ops", {})}, "resources": extra_config.get("resources", good["resources"])}
    marker = tmp_path / "code-ran"
    restore = plant(root, marker) if plant else None
    try:
        try:
            sync_symbols(instance, ["BTC-USDT", "ETH-USDT"])
            result = dg.materialize(
                defs.assets, selection=selection, run_config=config, resources={**resources, **(extra_resources(root) if extra_resources else {})},
                instance=instance, tags=all_symbols_tags(instance), raise_on_error=False,
            )
            assert not result.success
            text = messages(result)
        except (ValueError, dg.DagsterInvalidConfigError) as error:  # refused before the run starts
            text = str(error)
    finally:
        if restore:
            restore()
    for fragment in expected:
        assert fragment in text, f"{case}: {fragment!r} not in:\n{text}"
    assert not marker.exists()  # no code ran from a planted file
    assert_unchanged(root, before)


def test_config_for_an_asset_that_is_not_in_the_run_is_an_error(trained):
    root, resources, _, _ = trained
    with pytest.raises(dg.DagsterInvalidConfigError, match='unexpected config entry "direction_predictr"'):
        dg.materialize(defs.assets, selection=["candles"], run_config=op_config("direction_predictr", max_depth=3),
                       resources=resources, instance=dg.DagsterInstance.ephemeral())
