"""`make bench`, part two: prediction speed of the five models and the ensemble.

Trains the five models on the embedded market (default size), builds a stacking ensemble
(which needs every member's output), then measures:
- one row at a time: every member's outputs plus the ensemble's signal, as live use calls it,
  >= 1000 calls after 50 of warm-up: p50 and p99 latency, and each member's p50;
- batches: the same over 100,000 rows at once: rows per second.
Targets: p50 under 5 ms for one row through the whole ensemble; over 100k rows/s in batch.
The meta-learner here is fitted on in-sample outputs: these figures are timings only.

    python -m benchmarks.predict [--calls 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pandas as pd

from blofin_assets.market.features import compute_features
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.ml.dataset import build_targets, model_table
from blofin_assets.ml.ensemble import EnsemblePredictor
from blofin_assets.ml.models import model_names
from blofin_assets.ml.training import train_model

TARGET_P50_MS = 5.0
TARGET_ROWS_PER_SECOND = 100_000
BATCH_ROWS = 100_000


def _timed(call, rows: list[pd.DataFrame], calls: int, warmup: int = 50) -> np.ndarray:
    for i in range(warmup):
        call(rows[i % len(rows)])
    times = np.empty(calls)
    for i in range(calls):
        row = rows[i % len(rows)]
        start = time.perf_counter()
        call(row)
        times[i] = time.perf_counter() - start
    return times * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--candles", type=int, default=SyntheticMarket.candles_per_symbol, help="candles per symbol to train on")
    args = parser.parse_args(argv)
    if args.calls < 1000:
        parser.error("--calls must be at least 1000")

    print(f"benchmark: training the five models on the embedded market ({args.candles} candles per symbol) ...", flush=True)
    candles = SyntheticMarket(candles_per_symbol=args.candles).generate()
    features = compute_features(candles)
    table = model_table(features, build_targets(candles, features))
    ensemble = EnsemblePredictor("stacking")
    for name in model_names():
        ensemble.add_model(train_model(name, table, 5).model, 0.5)
    train = table[table["split"] == "train"]
    ensemble.fit_meta(ensemble.member_outputs(train), train["target_direction"])

    rows = [features.iloc[[i]] for i in range(len(features) - 500, len(features))]
    whole = _timed(ensemble.predict, rows, args.calls)
    members = {
        name: float(np.median(_timed(lambda r, m=model: m.ensemble_outputs(r), rows, args.calls)))
        for name, model in ensemble.members.items()
    }
    batch = pd.concat([features] * (BATCH_ROWS // len(features) + 1), ignore_index=True).iloc[:BATCH_ROWS]
    ensemble.predict(batch.head(1000))
    start = time.perf_counter()
    ensemble.predict(batch)
    rows_per_second = BATCH_ROWS / (time.perf_counter() - start)

    figures = {
        "benchmark": "predict",
        "single_row_ms": {"p50": round(float(np.median(whole)), 3), "p99": round(float(np.percentile(whole, 99)), 3)},
        "member_p50_ms": {k: round(v, 3) for k, v in members.items()},
        "batch_rows_per_second": round(rows_per_second),
        "estimators": {name: model.estimator_used_ for name, model in ensemble.members.items()},
        "calls": args.calls,
    }
    figures["met"] = figures["single_row_ms"]["p50"] < TARGET_P50_MS and rows_per_second > TARGET_ROWS_PER_SECOND
    print(f"  one row, five models + stacking ensemble: p50 {figures['single_row_ms']['p50']:.2f} ms, "
          f"p99 {figures['single_row_ms']['p99']:.2f} ms over {args.calls} calls (target p50 < {TARGET_P50_MS} ms)")
    for name, ms in figures["member_p50_ms"].items():
        print(f"    {name:22s} p50 {ms:.3f} ms")
    print(f"  batch of {BATCH_ROWS:,} rows: {rows_per_second:,.0f} rows/s (target > {TARGET_ROWS_PER_SECOND:,})")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
