"""`make drift-demo`: the monitoring loop on the embedded data, start to finish.

1. Train and validate every model on the embedded market.
2. Two weeks later: the daily refresh on new candles from the same market. drift_sensor reads
   the decisions and requests nothing.
3. Two more weeks, but the market's volatility tripled the day after step 2's data ended:
   the daily refresh flags drift, the sensor requests retraining runs (tags say why), each
   runs champion vs challenger, and the retrain log says what was decided.
4. The sensor, asked again, requests nothing: each decision is acted on once.

Everything lives in .drift_demo/ (its own Dagster home, models and results database), so the
project's models are untouched. To look at it in the UI afterwards:
    DAGSTER_HOME=$PWD/.drift_demo/dagster_home BLOFIN_MODELS_DIR=$PWD/.drift_demo/models \\
    BLOFIN_DB_URL=sqlite:///$PWD/.drift_demo/results.db make ui
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import pandas as pd

DEMO = Path(".drift_demo").absolute()
BASE_CANDLES = 3000
TWO_WEEKS = 14 * 24


def _prepare() -> None:
    shutil.rmtree(DEMO, ignore_errors=True)
    (DEMO / "dagster_home").mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[2] / "config" / "dagster.yaml", DEMO / "dagster_home" / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(DEMO / "dagster_home")
    os.environ["BLOFIN_MODELS_DIR"] = str(DEMO / "models")
    os.environ["BLOFIN_DB_URL"] = f"sqlite:///{DEMO / 'results.db'}"
    os.environ.pop("BLOFIN_CANDLES_DIR", None)


def _say(step: str) -> None:
    print(f"\n=== {step}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="blofin drift-demo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candles", type=int, default=BASE_CANDLES, help="hourly candles per symbol to train on")
    base = parser.parse_args(argv).candles
    _prepare()
    import dagster as dg

    from blofin_assets.definitions import RESOURCES, defs
    from blofin_assets.defs.partitions import register_symbols
    from blofin_assets.defs.resources import CandleSourceResource
    from blofin_assets.market.synthetic import SyntheticMarket
    from blofin_assets.storage.retrain_log import read_retrain_log

    drift_sensor = defs.resolve_sensor_def("drift_sensor")

    def source(candles: int, shift_at: str | None = None) -> dict:
        config = {"candles_per_symbol": candles, **({"shift_at": shift_at} if shift_at else {})}
        return {"resources": {"candle_source": {"config": config}}}

    def tick(instance, cursor):
        result = drift_sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor))
        for request in result.run_requests:
            tags = request.tags
            print(
                f"  retrain {tags['blofin/model']}: {tags['blofin/reason']} ({tags['blofin/metric']}: "
                f"{tags['blofin/baseline']} -> {tags['blofin/current']}, {tags['blofin/severity']})"
            )
        if not result.run_requests:
            print(f"  no retraining requested ({result.skip_message or 'no model flagged'})")
        return result

    with dg.DagsterInstance.get() as instance:
        _say(f"1. training and validating on {base} hourly candles per symbol")
        every = register_symbols(instance, CandleSourceResource.from_run_config(source(base)).source())  # tags: all symbols
        # every asset but the replay, which retrains every month of history: not what this shows
        training = [key for key in defs.resolve_asset_graph().get_all_asset_keys() if key.to_user_string() != "signal_replay"]
        dg.materialize(defs.assets, selection=training, instance=instance, resources=RESOURCES, run_config=source(base), tags=every)
        daily = defs.resolve_job_def("daily_refresh_job")
        cursor = tick(instance, None).cursor

        _say("2. two weeks later: daily refresh, same market")
        daily.execute_in_process(instance=instance, resources=RESOURCES, run_config=source(base + TWO_WEEKS), tags=every)
        cursor = tick(instance, cursor).cursor or cursor

        start = pd.Timestamp(SyntheticMarket.start)
        shift_at = (start + pd.Timedelta(hours=base + TWO_WEEKS)).isoformat()
        _say(f"3. two more weeks; volatility tripled from {shift_at}: daily refresh")
        daily.execute_in_process(
            instance=instance, resources=RESOURCES, run_config=source(base + 2 * TWO_WEEKS, shift_at), tags=every
        )
        result = tick(instance, cursor)
        cursor = result.cursor or cursor
        for request in result.run_requests:
            dg.materialize(defs.assets, selection=request.asset_selection, tags=request.tags, instance=instance, resources=RESOURCES)
        for entry in read_retrain_log(DEMO / "models"):
            if entry["decision"] in ("replaced", "kept"):
                print(f"  {entry['model']}: {entry['decision']} - {entry['reason']}")

        _say("4. the sensor again")
        tick(instance, cursor)
    print(f"\nRetrain log: {DEMO / 'models' / 'retrain_log.json'}; the runs are in {DEMO / 'dagster_home'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
