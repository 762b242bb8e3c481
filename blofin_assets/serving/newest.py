"""Signals for the newest candle of each symbol: every model's output and the ensemble's."""

from __future__ import annotations

import pandas as pd

from blofin_assets.market.features import compute_features
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.sources import CandleSource
from blofin_assets.ml.ensemble import EnsemblePredictor


def newest_rows(features: pd.DataFrame, symbols: list[str] | None = None) -> pd.DataFrame:
    """The newest feature row of each symbol (of ``symbols``, when given)."""
    available = sorted(features["symbol"].unique())
    if symbols:
        unknown = [s for s in symbols if s not in available]
        if unknown:
            raise CandleDataError(f"unknown symbol(s) {unknown}; available: {available}")
        features = features[features["symbol"].isin(symbols)]
    return features.sort_values("timestamp").groupby("symbol", sort=True).tail(1).sort_values("symbol")


def predict_newest(ensemble: EnsemblePredictor, rows: pd.DataFrame) -> list[dict]:
    """Each row's member outputs (in the API's shape) and the ensemble's signal."""
    signal = ensemble.predict(rows)
    outputs = {name: model.predict_outputs(rows) for name, model in ensemble.members.items()}
    return [
        {
            "symbol": row["symbol"],
            "timestamp": row["timestamp"].isoformat(),
            "close": float(row["close"]),
            "models": {name: ensemble.members[name].output_record(outputs[name].loc[index]) for name in outputs},
            "ensemble": {
                "direction": str(signal.loc[index, "direction"]),
                "confidence": float(signal.loc[index, "confidence"]),
                "p_up": float(signal.loc[index, "p_up"]),
            },
        }
        for index, row in rows.iterrows()
    ]


def newest_signals(ensemble: EnsemblePredictor, source: CandleSource, symbols: list[str] | None = None) -> list[dict]:
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
    return predict_newest(ensemble, rows)
