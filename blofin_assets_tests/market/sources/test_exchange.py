"""The exchange source against a loopback server speaking BloFin's candle API."""

import subprocess
import sys

import dagster as dg
import pandas as pd
import pytest

from blofin_assets.market.csv_files import read_candle_csv
from blofin_assets.market.sources.exchange import ExchangeFetchError, fetch_candles, make_exchange, update_symbol
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets_tests.fakes.blofin_server import FakeBlofin

HOUR = 3_600_000


def market(candles: int, symbol: str = "BTC-USDT") -> pd.DataFrame:
    frame = SyntheticMarket(symbols=(symbol,), candles_per_symbol=candles).generate().drop(columns="symbol")
    frame["timestamp"] = frame["timestamp"].astype("datetime64[ms, UTC]").astype("int64")
    return frame


def no_sleep(seconds):
    pass


@pytest.fixture
def server():
    with FakeBlofin({"BTC-USDT": market(500), "ETH-USDT": market(500, "ETH-USDT")}) as fake:
        yield fake


def now_after(frame: pd.DataFrame) -> int:
    """A clock one hour past the newest candle's open: that candle has just closed."""
    return int(frame["timestamp"].max()) + HOUR + 1


def test_history_is_fetched_page_by_page_and_kept_as_csv(server, tmp_path):
    exchange = make_exchange(api_url=server.url)
    truth = server.candles["BTC-USDT"]
    new, total = update_symbol(exchange, tmp_path, "BTC-USDT", "1h", history_days=500 / 24, now_ms=now_after(truth))
    assert new == total == 500
    stored = read_candle_csv(tmp_path / "BTC-USDT.csv")
    assert (stored["timestamp"].astype("datetime64[ms, UTC]").astype("int64").to_numpy() == truth["timestamp"].to_numpy()).all()
    assert stored["close"].to_numpy() == pytest.approx(truth["close"].to_numpy())
    pages = server.candle_requests()
    # Five full pages of 100, newest first; the fifth reaches the first candle asked for.
    assert len(pages) == 5 and all(int(p["limit"]) <= 100 and p["bar"] == "1H" and p["instId"] == "BTC-USDT" for p in pages)
    assert [int(p["after"]) for p in pages] == sorted((int(p["after"]) for p in pages), reverse=True)


def test_the_candle_still_forming_is_left_out(server, tmp_path):
    truth = server.candles["BTC-USDT"]
    clock = int(truth["timestamp"].max()) + HOUR // 2  # the newest candle opened 30 minutes ago
    new, _ = update_symbol(make_exchange(api_url=server.url), tmp_path, "BTC-USDT", "1h", 500 / 24, now_ms=clock)
    assert new == 499


def test_updates_fetch_only_newer_candles(server, tmp_path):
    exchange = make_exchange(api_url=server.url)
    full = market(560)
    server.candles["BTC-USDT"] = full.head(500)
    update_symbol(exchange, tmp_path, "BTC-USDT", "1h", 500 / 24, now_ms=now_after(full.head(500)))
    before = (tmp_path / "BTC-USDT.csv").read_text().splitlines()
    server.candles["BTC-USDT"] = full  # 60 new hours on the exchange
    server.requests.clear()
    new, total = update_symbol(exchange, tmp_path, "BTC-USDT", "1h", 500 / 24, now_ms=now_after(full))
    assert (new, total) == (60, 560)
    assert len(server.candle_requests()) == 1  # one page reached back past what was stored
    after = (tmp_path / "BTC-USDT.csv").read_text().splitlines()
    assert after[: len(before)] == before and len(after) == 561


def test_an_error_answer_names_the_symbol_and_the_message(server):
    server.fail_next = [("error", "152002", "Parameter bar error.")]
    with pytest.raises(ExchangeFetchError, match="blofin BTC-USDT 1h candles before .*the exchange answered an error.*Parameter bar error"):
        fetch_candles(make_exchange(api_url=server.url), "BTC-USDT", "1h", 0, 10 * HOUR, sleep=no_sleep)


def test_rate_limits_are_waited_out(server):
    truth = server.candles["BTC-USDT"]
    server.fail_next = [("status", 429), ("status", 429)]
    waits = []
    frame = fetch_candles(
        make_exchange(api_url=server.url), "BTC-USDT", "1h", int(truth["timestamp"].iloc[400]), int(truth["timestamp"].iloc[-1]), sleep=waits.append
    )
    assert len(frame) == 100 and waits == [1.0, 2.0]


def test_a_timeout_is_retried_then_reported(server):
    server.fail_next = [("sleep", 1.0)] * 5
    exchange = make_exchange(api_url=server.url, timeout_ms=200)
    with pytest.raises(ExchangeFetchError, match=r"BTC-USDT 1h candles before .*: timed out 5 times"):
        fetch_candles(exchange, "BTC-USDT", "1h", 0, 10 * HOUR, sleep=no_sleep)


def test_an_unknown_symbol_is_named(server):
    with pytest.raises(ExchangeFetchError, match="unknown symbol 'DOGE-USDT'.*BTC-USDT"):
        fetch_candles(make_exchange(api_url=server.url), "DOGE-USDT", "1h", 0, HOUR)


def test_a_history_shorter_than_asked_ends_at_the_first_empty_page(server, tmp_path):
    truth = server.candles["BTC-USDT"]
    new, _ = update_symbol(make_exchange(api_url=server.url), tmp_path, "BTC-USDT", "1h", 3650, now_ms=now_after(truth))
    assert new == 500 and len(server.candle_requests()) == 6


def test_the_candles_asset_reads_the_exchange_when_configured(server, tmp_path):
    from blofin_assets.definitions import defs
    from blofin_assets.defs.io_managers import SymbolPartitionIOManager
    from blofin_assets.defs.partitions import SYMBOL_IO_MANAGER, register_symbols
    from blofin_assets.defs.resources import CandleSourceResource

    config = {
        "exchange": "blofin",
        "exchange_url": server.url,
        "symbols": ["BTC-USDT", "ETH-USDT"],
        "history_days": 3650,
        "candles_dir": str(tmp_path / "candles"),
    }
    source, instance = CandleSourceResource(**config), dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [defs.get_assets_def("candles")],
        resources={"candle_source": source, SYMBOL_IO_MANAGER: SymbolPartitionIOManager(base_dir=str(tmp_path / "io"))},
        instance=instance,
        tags=register_symbols(instance, source.source()),
    )
    frame = result.output_for_node("candles")
    assert frame.groupby("symbol").size().to_dict() == {"BTC-USDT": 500, "ETH-USDT": 500}
    assert (tmp_path / "candles" / "ETH-USDT.csv").exists()


def test_the_fetch_command(server, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "blofin_assets.cli", "fetch", "--symbol", "ETH-USDT", "--days", "3650", "--out", str(tmp_path), "--api-url", server.url],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"ETH-USDT: 500 new candle(s), 500 in {tmp_path}/ETH-USDT.csv" in done.stdout
    failed = subprocess.run(
        [sys.executable, "-m", "blofin_assets.cli", "fetch", "--symbol", "XRP-USDT", "--out", str(tmp_path), "--api-url", server.url],
        capture_output=True, text=True, timeout=120,
    )
    assert failed.returncode == 1 and "unknown symbol 'XRP-USDT'" in failed.stderr
