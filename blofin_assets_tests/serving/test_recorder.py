"""Signals served with the results database down: answered, kept for later, and /health says
degraded; `blofin predict` prints them and says they were not recorded."""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
import uvicorn

from blofin_assets.market.sources import SyntheticSource
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.serving.http import create_app
from blofin_assets.serving.recorder import SignalRecorder
from blofin_assets.storage.predictions import read_predictions
from blofin_assets.storage.results import ResultsDB
from blofin_assets_tests.conftest import store_all_models
from blofin_assets_tests.serving.test_http import free_port, save_ensemble

DOWN = "postgresql+psycopg://blofin@127.0.0.1:1/blofin"  # nothing listens on port 1


def rows(n: int, symbol: str = "BTC-USDT") -> list[dict]:
    from datetime import datetime, timedelta, timezone

    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    return [
        {"symbol": symbol, "candle_time": start + timedelta(hours=i), "model_name": "ensemble", "model_version": "v1", "horizon": 5,
         "prediction": 1.0, "p_up": 0.6, "confidence": 0.6, "abstain": False, "reason": None, "output_json": "{}", "source": "test"}
        for i in range(n)
    ]


def test_rows_wait_while_the_database_is_down_and_go_in_once_it_is_back(tmp_path):
    blocker = tmp_path / "db"
    blocker.write_text("a file where the database's folder must go")
    recorder = SignalRecorder(f"sqlite:///{blocker / 'results.db'}", capacity=5, retry_seconds=0)
    assert recorder.record(rows(3)) is False
    status = recorder.status()
    assert status["recording"] == "failing" and status["waiting"] == 3 and status["dropped"] == 0 and status["error"]
    assert recorder.record(rows(4)[3:]) is False and recorder.record(rows(6)[4:]) is False
    assert recorder.status()["waiting"] == 5 and recorder.status()["dropped"] == 1  # the oldest went
    blocker.unlink()  # the database can be created again
    assert recorder.record(rows(7)[6:]) is True  # a sixth waiting row: one more of the oldest went first
    status = recorder.status()
    assert status["recording"] == "ok" and status["waiting"] == 0 and status["dropped"] == 2 and status["failing_since"] is None
    db = ResultsDB(f"sqlite:///{blocker / 'results.db'}")
    recorded = read_predictions(db)
    db.dispose()
    assert [t.hour for t in recorded["timestamp"]] == [2, 3, 4, 5, 6]  # rows 0 and 1 were dropped, and the status says so


@pytest.fixture(scope="module")
def models(small_table, tmp_path_factory):
    root = tmp_path_factory.mktemp("recorder")
    table, _ = small_table
    store = store_all_models(small_table, root / "models")
    save_ensemble(store, table)
    return root, store


def test_while_the_database_fails_it_is_tried_again_only_after_the_retry_interval(tmp_path):
    blocker = tmp_path / "db"
    blocker.write_text("a file where the database's folder must go")
    recorder = SignalRecorder(f"sqlite:///{blocker / 'results.db'}", retry_seconds=3600)
    assert recorder.record(rows(1)) is False
    blocker.unlink()  # back, but not tried again within the hour: the rows wait
    assert recorder.record(rows(2)[1:]) is False and recorder.status()["waiting"] == 2
    recorder.retry_seconds = 0
    assert recorder.record([]) is True and recorder.status() == {"recording": "ok"}
    db = ResultsDB(f"sqlite:///{blocker / 'results.db'}")
    assert len(read_predictions(db)) == 2
    db.dispose()


def test_the_service_answers_with_the_database_down_and_health_says_degraded(models):
    _, store = models
    source = SyntheticSource(SyntheticMarket(candles_per_symbol=300))
    app = create_app(store, source, SignalRecorder(DOWN))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/signal/SOL-USDT", timeout=60) as response:
            answer = json.loads(response.read())
        assert response.status == 200 and answer["ensemble"]["direction"] in ("UP", "DOWN") and answer["recorded"] is False
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=60) as response:
            health = json.loads(response.read())
        assert health["status"] == "degraded" and health["recording"] == "failing"
        assert health["waiting"] == len(answer["models"]) + 1 and "127.0.0.1:1" in health["database"] and health["error"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_predict_prints_the_signals_with_the_database_down_and_says_they_were_not_recorded(models, isolated_env):
    root, _ = models
    env = {**os.environ, "BLOFIN_DB_URL": DOWN, "BLOFIN_MODELS_DIR": str(root / "models")}
    done = subprocess.run([sys.executable, "-m", "blofin_assets.cli", "predict", "--symbol", "BTC-USDT"], cwd=isolated_env, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    output = json.loads(done.stdout)
    assert output["recorded"] is False and output["predictions"][0]["symbol"] == "BTC-USDT"
    assert "warning: the signals were not recorded" in done.stderr and "127.0.0.1:1" in done.stderr
