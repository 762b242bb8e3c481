"""`make bench`, part five: the backtest that replays the live loop (trading/replay.py).

At 100k candles (3 symbols, hourly, about 3.8 years): every 30 days the five models are
retrained on the expanding window and the next 30 days predicted through the live code path,
then traded with costs. Wall time of the replay (data generation and imports not counted),
periods, fits and distinct (model, window) pairs fitted: each pair once. Target: under 3
minutes on 2 cores. The graph benchmark (benchmarks.graph) leaves the replay out, so its
figures stay those of the training graph; this one stands beside them.

    python -m benchmarks.replay [--candles 100000] [--symbols 3] [--retrain-days 30]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

TARGET_SECONDS = 180.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candles", type=int, default=100_000, help="candles in all, over the symbols")
    parser.add_argument("--symbols", type=int, default=3)
    parser.add_argument("--retrain-days", type=float, default=30.0)
    args = parser.parse_args(argv)

    import pandas as pd
    import torch  # noqa: F401  (imported before the clock, as the pipeline's process has it)

    from benchmarks.measure import peak_mb, symbols_for
    from blofin_assets.market.features import compute_features
    from blofin_assets.market.sources import SyntheticSource
    from blofin_assets.market.synthetic import SyntheticMarket
    from blofin_assets.ml.dataset import build_targets, model_table
    from blofin_assets.ml.models import model_names
    from blofin_assets.trading.replay import ReplaySettings, replay

    symbols = symbols_for(args.symbols)
    market = SyntheticMarket(symbols=symbols, candles_per_symbol=-(-args.candles // len(symbols)))
    candles = market.generate()
    features = compute_features(candles)
    table = model_table(features, build_targets(candles, features, horizon=5))
    funding = SyntheticSource(market).load_funding(candles)
    settings = ReplaySettings(retrain_every=pd.Timedelta(days=args.retrain_days))
    workers = os.cpu_count() or 1
    start = time.perf_counter()
    report = replay(table, funding, {name: {} for name in model_names()}, 5, settings=settings, workers=workers, progress=lambda line: None)
    wall = time.perf_counter() - start
    periods = report["periods"]
    fits = sum(len(p["versions"]) for p in periods)
    distinct = len({v for p in periods for v in p["versions"].values()})
    figures = {
        "candles": int(len(candles)),
        "symbols": len(symbols),
        "retrain_every_days": args.retrain_days,
        "periods": len(periods),
        "fits": fits,
        "distinct_fits": distinct,
        "workers": workers,
        "wall_seconds": round(wall, 1),
        "peak_rss_mb": round(peak_mb(), 1),
        "met": wall < TARGET_SECONDS and fits == distinct,
    }
    print(
        f"replay of the live loop, {figures['candles']:,} candles ({len(symbols)} symbols), retrained every {args.retrain_days:g} days: "
        f"{len(periods)} periods, {fits} fits of {distinct} distinct (model, window) pairs, {wall:.1f} s on {workers} worker(s), "
        f"peak memory {figures['peak_rss_mb']:.0f} MB"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
