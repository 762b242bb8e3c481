"""Predict for the newest candle of each symbol: every model's output and the ensemble signal,
as JSON on stdout.

    python -m blofin_assets.predict                      # every symbol
    python -m blofin_assets.predict --symbol BTC-USDT    # one (repeat --symbol for more)

Candles come from $BLOFIN_CANDLES_DIR (or --candles-dir), else the embedded synthetic market;
models and the ensemble from $BLOFIN_MODELS_DIR (or --models-dir). The ensemble refuses to
run on models that changed since it was built.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

import pandas as pd

from blofin_assets import settings
from blofin_assets.market.features import compute_features
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.sources import load_candles
from blofin_assets.ml.api import format_output
from blofin_assets.ml.ensemble import EnsemblePredictor, EnsembleVersionError
from blofin_assets.ml.store import ModelIntegrityError, ModelNotFoundError, ModelStore


def newest_rows(features: pd.DataFrame, symbols: list[str] | None) -> pd.DataFrame:
    available = sorted(features["symbol"].unique())
    if symbols:
        unknown = [s for s in symbols if s not in available]
        if unknown:
            raise CandleDataError(f"unknown symbol(s) {unknown}; available: {available}")
        features = features[features["symbol"].isin(symbols)]
    return features.sort_values("timestamp").groupby("symbol", sort=True).tail(1).sort_values("symbol")


def predict_newest(ensemble: EnsemblePredictor, rows: pd.DataFrame) -> list[dict]:
    signal = ensemble.predict(rows)
    outputs = {name: model.predict_outputs(rows) for name, model in ensemble.members.items()}
    return [
        {
            "symbol": row["symbol"],
            "timestamp": row["timestamp"].isoformat(),
            "close": float(row["close"]),
            "models": {name: format_output(name, outputs[name].loc[index]) for name in outputs},
            "ensemble": {
                "direction": str(signal.loc[index, "direction"]),
                "confidence": float(signal.loc[index, "confidence"]),
                "p_up": float(signal.loc[index, "p_up"]),
            },
        }
        for index, row in rows.iterrows()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--symbol", action="append", help="symbol to predict (repeatable); default: all")
    parser.add_argument("--models-dir", help="default: $BLOFIN_MODELS_DIR or ./models")
    parser.add_argument("--candles-dir", help="default: $BLOFIN_CANDLES_DIR, else the synthetic market")
    args = parser.parse_args(argv)

    store = ModelStore(args.models_dir or settings.models_dir())
    try:
        ensemble = EnsemblePredictor.load(store.root / "ensemble", store)
        candles = load_candles(args.candles_dir or settings.candles_dir(), args.symbol)
        rows = newest_rows(compute_features(candles), args.symbol)
        if rows.empty:
            raise CandleDataError("too few candles to compute features (each symbol needs more than 100)")
        predictions = predict_newest(ensemble, rows)
    except (FileNotFoundError, ModelNotFoundError, EnsembleVersionError, ModelIntegrityError, CandleDataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "models_dir": str(store.root),
                "ensemble_type": ensemble.ensemble_type,
                "model_versions": ensemble.versions,
                "predictions": predictions,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
