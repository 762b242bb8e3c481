"""Bad candles get a clear error and change nothing: each case runs the whole graph on a folder
of CSV files with one defect, and the models and database rows of an earlier good run must be
exactly as they were."""

import hashlib
import os

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from blofin_assets.definitions import defs
from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.defs.partitions import all_symbols_tags, sync_symbols
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
    assert materialize_every_symbol(dg.DagsterInstance.ephemeral(), config, resources=resources).success
    return root, resources, (snapshot(root / "models", f"sqlite:///{root / 'results.db'}"), stored_candles(root))


def stored_candles(root) -> dict:
    """Each stored candle partition with its content hash."""
    folder = root / "storage" / "by_symbol" / "candles"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


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
    root, resources, before = trained
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
    models_and_rows, candles = before
    assert snapshot(root / "models", f"sqlite:///{root / 'results.db'}") == models_and_rows
    assert stored_candles(root) == candles
