"""The HTTP service through real HTTP on loopback: `blofin serve` in its own process."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from blofin_assets.ml.applicability import ApplicabilityGate
from blofin_assets.ml.ensemble import EnsemblePredictor
from blofin_assets.ml.models import model_names
from blofin_assets.ml.training import train_model
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.predictions import read_predictions
from blofin_assets.storage.results import ResultsDB
from blofin_assets_tests.conftest import store_all_models


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def save_ensemble(store, table, versions: dict | None = None):
    """An ensemble over the current models (or the given versions), made current with them in
    one release switch, as promotion does."""
    versions = versions or {name: store.current_version(name) for name in model_names()}
    ensemble = EnsemblePredictor("weighted_avg")
    for name, version in versions.items():
        stored = store.load(name, version)
        ensemble.add_model(stored.model, 0.5, stored.version)
    ensemble.gate_ = ApplicabilityGate().fit(table[table["split"] == "train"])
    version = EnsembleStore(store).save(ensemble, {"horizon": 5, "evaluation": {}})
    store.set_current(versions, version)
    return version


def call(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def service(small_table, tmp_path_factory):
    root = tmp_path_factory.mktemp("service")
    table, _ = small_table
    store = store_all_models(small_table, root / "models")
    first = save_ensemble(store, table)
    port = free_port()
    env = {**os.environ, "BLOFIN_DB_URL": f"sqlite:///{root / 'results.db'}", "BLOFIN_MODELS_DIR": str(root / "models")}
    env.pop("BLOFIN_CANDLES_DIR", None)
    log = open(root / "service.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "blofin_assets.cli", "serve", "--port", str(port)],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if call(f"{url}/health")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (root / "service.log").read_text()
            time.sleep(0.5)
        yield {"url": url, "store": store, "table": table, "first": first, "db": f"sqlite:///{root / 'results.db'}"}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def feature_row(table, i: int, **changes) -> dict:
    row = table[table["split"] == "test"].iloc[i % 100]
    features = {c: float(row[c]) for c in table.columns if c not in ("symbol", "timestamp", "split") and not c.startswith("target_")}
    features.update(changes)
    return {"symbol": row["symbol"], "timestamp": "2030-01-01T00:00:00Z", "features": features}


def test_the_newest_candle_of_a_symbol_and_a_posted_row_get_the_same_shape(service):
    status, newest = call(f"{service['url']}/signal/BTC-USDT")
    assert status == 200 and newest["symbol"] == "BTC-USDT" and set(newest["models"]) == set(model_names())
    assert newest["ensemble"]["direction"] in ("UP", "DOWN") and newest["ensemble_version"] == service["first"]
    status, posted = call(f"{service['url']}/signal", feature_row(service["table"], 0))
    assert status == 200 and set(posted) == set(newest)
    assert set(posted["ensemble"]) == {"direction", "confidence", "p_up", "abstain", "reason", "trade"}


def test_bad_input_is_refused_with_a_4xx_and_the_reason(service):
    status, body = call(f"{service['url']}/signal/NOPE-USDT")
    assert status == 404 and "unknown symbol(s) ['NOPE-USDT']; available: ['BTC-USDT', 'ETH-USDT', 'SOL-USDT']" in body["detail"]
    row = feature_row(service["table"], 0)
    del row["features"]["rsi_14"]
    status, body = call(f"{service['url']}/signal", row)
    assert status == 422 and "missing feature(s) ['rsi_14']" in body["detail"]
    status, body = call(f"{service['url']}/signal", {**feature_row(service["table"], 0), "timestamp": "yesterday"})
    assert status == 422
    status, body = call(f"{service['url']}/signal", {"symbol": "BTC-USDT", "timestamp": "2030-01-01T00:00:00Z", "features": {"rsi_14": "high"}})
    assert status == 422


def test_a_row_unlike_the_training_rows_is_answered_without_a_trade(service):
    row = feature_row(service["table"], 1)
    row["features"].update(volatility_std=row["features"]["volatility_std"] * 50, atr=row["features"]["atr"] * 50)
    status, body = call(f"{service['url']}/signal", row)
    assert status == 200 and body["ensemble"]["abstain"] and not body["ensemble"]["trade"]
    assert "volatility_std" in body["ensemble"]["reason"]


def test_200_concurrent_requests_during_a_model_swap_each_answer_from_one_complete_version(service):
    store, table = service["store"], service["table"]
    old = {name: store.load(name).version for name in model_names()}

    start = time.monotonic()
    swapped = threading.Event()

    def request(i: int):
        # Spread over about four seconds, so requests arrive before and during the swap; the
        # last 50 wait for it to finish, so some arrive after it however slow the machine is.
        time.sleep(max(0.0, start + i * 0.02 - time.monotonic()))
        if i >= 150:
            swapped.wait(timeout=300)
        body = feature_row(table, i)
        body["timestamp"] = f"2031-01-01T{i // 60:02d}:{i % 60:02d}:00Z"
        return call(f"{service['url']}/signal", body)

    with ThreadPoolExecutor(max_workers=200) as pool:
        answers = [pool.submit(request, i) for i in range(200)]
        time.sleep(0.5)
        # The swap: a member is retrained and saved as a candidate (nobody serves it yet), then
        # it and the ensemble rebuilt on it become current in one switch.
        retrained = train_model("risk_scorer", table, 5, {"n_estimators": 10})
        candidate = store.save(retrained.model, retrained.config, {"training": retrained.training}).version
        time.sleep(0.3)
        second = save_ensemble(store, table, {**old, "risk_scorer": candidate})
        swapped.set()
        results = [a.result() for a in answers]
    new = {**old, "risk_scorer": store.load("risk_scorer").version}
    complete = {service["first"]: old, second: new}
    assert all(status == 200 for status, _ in results), [b for s, b in results if s != 200][:3]
    for _, body in results:
        assert complete[body["ensemble_version"]] == body["model_versions"]
    served = [body["ensemble_version"] for _, body in results]
    assert served[0] == service["first"] and served[-1] == second  # both versions were served
    assert call(f"{service['url']}/health")[1]["ensemble_version"] == second
    # Every answer was recorded: five models and the ensemble per request, each candle once.
    db = ResultsDB(service["db"])
    recorded = read_predictions(db)
    db.dispose()
    mine = recorded[recorded["timestamp"].dt.year == 2031]
    assert len(mine) == 200 * (len(model_names()) + 1) and set(mine["source"]) == {"http service"}
