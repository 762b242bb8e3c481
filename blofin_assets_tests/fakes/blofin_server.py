"""A loopback HTTP server that answers BloFin's public market endpoints the way BloFin
documents them, for testing the exchange source without the internet.

- GET /api/v1/market/instruments: one live USDT perpetual per symbol.
- GET /api/v1/market/candles?instId=&bar=&before=&after=&limit=: candles with
  before < ts < after, newest first, at most ``limit`` (max 100); each row is
  [ts, open, high, low, close, contract volume, base volume, quote volume, confirm].
- GET /api/v1/market/funding-rate-history?instId=&before=&after=&limit=: settlements with
  before < fundingTime < after, newest first, at most ``limit`` (max 100); each row is
  {instId, fundingRate, fundingTime} (none for an instrument without ``funding`` rows).
``candles`` maps a symbol to a frame (timestamp in ms, open, high, low, close, volume), and
``funding`` a symbol to a frame (timestamp in ms, rate); the test can add rows, and can script
failures: ``fail_next`` holds answers to give instead of the next candle or funding requests:
("error", code, msg), ("status", http code), or ("sleep", seconds).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pandas as pd

BARS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1H": 3_600_000, "4H": 14_400_000, "1D": 86_400_000}


class FakeBlofin:
    def __init__(self, candles: dict[str, pd.DataFrame], funding: dict[str, pd.DataFrame] | None = None):
        self.candles = candles
        self.funding = funding or {}
        self.requests: list[dict] = []
        self.fail_next: list[tuple] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                server.requests.append({"path": url.path, **query})
                status, body = server.answer(url.path, query)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FakeBlofin":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def candle_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/api/v1/market/candles"]

    def funding_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/api/v1/market/funding-rate-history"]

    def _scripted_failure(self) -> tuple[int, dict] | None:
        kind, *args = self.fail_next.pop(0)
        if kind == "error":
            return 200, {"code": args[0], "msg": args[1], "data": []}
        if kind == "status":
            return args[0], {"code": str(args[0]), "msg": "Too Many Requests"}
        time.sleep(args[0])  # "sleep": answer late
        return None

    def answer(self, path: str, query: dict) -> tuple[int, dict]:
        if path == "/api/v1/market/instruments":
            data = [
                {
                    "instId": symbol,
                    "baseCurrency": symbol.split("-")[0],
                    "quoteCurrency": symbol.split("-")[1],
                    "settleCurrency": symbol.split("-")[1],
                    "instType": "SWAP",
                    "contractType": "linear",
                    "contractValue": "0.001",
                    "listTime": "1600000000000",
                    "tickSize": "0.1",
                    "lotSize": "1",
                    "minSize": "1",
                    "maxLeverage": "100",
                    "state": "live",
                }
                for symbol in self.candles
            ]
            return 200, {"code": "0", "msg": "success", "data": data}
        if path in ("/api/v1/market/candles", "/api/v1/market/funding-rate-history") and self.fail_next:
            failure = self._scripted_failure()
            if failure is not None:
                return failure
        if path == "/api/v1/market/funding-rate-history":
            if query.get("instId") not in self.candles:
                return 200, {"code": "152002", "msg": "Parameter instId error.", "data": []}
            frame = self.funding.get(query["instId"], pd.DataFrame({"timestamp": [], "rate": []}))
            rows = page(frame, query)
            data = [{"instId": query["instId"], "fundingRate": str(r.rate), "fundingTime": str(r.timestamp)} for r in rows.itertuples()]
            return 200, {"code": "0", "msg": "success", "data": data}
        if path == "/api/v1/market/candles":
            frame = self.candles.get(query.get("instId"))
            if frame is None:
                return 200, {"code": "152002", "msg": "Parameter instId error.", "data": []}
            if query.get("bar") not in BARS:
                return 200, {"code": "152002", "msg": "Parameter bar error.", "data": []}
            rows = page(frame, query)
            data = [
                [str(r.timestamp), str(r.open), str(r.high), str(r.low), str(r.close), str(r.volume * 1000), str(r.volume), str(r.volume * r.close), "1"]
                for r in rows.itertuples()
            ]
            return 200, {"code": "0", "msg": "success", "data": data}
        return 404, {"code": "404", "msg": "not found"}


def page(frame: pd.DataFrame, query: dict) -> pd.DataFrame:
    """BloFin's paging: rows with before < timestamp < after, newest first, at most limit (100)."""
    ts = frame["timestamp"]
    rows = frame[(ts > int(query.get("before", -1))) & (ts < int(query.get("after", 2**62)))]
    return rows.sort_values("timestamp", ascending=False).head(min(int(query.get("limit", 100)), 100))
