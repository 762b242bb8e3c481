"""Funding history from the exchange through ccxt, against the loopback BloFin server."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from blofin_assets.market.funding import read_funding_csv
from blofin_assets.market.sources import ExchangeSource
from blofin_assets.market.sources.exchange import ExchangeFetchError, fetch_funding, make_exchange, update_funding
from blofin_assets_tests.fakes.blofin_server import FakeBlofin
from blofin_assets_tests.market.sources.test_exchange import HOUR, market, no_sleep

SETTLEMENTS = 250


def settlements(count: int, seed: int = 0) -> pd.DataFrame:
    """``count`` 8-hourly rates ending at 2024-03-01 00:00 UTC (timestamps in ms)."""
    times = pd.date_range(end="2024-03-01", periods=count, freq="8h", tz="UTC")
    rates = np.random.default_rng(seed).normal(0.0001, 0.0001, count).round(8)
    return pd.DataFrame({"timestamp": times.astype("datetime64[ms, UTC]").astype("int64"), "rate": rates})


@pytest.fixture
def server():
    with FakeBlofin({"BTC-USDT": market(100)}, funding={"BTC-USDT": settlements(SETTLEMENTS)}) as fake:
        yield fake


def clock(frame: pd.DataFrame) -> int:
    return int(frame["timestamp"].max()) + HOUR


def test_funding_history_is_fetched_page_by_page_and_kept_beside_the_candles(server, tmp_path):
    truth = server.funding["BTC-USDT"]
    new, total = update_funding(make_exchange(api_url=server.url), tmp_path, "BTC-USDT", int(truth["timestamp"].iloc[0]), now_ms=clock(truth))
    assert new == total == SETTLEMENTS
    stored = read_funding_csv(tmp_path / "BTC-USDT.funding.csv", "BTC-USDT")
    assert (stored["timestamp"].astype("datetime64[ms, UTC]").astype("int64").to_numpy() == truth["timestamp"].to_numpy()).all()
    assert stored["rate"].to_numpy() == pytest.approx(truth["rate"].to_numpy())
    pages = server.funding_requests()
    # 100, 100, 50, then an empty page: the history begins there; newest first, at most 100 each
    assert len(pages) == 4 and all(int(p["limit"]) <= 100 and p["instId"] == "BTC-USDT" for p in pages)
    assert [int(p["after"]) for p in pages] == sorted((int(p["after"]) for p in pages), reverse=True)


def test_updates_fetch_only_newer_settlements(server, tmp_path):
    exchange = make_exchange(api_url=server.url)
    full = settlements(SETTLEMENTS + 6)
    server.funding["BTC-USDT"] = full.head(SETTLEMENTS)
    update_funding(exchange, tmp_path, "BTC-USDT", int(full["timestamp"].iloc[0]), now_ms=clock(full.head(SETTLEMENTS)))
    server.funding["BTC-USDT"] = full
    server.requests.clear()
    assert update_funding(exchange, tmp_path, "BTC-USDT", int(full["timestamp"].iloc[0]), now_ms=clock(full)) == (6, SETTLEMENTS + 6)
    assert len(server.funding_requests()) == 1


def test_rate_limits_are_waited_out_and_errors_name_the_symbol(server):
    truth = server.funding["BTC-USDT"]
    server.fail_next = [("status", 429)]
    waits = []
    frame = fetch_funding(make_exchange(api_url=server.url), "BTC-USDT", int(truth["timestamp"].iloc[-50]), clock(truth), sleep=waits.append)
    assert len(frame) == 50 and waits == [1.0]
    server.fail_next = [("error", "152002", "Parameter instId error.")]
    with pytest.raises(ExchangeFetchError, match="blofin BTC-USDT funding rates before .*the exchange answered an error"):
        fetch_funding(make_exchange(api_url=server.url), "BTC-USDT", 0, clock(truth), sleep=no_sleep)


def test_the_exchange_source_fetches_funding_from_its_first_candle_on(server, tmp_path):
    truth = server.funding["BTC-USDT"]
    candles = pd.DataFrame(
        {"symbol": "BTC-USDT", "timestamp": pd.date_range(end="2024-02-29 23:00", periods=48, freq="1h", tz="UTC")}
    )
    source = ExchangeSource("blofin", Path(tmp_path), ("BTC-USDT",), api_url=server.url)
    funding = source.load_funding(candles)
    # the settlements from the first candle (02-27 00:00) on: 02-27 to 03-01 00:00
    assert len(funding) == 7 and set(funding["source"]) == {"blofin via ccxt"}
    assert funding["rate"].to_numpy() == pytest.approx(truth["rate"].to_numpy()[-7:])


def test_the_fetch_command_keeps_funding_beside_the_candles(server, tmp_path):
    import subprocess
    import sys

    server.candles["BTC-USDT"] = market(100)
    done = subprocess.run(
        [sys.executable, "-m", "blofin_assets.cli", "fetch", "--symbol", "BTC-USDT", "--days", "3650", "--out", str(tmp_path), "--api-url", server.url],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"BTC-USDT: 100 new candle(s), 100 in {tmp_path}/BTC-USDT.csv" in done.stdout
    stored = read_funding_csv(tmp_path / "BTC-USDT.funding.csv", "BTC-USDT")
    first = pd.Timestamp(int(server.candles["BTC-USDT"]["timestamp"].iloc[0]), unit="ms", tz="UTC")
    assert (stored["timestamp"] >= first).all() and len(stored) > 0
    assert f"BTC-USDT: {len(stored)} new funding settlement(s), {len(stored)} in {tmp_path}/BTC-USDT.funding.csv" in done.stdout
