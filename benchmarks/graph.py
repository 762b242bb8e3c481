"""`make bench`, part one: the whole asset graph on synthetic data.

1. At 5k, 50k and 100k candles (3 symbols): wall time, each asset's time and peak memory
   (target: 100k in under 30 s, Dagster's own overhead included).
2. At 20k candles, the project's configuration against the original pipeline's (every model
   on its exact estimator), same data, same code path: the ratio of wall times and each
   model's held-out skill for both (target: at least 10x faster, skill no worse than the
   original's beyond two walk-forward standard deviations).
3. At 1M candles (20 symbols x 50k): wall time and peak memory (targets: under 150 s, under
   3 GB); and at 5M (100 symbols x 50k): completes under 4 GB, its time reported.
Each run is a fresh process, so its peak memory is its own. One JSON line with every figure
comes last.

    python -m benchmarks.graph                                  # all of it (about 17 minutes, 11 of them the 5M run)
    python -m benchmarks.graph --sizes 20000 --compare-at 0 --scale-candles 0 --large-candles 0
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.measure import run_graph

DEFAULT_SIZES = (5_000, 50_000, 100_000)
TARGET_100K_SECONDS = 30.0
TARGET_SPEEDUP = 10.0
TARGET_SCALE_SECONDS, TARGET_SCALE_MB = 150.0, 3072.0
TARGET_LARGE_MB = 4096.0


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def measured(size: int, symbols: int, original: bool = False) -> dict:
    """run_graph in a fresh process (its own peak memory)."""
    command = [sys.executable, "-m", "benchmarks.graph", "--one", str(size), "--symbols", str(symbols)]
    done = subprocess.run(
        command + (["--original"] if original else []),
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if " - DEBUG - " not in line]
        raise RuntimeError("\n".join(errors[-60:]))
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(figures: dict) -> None:
    print(f"  wall {figures['wall_seconds']:.1f} s, peak memory {figures['peak_rss_mb']:.0f} MB")
    for asset, seconds in sorted(figures["asset_seconds"].items(), key=lambda kv: -kv[1]):
        estimator = figures["estimators"].get(asset, "")
        peak = figures["asset_peak_rss_mb"].get(asset)
        memory = f"{peak:6.0f} MB" if peak else "     - MB"
        print(f"    {asset:32s} {seconds:7.2f} s {memory}  {estimator}")


def compare(ours: dict, original: dict) -> dict:
    """Speed-up, and per model whether our held-out skill is no worse beyond the noise."""
    rows = {}
    for name, mine in ours["models"].items():
        theirs = original["models"][name]
        noise = 2 * max(mine["wf_skill_std"] or 0.0, theirs["wf_skill_std"] or 0.0)
        rows[name] = {
            "metric": mine["metric"],
            "project": mine["value"],
            "original": theirs["value"],
            "project_skill": mine["skill"],
            "original_skill": theirs["skill"],
            "noise": noise,
            "no_worse": mine["skill"] >= theirs["skill"] - noise,
        }
    speedup = original["wall_seconds"] / ours["wall_seconds"]
    return {
        "candles": ours["total_candles"],
        "project_seconds": ours["wall_seconds"],
        "original_seconds": original["wall_seconds"],
        "speedup": round(speedup, 2),
        "models": rows,
        "met": speedup >= TARGET_SPEEDUP and all(r["no_worse"] for r in rows.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(DEFAULT_SIZES))
    parser.add_argument("--symbols", type=int, default=3, help="symbols the candles of --sizes are spread over")
    parser.add_argument("--compare-at", type=int, default=20_000, help="candles for the comparison (0: skip)")
    parser.add_argument("--scale-candles", type=int, default=1_000_000, help="candles for the scale run (0: skip)")
    parser.add_argument("--scale-symbols", type=int, default=20)
    parser.add_argument("--large-candles", type=int, default=5_000_000, help="candles for the large run (0: skip)")
    parser.add_argument("--large-symbols", type=int, default=100)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--original", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_graph(args.one, args.symbols, args.original)))
        return 0

    report: dict = {"benchmark": "graph", "results": []}
    by_size = {}
    for size in args.sizes:
        print(f"benchmark: whole graph on {size:,} candles ...", flush=True)
        figures = by_size[size] = measured(size, args.symbols)
        report["results"].append(figures)
        show(figures)
    report["target_100k_met"] = all(
        r["wall_seconds"] < TARGET_100K_SECONDS for r in report["results"] if r["total_candles"] <= 100_002
    )
    if any(90_000 <= r["total_candles"] <= 100_002 for r in report["results"]):
        print(f"  target: 100k candles under {TARGET_100K_SECONDS:g} s: {met(report['target_100k_met'])}")
    if args.compare_at:
        print(f"benchmark: {args.compare_at:,} candles, project configuration against the original ...", flush=True)
        # the project's side is the run above when it was the same size on 3 symbols
        ours = by_size[args.compare_at] if args.compare_at in by_size and args.symbols == 3 else measured(args.compare_at, 3)
        original = measured(args.compare_at, 3, original=True)
        comparison = compare(ours, original)
        report["comparison"] = {**comparison, "project_run": ours, "original_run": original}
        print(f"  project {ours['wall_seconds']:.1f} s, original {original['wall_seconds']:.1f} s: "
              f"{comparison['speedup']:.1f}x faster (target {TARGET_SPEEDUP:g}x, skill no worse): {met(comparison['met'])}")
        print(f"    {'model':22s} {'metric':8s} {'project':>10s} {'original':>10s}  skill project / original (noise)")
        for name, row in comparison["models"].items():
            verdict = "" if row["no_worse"] else "  WORSE"
            print(f"    {name:22s} {row['metric']:8s} {row['project']:10.4g} {row['original']:10.4g}  "
                  f"{row['project_skill']:+.3f} / {row['original_skill']:+.3f} (+-{row['noise']:.3f}){verdict}")
    if args.scale_candles:
        print(f"benchmark: {args.scale_candles:,} candles over {args.scale_symbols} symbols ...", flush=True)
        scale = measured(args.scale_candles, args.scale_symbols)
        report["scale"] = {
            **scale,
            "met": scale["wall_seconds"] < TARGET_SCALE_SECONDS and scale["peak_rss_mb"] < TARGET_SCALE_MB,
        }
        show(scale)
        print(f"  target: under {TARGET_SCALE_SECONDS:g} s and {TARGET_SCALE_MB / 1024:g} GB: {met(report['scale']['met'])}")
    if args.large_candles:
        print(f"benchmark: {args.large_candles:,} candles over {args.large_symbols} symbols ...", flush=True)
        large = measured(args.large_candles, args.large_symbols)
        report["large"] = {**large, "met": large["success"] and large["peak_rss_mb"] < TARGET_LARGE_MB}
        show(large)
        print(f"  target: completes under {TARGET_LARGE_MB / 1024:g} GB: {met(report['large']['met'])}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
