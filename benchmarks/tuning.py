"""`make bench`, part four: a tuning run's time per trial (walk-forward CV on the training rows
of the embedded market), per tunable model.

    python -m benchmarks.tuning [--trials 10] [--candles 3000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--candles", type=int, default=3000, help="candles per symbol (3 symbols)")
    parser.add_argument("--models", nargs="*", help="default: every tunable model")
    args = parser.parse_args(argv)

    from blofin_assets.market.features import compute_features
    from blofin_assets.market.synthetic import SyntheticMarket
    from blofin_assets.ml.dataset import build_targets, model_table
    from blofin_assets.ml.models import MODEL_CLASSES
    from blofin_assets.ml.tuning import tune

    candles = SyntheticMarket(candles_per_symbol=args.candles).generate()
    features = compute_features(candles)
    table = model_table(features, build_targets(candles, features))
    per_trial = {}
    for name in args.models or [n for n, cls in MODEL_CLASSES.items() if cls.tunable()]:
        print(f"benchmark: tuning {name}, {args.trials} trials ...", flush=True)
        start = time.perf_counter()
        result = tune(name, table, 5, n_trials=args.trials, seed=0)
        seconds = time.perf_counter() - start
        per_trial[name] = round(seconds / len(result.trials), 2)
        print(f"  {name:22s} {per_trial[name]:6.2f} s per trial ({len(result.trials)} trials, adopted: {result.adopted})")
    print(json.dumps({"benchmark": "tuning", "trials": args.trials, "candles": 3 * args.candles, "seconds_per_trial": per_trial}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
