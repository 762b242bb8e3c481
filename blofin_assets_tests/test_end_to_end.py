"""End to end through the real `dagster` CLI, as `make run` calls it."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from blofin_assets.definitions import defs
from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.serving.api import load_model
from blofin_assets.ml.models import model_names
from blofin_assets.storage.model_store import ModelStore

DAGSTER = Path(sys.executable).with_name("dagster")
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def materialize_like_make_run(env: dict, *options: str) -> subprocess.CompletedProcess:
    """make run's two steps: register the source's symbols, then one run over their range. (In
    the test's own folder: a .env in the project folder would name the project's instance.)"""
    cwd = Path(env["DAGSTER_HOME"]).parent
    symbols = subprocess.run(
        [sys.executable, "-m", "blofin_assets.cli", "symbols", *options], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert symbols.returncode == 0, symbols.stderr
    command = [str(DAGSTER), "asset", "materialize", "--select", "*", "-m", "blofin_assets.definitions", *options]
    command += ["--partition-range", symbols.stdout.strip()]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.e2e
def test_dagster_asset_materialize_runs_the_whole_graph_on_csv_data(isolated_env, tmp_path):
    # Real data path: a folder of ccxt-layout CSVs, 4h bars, named by $BLOFIN_CANDLES_DIR.
    market = SyntheticMarket(symbols=("BTC-USDT", "ETH-USDT"), candles_per_symbol=600, bar="4h").generate()
    write_candle_csv(market, tmp_path / "csv")
    run_config = tmp_path / "run.yaml"
    run_config.write_text("ops:\n  price_predictor:\n    config:\n      epochs: 5\n")
    env = {**os.environ, "BLOFIN_CANDLES_DIR": str(tmp_path / "csv")}
    done = materialize_like_make_run(env, "-c", str(run_config))
    assert done.returncode == 0, done.stderr[-3000:]

    models = Path(os.environ["BLOFIN_MODELS_DIR"])
    for name in model_names():
        assert (models / f"model_{name}" / "metadata.json").exists()
    assert json.loads((models / "model_price_predictor" / "config.json").read_text())["hyperparameters"]["epochs"] == 5
    assert (models / "ensemble" / "config.json").exists()

    # The run is stored in the DAGSTER_HOME instance, so the UI shows it afterwards, with the
    # progress of the long steps in its log.
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert len(runs) == 1 and runs[0].status == dg.DagsterRunStatus.SUCCESS
        log = [entry.user_message for entry in instance.all_logs(runs[0].run_id)]
        assert any(re.search(r"price_predictor epoch \d/5: train MSE", line) for line in log)
        # the walk-forward folds train side by side: each epoch line says which fold it is
        assert any(re.search(r"price_predictor \(walk-forward fold [1-4]/4\) epoch \d/5: train MSE", line) for line in log)
        assert any("risk_scorer walk-forward fold 4/4" in line for line in log)
        # One run, every symbol partition materialized by it.
        assert instance.get_materialized_partitions(dg.AssetKey("targets")) == {"BTC-USDT", "ETH-USDT"}

    # CSV files without <SYMBOL>.funding.csv: the backtest assumes rate 0, and says so per symbol.
    from blofin_assets.market.funding import ASSUMED
    from blofin_assets.storage.results import ResultsDB

    db = ResultsDB(os.environ["BLOFIN_DB_URL"])
    (backtest,) = [json.loads(r["metrics_json"])["backtest"] for r in db.rows(runs[0].run_id) if r["model_name"] == "signal_backtest"]
    db.dispose()
    assert {s["funding_source"] for s in backtest["per_symbol"].values()} == {ASSUMED}

    # The README's Python example: load an asset value from the instance, predict from a row.
    features = defs.load_asset_value("features", partition_key="BTC-USDT", instance=dg.DagsterInstance.get())
    assert set(features["symbol"]) == {"BTC-USDT"}
    row = features.iloc[-1]
    assert load_model("direction_predictor").predict(row)["direction"] in ("UP", "DOWN")
    assert 0 <= load_model("risk_scorer").predict(row) <= 100
    assert len(load_model("risk_scorer").predict(features.tail(3))) == 3

    summary = subprocess.run(
        [sys.executable, "-m", "blofin_assets.cli", "summary"], env=env, capture_output=True, text=True, timeout=120
    )
    assert summary.returncode == 0, summary.stderr
    for name in model_names():
        assert name in summary.stdout
    assert runs[0].run_id in summary.stdout and "baseline" in summary.stdout

    # The command-line prediction for the newest candle.
    predicted = subprocess.run(
        [sys.executable, "-m", "blofin_assets.cli", "predict", "--symbol", "ETH-USDT"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert predicted.returncode == 0, predicted.stderr
    output = json.loads(predicted.stdout)
    (only,) = output["predictions"]
    newest = market[market["symbol"] == "ETH-USDT"]["timestamp"].max()
    assert only["symbol"] == "ETH-USDT" and only["timestamp"] == newest.isoformat()
    assert set(only["models"]) == set(model_names())
    assert isinstance(only["models"]["risk_scorer"], int)
    assert only["ensemble"]["direction"] in ("UP", "DOWN") and 0.5 <= only["ensemble"]["confidence"] <= 1
    assert output["model_versions"] == {n: load_model(n).version for n in model_names()}

    unknown = subprocess.run(
        [sys.executable, "-m", "blofin_assets.cli", "predict", "--symbol", "DOGE-USDT"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert unknown.returncode == 1 and "unknown symbol(s) ['DOGE-USDT']" in unknown.stderr

    # A member saved again (a candidate) changes nothing that serves ...
    store = ModelStore(models)
    stored = store.load("volatility_regressor")
    candidate = store.save(stored.model, stored.config, {"training": stored.metadata["training"]})
    again = subprocess.run([sys.executable, "-m", "blofin_assets.cli", "predict"], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and json.loads(again.stdout)["model_versions"] == output["model_versions"]
    # ... and a release switched to it without rebuilding the ensemble is refused, naming it.
    store.set_current({"volatility_regressor": candidate.version})
    stale = subprocess.run([sys.executable, "-m", "blofin_assets.cli", "predict"], env=env, capture_output=True, text=True, timeout=120)
    assert stale.returncode == 1 and "volatility_regressor: the ensemble was built on version" in stale.stderr


@pytest.mark.e2e
def test_bad_candles_fail_the_run_with_the_reason_and_train_nothing(isolated_env, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "BTC-USDT.csv").write_text("timestamp,open,high,low,close,volume\n946684000,1,1,1,1,1\n")  # 1999 in seconds
    env = {**os.environ, "BLOFIN_CANDLES_DIR": str(folder)}
    done = materialize_like_make_run(env)
    assert done.returncode != 0
    assert "look like seconds since the epoch, but as seconds they run from 1999-12-31" in done.stdout + done.stderr
    assert not Path(os.environ["BLOFIN_MODELS_DIR"]).exists()


@pytest.mark.e2e
def test_a_failing_blocking_check_prints_its_reason_and_fix_on_the_command_line(isolated_env, tmp_path):
    market = SyntheticMarket(symbols=("BTC-USDT",), candles_per_symbol=600).generate()
    write_candle_csv(market.drop(index=range(300, 320)), tmp_path / "csv")  # a 20-bar hole
    done = materialize_like_make_run({**os.environ, "BLOFIN_CANDLES_DIR": str(tmp_path / "csv")})
    assert done.returncode != 0
    lines = [line for line in (done.stdout + done.stderr).splitlines() if "check no_gaps failed" in line]
    assert lines and "symbol BTC-USDT (its market: 24/7) between" in lines[0] and "20 of 20 missing bars" in lines[0] and "raise gap_tolerance_bars" in lines[0]
