"""The signals over HTTP (FastAPI): the current ensemble's signal for a symbol's newest candle,
or for a posted feature row, in the same shape as the predict command.

    GET  /health                    the versions being served, and whether recording works
    GET  /signal/{symbol}           the newest candle of the configured source (recorded)
    POST /signal                    {"symbol": ..., "timestamp": ..., "features": {column: value}}

Models are read whole: a request takes the bundle current when it starts (ensemble and members
of one version) and keeps it to the end. When a new ensemble is saved the next request loads
it; while a new member has been saved but the ensemble not yet rebuilt on it (the ensemble
refuses to load then), the previous bundle keeps serving, so no answer ever mixes versions.

What is recorded in ``ml_predictions`` is the live record the pipeline is judged by, so only
signals for the source's own candles go there: a posted row is the caller's, answered and
never recorded (it could otherwise stand in for the pipeline's signal on a candle). With the
results database down, answers go on and their rows wait (serving/recorder.py); /health then
says ``degraded``. Requests must name one of the allowed hosts (a page elsewhere cannot reach
the service through DNS rebinding) and a body is at most ``MAX_BODY`` bytes.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field
from starlette.middleware.trustedhost import TrustedHostMiddleware

from blofin_assets.market.schema import MAX_PRICE, MIN_PRICE, CandleDataError
from blofin_assets.market.sources import CandleSource
from blofin_assets.market.synthetic import utc
from blofin_assets.ml.ensemble import EnsemblePredictor, EnsembleVersionError
from blofin_assets.serving.signals import compute_signals, newest_signals
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.serving.recorder import SignalRecorder
from blofin_assets.storage.model_store import ModelIntegrityError, ModelNotFoundError, ModelStore

log = logging.getLogger(__name__)
SOURCE = "http service"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]
MAX_BODY = 64 * 1024  # a feature row is about 2 kB
# Symbols as exchanges and files name them (BTC-USDT, BTC/USDT:USDT, EURUSD, ...): printable,
# no spaces, no direction marks.
SYMBOL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$"
FIRST_CANDLE = pd.Timestamp("2009-01-03", tz="UTC")  # no crypto market traded before it


@dataclass(frozen=True)
class Bundle:
    """One complete model version: the ensemble with its members."""

    ensemble: EnsemblePredictor

    @property
    def horizon(self) -> int:
        return self.ensemble.horizon_

    def versions(self) -> dict:
        return {"ensemble_version": self.ensemble.version_, "model_versions": dict(self.ensemble.versions)}


class CurrentModels:
    """The bundle to serve, reloaded when the saved ensemble changes."""

    def __init__(self, store: ModelStore):
        self.saved = EnsembleStore(store)
        self._lock = threading.Lock()
        self._bundle: Bundle | None = None

    def get(self) -> Bundle:
        bundle = self._bundle
        if bundle is not None and self.saved.version() == bundle.ensemble.version_:
            return bundle
        with self._lock:
            if self._bundle is not None and self.saved.version() == self._bundle.ensemble.version_:
                return self._bundle
            try:
                ensemble = self.saved.load()
                self._bundle = Bundle(ensemble)
                log.info("serving ensemble version %s", ensemble.version_)
            except (EnsembleVersionError, ModelNotFoundError, ModelIntegrityError, FileNotFoundError) as exc:
                if self._bundle is None:
                    raise
                log.info("keeping ensemble version %s: %s", self._bundle.ensemble.version_, exc)
            return self._bundle


class FeatureRow(BaseModel):
    symbol: str = Field(pattern=SYMBOL_PATTERN)
    timestamp: datetime
    features: dict[str, float] = Field(max_length=1000)


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is refused with 413 as soon as it
    is known to be (its Content-Length, or the bytes received so far), before the app sees it.
    A body within the limit is read here whole and handed on."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._refuse(send)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                return await self._refuse(send)
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, send):
        body = f'{{"detail":"request body over {self.limit} bytes"}}'.encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _checked_row(row: FeatureRow) -> pd.Timestamp:
    """The posted row's candle time, after the checks a candle gets."""
    bad = sorted(k for k, v in row.features.items() if not math.isfinite(v))
    if bad:
        raise HTTPException(status_code=422, detail=f"features must be finite numbers; not finite: {bad}")
    timestamp = utc(row.timestamp)
    latest = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    if not FIRST_CANDLE <= timestamp <= latest:
        raise HTTPException(status_code=422, detail=f"timestamp {timestamp.isoformat()} is not a candle's: it must lie between {FIRST_CANDLE.date()} and now")
    close = row.features.get("close")
    if close is not None and not MIN_PRICE <= close <= MAX_PRICE:
        raise HTTPException(status_code=422, detail=f"close {close!r} is not a price: it must lie between {MIN_PRICE:g} and {MAX_PRICE:g}")
    return timestamp


def create_app(store: ModelStore, source: CandleSource, recorder: SignalRecorder, allowed_hosts: list[str] | None = None) -> FastAPI:
    """The service over the models of ``store``, the candles of ``source``, recording through
    ``recorder``; requests must name one of ``allowed_hosts`` (default: loopback's names)."""
    app = FastAPI(title="blofin_assets signals", version="1")
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or LOOPBACK_HOSTS)
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    models = CurrentModels(store)

    def current() -> Bundle:
        try:
            return models.get()
        except (EnsembleVersionError, ModelNotFoundError, ModelIntegrityError, FileNotFoundError) as exc:
            raise HTTPException(status_code=503, detail=f"no complete model version to serve: {exc}") from exc

    @app.get("/health")
    def health() -> dict:
        recording = recorder.status()
        return {"status": "ok" if recording["recording"] == "ok" else "degraded", **current().versions(), **recording}

    @app.get("/signal/{symbol}")
    def newest(symbol: str) -> dict:
        bundle = current()
        try:
            signals = newest_signals(bundle.ensemble, source, [symbol], horizon=bundle.horizon, origin=SOURCE)
        except CandleDataError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        recorded = recorder.record(signals.records)
        (payload,) = signals.payloads
        return {**payload, **bundle.versions(), "recorded": recorded}

    @app.post("/signal")
    def posted(row: FeatureRow) -> dict:
        bundle = current()
        timestamp = _checked_row(row)
        needed = sorted({c for m in bundle.ensemble.members.values() for c in m.feature_names_in_} | {"close", "volatility_std"})
        missing = [c for c in needed if c not in row.features]
        if missing:
            raise HTTPException(status_code=422, detail=f"missing feature(s) {missing}; the models need {needed}")
        frame = pd.DataFrame([{"symbol": row.symbol, "timestamp": timestamp, **row.features}])
        try:
            signals = compute_signals(bundle.ensemble, frame, horizon=bundle.horizon, source=SOURCE)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        (payload,) = signals.payloads
        return {**payload, **bundle.versions(), "recorded": False}

    return app
