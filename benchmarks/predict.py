"""`make bench`, part two: prediction speed of the five models and the ensemble.

Trains the five models on the embedded market (default size), builds a stacking ensemble
(which needs every member's output), then measures:
- one row at a time through all five members and the stacking ensemble, >= 1000 calls after 50
  of warm-up: p50 and p99 latency, for a row of numbers (`predict_matrix`, what a caller
  holding the feature values pays) and for a one-row feature frame (`predict`, which adds
  pandas' cost of reading the columns and building the answer); each member's p50;
- batches: the same over 100,000 rows at once: rows per second.
Targets: one row p50 under 1 ms and p99 under 3 ms; over 1M rows/s in batch.
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

TARGET_P50_MS, TARGET_P99_MS = 1.0, 3.0
TARGET_ROWS_PER_SECOND = 1_000_000
BATCH_ROWS = 100_000


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


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

    frames = [features.iloc[[i]] for i in range(len(features) - 500, len(features))]
    matrix = features[ensemble.feature_columns].to_numpy(dtype=np.float64)
    numbers = [matrix[[i]] for i in range(len(features) - 500, len(features))]
    one_row = _timed(ensemble.predict_matrix, numbers, args.calls)
    one_frame = _timed(ensemble.predict, frames, args.calls)
    members = {
        name: float(np.median(_timed(lambda r, m=model: m.ensemble_array(r), numbers, args.calls)))
        for name, model in ensemble.members.items()
    }
    batch = np.vstack([matrix] * (BATCH_ROWS // len(matrix) + 1))[:BATCH_ROWS]
    ensemble.predict_matrix(batch[:1000])
    start = time.perf_counter()
    ensemble.predict_matrix(batch)
    rows_per_second = BATCH_ROWS / (time.perf_counter() - start)

    def spread(times: np.ndarray) -> dict:
        return {"p50": round(float(np.median(times)), 3), "p99": round(float(np.percentile(times, 99)), 3)}

    figures = {
        "benchmark": "predict",
        "single_row_ms": spread(one_row),
        "single_frame_row_ms": spread(one_frame),
        "member_p50_ms": {k: round(v, 3) for k, v in members.items()},
        "batch_rows_per_second": round(rows_per_second),
        "estimators": {name: model.estimator_used_ for name, model in ensemble.members.items()},
        "calls": args.calls,
    }
    row = figures["single_row_ms"]
    figures["single_row_met"] = row["p50"] < TARGET_P50_MS and row["p99"] < TARGET_P99_MS
    figures["batch_met"] = rows_per_second > TARGET_ROWS_PER_SECOND
    frame = figures["single_frame_row_ms"]
    print(f"  one row of numbers, five models + stacking ensemble: p50 {row['p50']:.3f} ms, p99 {row['p99']:.3f} ms "
          f"over {args.calls} calls (target p50 < {TARGET_P50_MS:g} ms, p99 < {TARGET_P99_MS:g} ms): {met(figures['single_row_met'])}")
    print(f"  one-row feature frame, the same:                   p50 {frame['p50']:.3f} ms, p99 {frame['p99']:.3f} ms")
    for name, ms in figures["member_p50_ms"].items():
        print(f"    {name:22s} p50 {ms:.3f} ms")
    print(f"  batch of {BATCH_ROWS:,} rows: {rows_per_second:,.0f} rows/s (target > {TARGET_ROWS_PER_SECOND:,}): {met(figures['batch_met'])}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
