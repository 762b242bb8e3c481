"""`make bench`: every benchmark in one run, then each target beside its figure and one JSON line
with all of it.

The parts (graph, replay, predict, live, tuning) each run in their own process, as `python -m
benchmarks.<part>` would, their output shown as it comes; their own JSON lines are gathered
into the last line. Run it on an otherwise idle machine: figures taken beside other heavy
work are meaningless.

    python -m benchmarks            # everything (about 32 minutes on 2 cores, 17 of them the 5M run)
    python -m benchmarks --quick    # the same report on small sizes, the comparison too (a check that it runs)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks import graph, live, predict, replay

QUICK = {
    "graph": ["--sizes", "2000", "--compare-at", "2000", "--scale-candles", "0", "--large-candles", "0"],
    "predict": ["--calls", "1000", "--candles", "800"],
    "live": ["--symbols", "3", "--candles", "500", "--requests", "50"],
    "tuning": ["--trials", "2", "--candles", "800", "--models", "direction_predictor"],
    "replay": ["--candles", "6000", "--retrain-days", "10"],
}


# The embedded market's first bars, not the ones closed by now: the same data in every run, so
# figures compare across days.
os.environ.setdefault("BLOFIN_SYNTHETIC_END", "fixed")


def run_part(part: str, args: list[str]) -> dict:
    """``python -m benchmarks.<part> args``, its output passed through; its last line as JSON."""
    process = subprocess.Popen(
        [sys.executable, "-m", f"benchmarks.{part}", *args],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        text=True,
    )
    last = ""
    for line in process.stdout:
        if line.strip():
            last = line
            if not line.startswith("{"):
                print(line, end="", flush=True)
    if process.wait() != 0:
        raise SystemExit(f"benchmarks.{part} failed (exit {process.returncode})")
    return json.loads(last)


def targets(report: dict) -> list[dict]:
    """(figure, measured, target, met) for every target the parts measured."""
    rows = []

    def add(figure: str, value: str, target: str, ok: bool) -> None:
        rows.append({"figure": figure, "measured": value, "target": target, "met": bool(ok)})

    for result in report["graph"]["results"]:
        if 90_000 <= result["total_candles"] <= 100_002:
            seconds = result["wall_seconds"]
            add("whole graph, 100k candles (3 symbols)", f"{seconds:.1f} s", f"< {graph.TARGET_100K_SECONDS:g} s", seconds < graph.TARGET_100K_SECONDS)
    if "comparison" in report["graph"]:
        comparison = report["graph"]["comparison"]
        worse = [name for name, row in comparison["models"].items() if not row["no_worse"]]
        add(
            f"{comparison['candles']:,} candles against the original configuration",
            f"{comparison['speedup']:.1f}x" + (f", worse: {', '.join(worse)}" if worse else ", every model's skill no worse"),
            f">= {graph.TARGET_SPEEDUP:g}x, skill no worse",
            comparison["met"],
        )
    for key, goal in (
        ("scale", f"< {graph.TARGET_SCALE_SECONDS:g} s, < {graph.TARGET_SCALE_MB / 1024:g} GB"),
        ("large", f"completes, < {graph.TARGET_LARGE_MB / 1024:g} GB"),
    ):
        if key in report["graph"]:
            run = report["graph"][key]
            add(
                f"whole graph, {run['total_candles']:,} candles ({run['symbols']} symbols)",
                f"{run['wall_seconds']:.0f} s, {run['peak_rss_mb'] / 1024:.2f} GB",
                goal,
                run["met"],
            )
    one = report["predict"]["single_row_ms"]
    add("one row, five models + stacking", f"p50 {one['p50']:.3f} ms, p99 {one['p99']:.3f} ms",
        f"p50 < {predict.TARGET_P50_MS:g} ms, p99 < {predict.TARGET_P99_MS:g} ms", report["predict"]["single_row_met"])
    rate = report["predict"]["batch_rows_per_second"]
    add("batch prediction", f"{rate:,} rows/s", f"> {predict.TARGET_ROWS_PER_SECOND:,} rows/s", report["predict"]["batch_met"])
    run = report["replay"]
    add(f"replay of the live loop, {run['candles']:,} candles ({run['symbols']} symbols, {run['periods']} periods)",
        f"{run['wall_seconds']:.0f} s, {run['fits']} fits / {run['distinct_fits']} windows", f"< {replay.TARGET_SECONDS:g} s, each fit once", run["met"])
    hourly = report["live"]
    add(f"hourly prediction run, {hourly['symbols']} symbols", f"{hourly['hourly_run_seconds']:.2f} s",
        f"< {live.TARGET_HOURLY_SECONDS:g} s", hourly["hourly_target_met"])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: checks that every part runs and reports")
    args = parser.parse_args(argv)
    report = {part: run_part(part, QUICK[part] if args.quick else []) for part in ("graph", "replay", "predict", "live", "tuning")}
    report["targets"] = targets(report)
    print("\ntargets:")
    for row in report["targets"]:
        print(f"  {row['figure']:48s} {row['measured']:44s} target {row['target']:28s} {graph.met(row['met'])}")
    print("  make test from a fresh clone: measured by CI (bash .ci/run), not here; see README")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
