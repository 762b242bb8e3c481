"""`make bench`: the whole asset graph on synthetic data at several sizes.

Each size runs in its own process (so peak memory is that size's own) and materializes every
asset in-process on a throwaway instance and models folder. Prints per size the wall time of
the run, each asset's compute time and the peak resident memory of the process while that
asset ran (sampled every 20 ms from /proc), then one JSON line with all figures.

    python -m benchmarks.graph                  # 5k, 50k, 100k candles in total
    python -m benchmarks.graph --sizes 20000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SYMBOLS = ("BTC-USDT", "ETH-USDT", "SOL-USDT")


def symbols_for(count: int) -> tuple[str, ...]:
    """The three real-looking symbols, then generic ones (the synthetic market makes any)."""
    return (SYMBOLS + tuple(f"S{i:02d}-USDT" for i in range(count)))[:count]
DEFAULT_SIZES = (5_000, 50_000, 100_000)
TARGET_100K_SECONDS = 60.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


class RssSampler(threading.Thread):
    """Samples this process's resident memory so each step's peak can be read afterwards."""

    def __init__(self, every: float = 0.02):
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[tuple[float, float]] = []
        self._done = threading.Event()

    @staticmethod
    def rss_mb() -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def run(self) -> None:
        while not self._done.is_set():
            self.samples.append((time.time(), self.rss_mb()))
            time.sleep(self.every)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def peak_between(self, start: float, end: float) -> float | None:
        inside = [mb for t, mb in self.samples if start <= t <= end]
        return max(inside) if inside else None


def run_one(total_candles: int, n_symbols: int = 3) -> dict:
    """Materialize the graph once in this process; return the figures."""
    import dagster as dg

    from blofin_assets.definitions import defs
    from blofin_assets.resources import CandleSource, ModelStoreResource, ResultsDatabase

    symbols = symbols_for(n_symbols)
    per_symbol = -(-total_candles // len(symbols))
    sampler = RssSampler() if Path("/proc/self/statm").exists() else None

    with tempfile.TemporaryDirectory() as tmp:
        resources = {
            "candle_source": CandleSource(symbols=list(symbols), candles_per_symbol=per_symbol),
            "model_store": ModelStoreResource(models_dir=f"{tmp}/models"),
            "results_db": ResultsDatabase(url=f"sqlite:///{tmp}/results.db"),
        }
        instance = dg.DagsterInstance.ephemeral(tempdir=tmp)
        if sampler:
            sampler.start()
        start = time.perf_counter()
        result = dg.materialize(defs.assets, resources=resources, instance=instance)
        wall = time.perf_counter() - start
        if sampler:
            sampler.stop()
        steps: dict[str, float] = {}
        step_peaks: dict[str, float | None] = {}
        started: dict[str, float] = {}
        for entry in instance.all_logs(result.run_id):
            event = entry.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type_value == "STEP_START":
                started[event.step_key] = entry.timestamp
            elif event.event_type_value == "STEP_SUCCESS":
                steps[event.step_key] = entry.timestamp - started[event.step_key]
                if sampler:
                    step_peaks[event.step_key] = sampler.peak_between(started[event.step_key], entry.timestamp)
        estimators = {}
        for event in result.get_asset_materialization_events():
            meta = event.materialization.metadata
            if "estimator" in meta:
                estimators[event.asset_key.to_user_string()] = meta["estimator"].value
    return {
        "total_candles": per_symbol * len(symbols),
        "symbols": len(symbols),
        "wall_seconds": round(wall, 2),
        "asset_seconds": {k: round(v, 3) for k, v in steps.items()},
        "asset_peak_rss_mb": {k: (round(v, 1) if v else None) for k, v in step_peaks.items()},
        "peak_rss_mb": round(_peak_mb(), 1),
        "estimators": estimators,
        "success": result.success,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--symbols", type=int, default=3, help="symbols the candles are spread over")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.symbols)))
        return 0

    results = []
    for size in args.sizes:
        print(f"benchmark: whole graph on {size:,} candles ...", flush=True)
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.graph", "--one", str(size), "--symbols", str(args.symbols)],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        if done.returncode != 0:
            errors = [line for line in done.stderr.splitlines() if " - DEBUG - " not in line]
            print("\n".join(errors[-60:]), file=sys.stderr)
            return 1
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(figures)
        print(f"  wall {figures['wall_seconds']:.1f} s, peak memory {figures['peak_rss_mb']:.0f} MB")
        for asset, seconds in sorted(figures["asset_seconds"].items(), key=lambda kv: -kv[1]):
            estimator = figures["estimators"].get(asset, "")
            peak = figures["asset_peak_rss_mb"].get(asset)
            memory = f"{peak:6.0f} MB" if peak else "     - MB"
            print(f"    {asset:32s} {seconds:7.2f} s {memory}  {estimator}")
    largest = max(results, key=lambda r: r["total_candles"])
    verdict = {
        "target_100k_seconds": TARGET_100K_SECONDS,
        "met": all(r["wall_seconds"] < TARGET_100K_SECONDS for r in results if r["total_candles"] <= 100_002),
    }
    print(f"largest size: {largest['total_candles']:,} candles in {largest['wall_seconds']:.1f} s")
    print(json.dumps({"benchmark": "graph", "results": results, **verdict}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
