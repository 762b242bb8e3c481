"""The signals over HTTP (FastAPI): the current ensemble's signal for a symbol's newest candle,
or for a posted feature row, in the same shape as the predict command; every answer recorded in
``ml_predictions``.

    GET  /health                    the versions being served
    GET  /signal/{symbol}           the newest candle of the configured source
    POST /signal                    {"symbol": ..., "timestamp": ..., "features": {column: value}}

Models are read whole: a request takes the bundle current when it starts (ensemble and members
of one version) and keeps it to the end. When a new ensemble is saved the next request loads
it; while a new member has been saved but the ensemble not yet rebuilt on it (the ensemble
refuses to load then), the previous bundle keeps serving, so no answer ever mixes versions.
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

from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.sources import CandleSource
from blofin_assets.ml.ensemble import EnsemblePredictor, EnsembleVersionError
from blofin_assets.serving.signals import Signals, compute_signals, newest_signals
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.model_store import ModelIntegrityError, ModelNotFoundError, ModelStore
from blofin_assets.storage.predictions import record_predictions
from blofin_assets.storage.results import ResultsDB

log = logging.getLogger(__name__)
SOURCE = "http service"


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
    symbol: str = Field(min_length=1, max_length=64)
    timestamp: datetime
    features: dict[str, float]


def _answer(signals: Signals, bundle: Bundle, db: ResultsDB) -> dict:
    record_predictions(db, signals.records)
    (payload,) = signals.payloads
    return {**payload, **bundle.versions()}


def create_app(store: ModelStore, source: CandleSource, db: ResultsDB) -> FastAPI:
    """The service over the models of ``store``, the candles of ``source``, recording in ``db``."""
    app = FastAPI(title="blofin_assets signals", version="1")
    models = CurrentModels(store)

    def current() -> Bundle:
        try:
            return models.get()
        except (EnsembleVersionError, ModelNotFoundError, ModelIntegrityError, FileNotFoundError) as exc:
            raise HTTPException(status_code=503, detail=f"no complete model version to serve: {exc}") from exc

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", **current().versions()}

    @app.get("/signal/{symbol}")
    def newest(symbol: str) -> dict:
        bundle = current()
        try:
            signals = newest_signals(bundle.ensemble, source, [symbol], horizon=bundle.horizon, origin=SOURCE)
        except CandleDataError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        return _answer(signals, bundle, db)

    @app.post("/signal")
    def posted(row: FeatureRow) -> dict:
        bundle = current()
        bad = sorted(k for k, v in row.features.items() if not math.isfinite(v))
        if bad:
            raise HTTPException(status_code=422, detail=f"features must be finite numbers; not finite: {bad}")
        needed = sorted({c for m in bundle.ensemble.members.values() for c in m.feature_names_in_} | {"close", "volatility_std"})
        missing = [c for c in needed if c not in row.features]
        if missing:
            raise HTTPException(status_code=422, detail=f"missing feature(s) {missing}; the models need {needed}")
        timestamp = pd.Timestamp(row.timestamp)
        timestamp = timestamp.tz_localize("UTC") if timestamp.tzinfo is None else timestamp.tz_convert("UTC")
        frame = pd.DataFrame([{"symbol": row.symbol, "timestamp": timestamp, **row.features}])
        try:
            signals = compute_signals(bundle.ensemble, frame, horizon=bundle.horizon, source=SOURCE)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return _answer(signals, bundle, db)

    return app
