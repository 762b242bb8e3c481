"""Signals for candles: every model's output and the ensemble's, in the API's shape (what the
predict command and the HTTP service answer), and as ``ml_predictions`` rows (what is recorded).

When the ensemble carries an applicability gate, a candle unlike the training rows gets the
signal with ``abstain: true`` and the reason: no trade is taken on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from blofin_assets.market.features import compute_features
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.sources import CandleSource
from blofin_assets.ml.ensemble import EnsemblePredictor
from blofin_assets.ml.ensemble.predictor import P_UP_MEANING
from blofin_assets.ml.live import SIGNAL


def newest_rows(features: pd.DataFrame, symbols: list[str] | None = None) -> pd.DataFrame:
    """The newest feature row of each symbol (of ``symbols``, when given)."""
    available = sorted(features["symbol"].unique())
    if symbols:
        unknown = [s for s in symbols if s not in available]
        if unknown:
            raise CandleDataError(f"unknown symbol(s) {unknown}; available: {available}")
        features = features[features["symbol"].isin(symbols)]
    return features.sort_values("timestamp").groupby("symbol", sort=True).tail(1).sort_values("symbol")


@dataclass
class Signals:
    """Signals for some feature rows: ``payloads`` as the API answers them, one per row, and
    ``records`` as ``ml_predictions`` keeps them, one per row and model (and the ensemble)."""

    payloads: list[dict]
    records: list[dict]


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def compute_signals(ensemble: EnsemblePredictor, rows: pd.DataFrame, *, horizon: int, source: str) -> Signals:
    """Every member's output and the ensemble's signal for each row of ``rows`` (feature rows
    with symbol and timestamp)."""
    signal = ensemble.signal(rows)  # direction, confidence, p_up, abstain, reason
    payloads = [
        {
            "symbol": str(row["symbol"]),
            "timestamp": row["timestamp"].isoformat(),
            "close": float(row["close"]),
            "models": {},
            "ensemble": {
                "direction": str(signal.loc[index, "direction"]),
                "confidence": float(signal.loc[index, "confidence"]),
                "p_up": float(signal.loc[index, "p_up"]),
                "abstain": bool(signal.loc[index, "abstain"]),
                "reason": signal.loc[index, "reason"] or None,
                "trade": not bool(signal.loc[index, "abstain"]),
                "p_up_meaning": P_UP_MEANING[ensemble.ensemble_type],
            },
        }
        for index, row in rows.iterrows()
    ]
    records = []

    def record(payload: dict, index, name: str, version: str | None, prediction, p_up, confidence, output) -> None:
        records.append(
            {
                "symbol": payload["symbol"],
                "candle_time": rows.loc[index, "timestamp"].to_pydatetime(),
                "model_name": name,
                "model_version": version or "unversioned",
                "horizon": horizon,
                "prediction": _number(prediction),
                "p_up": _number(p_up),
                "confidence": _number(confidence),
                "abstain": bool(signal.loc[index, "abstain"]),
                "reason": signal.loc[index, "reason"] or None,
                "output_json": json.dumps(output),
                "source": source,
            }
        )

    for name, model in ensemble.members.items():
        outputs, predicted = model.predict_outputs(rows), model.predict(rows)
        contribution = model.ensemble_outputs(rows)
        for position, (index, payload) in enumerate(zip(rows.index, payloads)):
            output = model.output_record(outputs.loc[index])
            payload["models"][name] = output
            p_up = contribution.loc[index, model.signal_column] if model.signal_column else None
            confidence = outputs.loc[index, "confidence"] if "confidence" in outputs.columns else None
            record(payload, index, name, ensemble.versions.get(name), predicted[position], p_up, confidence, output)
    for index, payload in zip(rows.index, payloads):
        up = payload["ensemble"]["direction"] == "UP"
        record(payload, index, SIGNAL, ensemble.version_, float(up), payload["ensemble"]["p_up"], payload["ensemble"]["confidence"], payload["ensemble"])
    return Signals(payloads, records)


def newest_signals(
    ensemble: EnsemblePredictor, source: CandleSource, symbols: list[str] | None = None, *, horizon: int, origin: str
) -> Signals:
    """Signals for the newest candle of ``symbols`` (default: all) of ``source``; a symbol the
    source does not offer is refused, never invented."""
    offered = source.offered_symbols()
    unknown = [s for s in symbols or [] if s not in offered]
    if unknown:
        raise CandleDataError(f"{source.describe()}: unknown symbol(s) {unknown}; available: {offered}")
    candles = source.load(symbols or offered)
    rows = newest_rows(compute_features(candles), symbols)
    if rows.empty:
        raise CandleDataError("too few candles to compute features (each symbol needs more than 100)")
    return compute_signals(ensemble, rows, horizon=horizon, source=origin)
