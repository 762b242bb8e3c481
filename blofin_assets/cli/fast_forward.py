"""`blofin fast-forward --hours N`: the live loop on a simulated clock, through Dagster.

Hour by simulated hour, what the daemon would do at that time: each schedule whose cron falls
due is evaluated and its run executed (hourly_predictions: the new candle of each symbol, the
signals recorded, the outcomes that arrived and the live figures; daily_refresh: monitoring
and drift decisions), then drift_sensor is evaluated and every retraining run it asks for is
executed. The embedded market follows the simulated clock, so each hour brings one new candle
per symbol, as an exchange would. The runs go to the project's instance (tagged
blofin/simulated_time): `make ui` shows them afterwards, in Runs and in the assets' plots.

    blofin fast-forward --hours 30
    blofin fast-forward --hours 30 --shift-after 2 --shift-volatility 3   # volatility triples
    blofin fast-forward --hours 30 --planted-momentum 0.6 --shift-after 1 --shift-volatility 1
        # a market the models learn to trend-follow, turned mean-reverting an hour in

With no released models it first trains every model, at the simulated start. It is not the
replay: that backtests the live loop over history; this runs it forward from now.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd
import yaml

MAX_HOURS = 24 * 62


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="blofin fast-forward", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=int, required=True, help=f"simulated hours to run (1 to {MAX_HOURS})")
    parser.add_argument("--start", default="now", help="the simulated clock's start: now (default) or a time, e.g. 2026-01-01T18:00Z")
    parser.add_argument("--shift-after", type=float, help="plant a regime change: from this many simulated hours on, the market's volatility is multiplied")
    parser.add_argument("--shift-volatility", type=float, default=3.0, help="the planted change's volatility factor (default 3; 1 leaves volatility alone)")
    parser.add_argument("--planted-momentum", type=float, help="an autocorrelation planted in the market (-0.8 to 0.8), reversed by the shift: a signal the models learn, then lose")
    parser.add_argument("-c", "--config", action="append", default=[], help="run config YAML for every run (repeatable), as dagster's -c")
    args = parser.parse_args(argv)
    if not 1 <= args.hours <= MAX_HOURS:
        parser.error(f"--hours must be 1 to {MAX_HOURS}, got {args.hours}")
    if args.shift_after is not None and not 0 <= args.shift_after <= args.hours:
        parser.error(f"--shift-after must be 0 to --hours ({args.hours}), got {args.shift_after}")
    return args


def run_config(files: list[str], shift_at: pd.Timestamp | None, shift_volatility: float, planted_momentum: float | None) -> dict:
    """The run config every run gets: the files merged in order, then the planted market."""
    config: dict = {}
    for file in files:
        merge(config, yaml.safe_load(Path(file).read_text()) or {})
    market = {} if planted_momentum is None else {"planted_momentum": planted_momentum}
    if shift_at is not None:
        market |= {"shift_at": shift_at.isoformat(), "shift_volatility": shift_volatility}
    if market:
        merge(config, {"resources": {"candle_source": {"config": market}}})
    return config


def merge(into: dict, update: dict) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


def clock_start(value: str) -> pd.Timestamp:
    from blofin_assets.market.synthetic import utc

    try:
        stamp = pd.Timestamp.now(tz="UTC") if value == "now" else utc(value)
    except ValueError:
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ValueError(f"--start must be now or a time such as 2026-01-01T18:00Z, got {value!r}")
    return stamp


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        start = clock_start(args.start)
        shift_at = None if args.shift_after is None else start + pd.Timedelta(hours=args.shift_after)
        config = run_config(args.config, shift_at, args.shift_volatility, args.planted_momentum)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from blofin_assets import settings
    from blofin_assets.defs.simulated_clock import SIMULATED_TIME, SimulatedClockError, SimulatedLoop

    if not settings.dagster_home_set():
        print("error: DAGSTER_HOME is not set: run it in the project folder (make writes its .env) or export DAGSTER_HOME", file=sys.stderr)
        return 2

    try:
        loop = SimulatedLoop(config)
    except SimulatedClockError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"simulated clock from {start:%Y-%m-%d %H:%M} UTC for {args.hours} h; {loop.describe()}", flush=True)
    if args.planted_momentum:
        print(f"planted momentum: autocorrelation {args.planted_momentum:+g} added to the market", flush=True)
    if shift_at is not None:
        reversed_ = ", the planted momentum reversed" if args.planted_momentum else ""
        print(f"planted regime change from {shift_at:%Y-%m-%d %H:%M} UTC: volatility x{args.shift_volatility:g}{reversed_}", flush=True)
    previous = os.environ.get("BLOFIN_SYNTHETIC_END")
    try:
        for line in loop.run(start, start + pd.Timedelta(hours=args.hours)):
            print(line, flush=True)
    finally:
        if previous is None:
            os.environ.pop("BLOFIN_SYNTHETIC_END", None)
        else:
            os.environ["BLOFIN_SYNTHETIC_END"] = previous
    print(f"\nthe runs are in {loop.home} (make ui: Runs, tag {SIMULATED_TIME})")
    if loop.failed:
        print(f"{loop.failed} run(s) failed: their errors are above and in the UI", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
