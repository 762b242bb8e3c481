"""`make drift-demo`: the monitoring loop on the embedded data, start to finish, in its own folder.

`blofin fast-forward` on a planted regime change: the market trends (an autocorrelation the
models learn) until an hour after the clock starts, then reverts and its volatility triples.
Over two simulated days the timeline shows the signals recorded each hour and their outcomes
arriving, live accuracy falling below the held-out figure, the daily refresh deciding to
retrain (each decision says which measurement triggered it: here the live record),
drift_sensor requesting the runs, each deciding champion against challenger, and the next
day's refresh.

Everything lives in .drift_demo/ (its own Dagster home, models and results database), so the
project's models are untouched. Any fast-forward option after it replaces the demo's. To look
at it in the UI afterwards:
    DAGSTER_HOME=$PWD/.drift_demo/dagster_home BLOFIN_MODELS_DIR=$PWD/.drift_demo/models \\
    BLOFIN_DB_URL=sqlite:///$PWD/.drift_demo/results.db make ui
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pandas as pd

DEMO = Path(".drift_demo").absolute()
# From midnight, so the first daily refresh comes a day in, with enough outcomes to judge.
DEMO_OPTIONS = ["--hours", "48", "--planted-momentum", "0.6", "--shift-after", "1", "--shift-volatility", "3"]


def _prepare() -> None:
    shutil.rmtree(DEMO, ignore_errors=True)
    (DEMO / "dagster_home").mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[2] / "config" / "dagster.yaml", DEMO / "dagster_home" / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(DEMO / "dagster_home")
    os.environ["BLOFIN_MODELS_DIR"] = str(DEMO / "models")
    os.environ["BLOFIN_DB_URL"] = f"sqlite:///{DEMO / 'results.db'}"
    os.environ.pop("BLOFIN_CANDLES_DIR", None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    _prepare()
    from blofin_assets.cli import fast_forward

    start = pd.Timestamp.now(tz="UTC").floor("D") + pd.Timedelta(minutes=30)
    return fast_forward.main([*DEMO_OPTIONS, "--start", start.isoformat(), *argv])


if __name__ == "__main__":
    sys.exit(main())
