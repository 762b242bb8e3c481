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
    return {"symbol": row["symbol"], "timestamp": row["timestamp"].isoformat(), "features": features}


def test_the_newest_candle_of_a_symbol_and_a_posted_row_get_the_same_shape(service):
    status, newest = call(f"{service['url']}/signal/BTC-USDT")
    assert status == 200 and newest["symbol"] == "BTC-USDT" and set(newest["models"]) == set(model_names())
    assert newest["ensemble"]["direction"] in ("UP", "DOWN") and newest["ensemble_version"] == service["first"]
    status, posted = call(f"{service['url']}/signal", feature_row(service["table"], 0))
    assert status == 200 and set(posted) == set(newest)
    assert set(posted["ensemble"]) == {"direction", "confidence", "p_up", "abstain", "reason", "trade", "p_up_meaning"}
    assert posted["ensemble"]["p_up_meaning"] == "the members' P(UP), averaged with the ensemble's weights"


def test_bad_input_is_refused_with_a_4xx_and_the_reason(service):
    status, body = call(f"{service['url']}/signal/NOPE-USDT")
    assert status == 404 and "unknown symbol(s) ['NOPE-USDT']; available: ['BTC-USDT', 'ETH-USDT', 'SOL-USDT']" in body["detail"]
    row = feature_row(service["table"], 0)
    del row["features"]["rsi_14"]
    status, body = call(f"{service['url']}/signal", row)
    assert status == 422 and "missing feature(s) ['rsi_14']" in body["detail"]
    status, body = call(f"{service['url']}/signal", {**feature_row(service["table"], 0), "timestamp": "yesterday"})
    assert status == 422
    status, body = call(f"{service['url']}/signal", {"symbol": "BTC-USDT", "timestamp": "2024-01-01T00:00:00Z", "features": {"rsi_14": "high"}})
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
        return call(f"{service['url']}/signal", feature_row(table, i))

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
    # A posted row is the caller's, not a candle of the market: answered, never recorded.
    db = ResultsDB(service["db"])
    recorded = read_predictions(db)
    db.dispose()
    posted = {row["timestamp"] for row in (feature_row(table, i) for i in range(100))}
    assert not set(recorded["timestamp"].map(lambda t: t.isoformat())) & posted


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"symbol": "BTC\u202e-USDT"}, "symbol"),  # a right-to-left mark
        ({"symbol": "BTC-USDT\nETH-USDT"}, "symbol"),
        ({"timestamp": "0001-01-01T00:00:00Z"}, "is not a candle's"),
        ({"timestamp": "9999-12-31T00:00:00Z"}, "is not a candle's"),
        ({"close": 0.0}, "is not a price"),
        ({"close": -1e308}, "is not a price"),
    ],
)
def test_a_posted_row_gets_the_checks_a_candle_gets(service, change, reason):
    row = feature_row(service["table"], 2)
    if "close" in change:
        row["features"]["close"] = change["close"]
    else:
        row.update(change)
    status, body = call(f"{service['url']}/signal", row)
    assert status == 422 and reason in json.dumps(body)


def test_a_posted_row_never_displaces_the_pipelines_signal_for_a_candle(service):
    status, newest = call(f"{service['url']}/signal/ETH-USDT")
    assert status == 200 and newest["recorded"] is True
    # the same candle posted with other features: answered, not recorded
    row = feature_row(service["table"], 3)
    row.update(symbol="ETH-USDT", timestamp=newest["timestamp"])
    status, posted = call(f"{service['url']}/signal", row)
    assert status == 200 and posted["recorded"] is False
    db = ResultsDB(service["db"])
    recorded = read_predictions(db)
    db.dispose()
    mine = recorded[(recorded["symbol"] == "ETH-USDT") & (recorded["model"] == "ensemble") & (recorded["timestamp"] == newest["timestamp"])]
    assert len(mine) == 1 and mine["p_up"].iloc[0] == pytest.approx(newest["ensemble"]["p_up"])


def read_answer(connection: socket.socket) -> bytes:
    """What the server sent, up to the end of a JSON body or the connection."""
    answer = b""
    while not answer.rstrip().endswith(b"}"):
        part = connection.recv(4096)
        if not part:
            break
        answer += part
    return answer


def test_a_request_naming_another_host_and_a_body_too_large_are_refused(service):
    port = service["url"].rsplit(":", 1)[1]
    with socket.create_connection(("127.0.0.1", int(port)), timeout=30) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: rebound.example.com\r\nConnection: close\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 400")
    # 48 MB announced: refused on its Content-Length, before the body is read
    with socket.create_connection(("127.0.0.1", int(port)), timeout=30) as s:
        s.sendall(b"POST /signal HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 48000000\r\n\r\n{")
        answer = read_answer(s)
    assert answer.startswith(b"HTTP/1.1 413") and b"request body over 65536 bytes" in answer
    # sent without a length (chunked): refused once more than the limit has arrived
    with socket.create_connection(("127.0.0.1", int(port)), timeout=30) as s:
        s.sendall(b"POST /signal HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 32_768
        for _ in range(3):
            s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = read_answer(s)
    assert answer.startswith(b"HTTP/1.1 413")
