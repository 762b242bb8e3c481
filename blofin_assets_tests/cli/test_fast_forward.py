"""`blofin fast-forward`: the live loop on a simulated clock, through the project's schedules,
jobs and drift_sensor, in a real instance, by the real CLI; `make drift-demo` is one, in a
folder of its own."""

import re
import subprocess
import sys

import dagster as dg
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from blofin_assets.defs.simulated_clock import SIMULATED_TIME
from blofin_assets_tests.conftest import quick_yaml

LINE = re.compile(r"^(\d\d-\d\d \d\d:\d\d)  (\S+)\s+(.*)$")


def timeline(stdout: str) -> list[tuple[str, str, str]]:
    return [match.groups() for match in map(LINE.match, stdout.splitlines()) if match]


@pytest.mark.e2e
def test_the_drift_demo_shows_a_planted_regime_change_in_the_timeline_retrained_at_the_next_daily_tick(isolated_env):
    # A market the models learn to trend-follow (momentum 0.6), turned mean-reverting an hour
    # after the clock starts at 13:30. Signals are recorded every hour from 14:05; a signal's
    # outcome arrives 5 bars after its candle; by 00:15 (daily_refresh) the candles 13:00-18:00
    # have outcomes, 18 per model, above min_outcomes 12: the live record shows the drop then.
    config = isolated_env / "run.yaml"
    config.write_text("resources:\n  candle_source: {config: {candles_per_symbol: 1000}}\n" + quick_yaml(prediction_outcomes="{config: {min_outcomes: 12}}"))
    done = subprocess.run(
        # the demo's regime change (momentum 0.6 reversed an hour in) without its volatility tripling
        [sys.executable, "-m", "blofin_assets.cli", "drift-demo", "--hours", "12", "--start", "2026-03-02T13:30Z", "--shift-volatility", "1", "-c", str(config)],
        cwd=isolated_env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = timeline(done.stdout)
    assert lines[0][1] == "training" and "materialized" in lines[1][2]  # no models yet: trained at 13:30

    hourly = [(when, rest) for when, what, rest in lines if what == "hourly_predictions"]
    assert [when for when, _ in hourly] == [f"03-0{2 + (h > 23)} {h % 24:02d}:05" for h in range(14, 26)]
    # each hour one new candle (the bar closed by then) and a signal per model and symbol
    assert [re.search(r"candle (\d\d:\d\d)", rest).group(1) for _, rest in hourly] == [f"{h % 24:02d}:00" for h in range(13, 25)]
    assert all(" 21 signals recorded" in rest for _, rest in hourly)  # 3 symbols x (6 models + the ensemble)
    outcomes = [int(re.search(r"outcomes (\d+)", rest).group(1)) for _, rest in hourly]
    assert outcomes[:4] == [0, 0, 0, 0] and outcomes[10] > outcomes[5] > 0  # none before the horizon passed

    daily = [rest for when, what, rest in lines if what == "daily_refresh"]
    assert len(daily) == 1 and "live_performance" in daily[0]
    retrained = [(when, rest) for when, what, rest in lines if what == "retraining"]
    assert retrained and all(when == "03-03 00:15" for when, _ in retrained)
    assert all(re.search(r" (replaced|kept): ", rest) for _, rest in retrained)

    demo = isolated_env / ".drift_demo"
    with dg.DagsterInstance.from_config(str(demo / "dagster_home")) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(tags={SIMULATED_TIME: "2026-03-03T00:15:00+00:00"}))
        retrain_runs = [r for r in runs if r.tags.get("blofin/retrain") == "true"]
        assert len(retrain_runs) == len(retrained) and all(r.status == dg.DagsterRunStatus.SUCCESS for r in retrain_runs)
        assert all(r.tags["blofin/reason"].startswith("live_performance") for r in retrain_runs)
        hourly_runs = instance.get_runs(filters=dg.RunsFilter(job_name="hourly_predictions_job"))
        assert len(hourly_runs) == 12 and all(r.tags["dagster/schedule_name"] == "hourly_predictions" for r in hourly_runs)
    with create_engine(f"sqlite:///{demo / 'results.db'}").connect() as db:
        candles = pd.read_sql(text("SELECT DISTINCT candle_time FROM ml_predictions"), db)["candle_time"]
    assert len(candles) == 13  # the training run's newest candle (12:00), then one per hour


def test_a_source_that_cannot_follow_a_simulated_clock_is_refused(isolated_env, monkeypatch):
    folder = isolated_env / "candles"
    folder.mkdir()
    monkeypatch.setenv("BLOFIN_CANDLES_DIR", str(folder))
    done = subprocess.run(
        [sys.executable, "-m", "blofin_assets.cli", "fast-forward", "--hours", "2"], cwd=isolated_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "only the embedded synthetic market follows a simulated clock" in done.stderr


@pytest.mark.parametrize(
    ("options", "said"),
    [(["--hours", "0"], "--hours must be 1 to"), (["--hours", "5", "--start", "soon"], "--start must be now or a time"),
     (["--hours", "5", "--shift-after", "9"], "--shift-after must be 0 to --hours")],
)
def test_bad_options_are_refused_before_anything_runs(isolated_env, options, said):
    done = subprocess.run([sys.executable, "-m", "blofin_assets.cli", "fast-forward", *options], cwd=isolated_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and said in done.stderr
    with dg.DagsterInstance.get() as instance:
        assert not instance.get_runs()  # no run was made
