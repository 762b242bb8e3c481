"""A real run killed at several points between training and promotion: prediction goes on from
the last validated versions, exactly as before, and dead_runs_sensor marks the run failed."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from blofin_assets_tests.defs.test_dead_runs import evaluate
from blofin_assets_tests.conftest import quick_yaml
from blofin_assets_tests.test_end_to_end import DAGSTER, materialize_like_make_run

FAST = """
resources:
  candle_source: {config: {candles_per_symbol: 700, symbols: [BTC-USDT, ETH-USDT]}}
""" + quick_yaml()


def versions(models: Path) -> set[Path]:
    return {p for p in (models / ".versions").glob("*/*") if not p.name.startswith(".")}


def candidate_saved(models: Path, before: set[Path]) -> bool:
    return bool(versions(models) - before)


def candidate_validated(models: Path, before: set[Path]) -> bool:
    for folder in versions(models) - before:
        try:
            if "validation" in json.loads((folder / "metadata.json").read_text()):
                return True
        except (OSError, ValueError):  # being written
            pass
    return False


def predict(env, cwd) -> dict:
    done = subprocess.run([sys.executable, "-m", "blofin_assets.cli", "predict"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    output = json.loads(done.stdout)
    return {"versions": output["model_versions"], "ensemble": output["ensemble_version"], "signals": [p["ensemble"] for p in output["predictions"]]}


@pytest.mark.e2e
def test_a_run_killed_before_promotion_leaves_the_last_validated_release_serving(isolated_env):
    models = Path(os.environ["BLOFIN_MODELS_DIR"])
    config = isolated_env / "fast.yaml"
    config.write_text(FAST)
    env = dict(os.environ)
    first = materialize_like_make_run(env, "-c", str(config))
    assert first.returncode == 0, first.stderr[-3000:]
    release = (models / "release.json").read_bytes()
    serving = predict(env, isolated_env)
    symbols = subprocess.run([sys.executable, "-m", "blofin_assets.cli", "symbols", "-c", str(config)], cwd=isolated_env, env=env,
                             capture_output=True, text=True, timeout=120).stdout.strip()

    for point in (candidate_saved, candidate_validated):
        before = versions(models)
        run = subprocess.Popen(
            [str(DAGSTER), "asset", "materialize", "--select", "*", "-m", "blofin_assets.definitions", "-c", str(config), "--partition-range", symbols],
            cwd=isolated_env, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 300
            while not point(models, before):
                assert run.poll() is None, f"the run ended before {point.__name__}"
                assert time.monotonic() < deadline
                time.sleep(0.05)
        finally:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(timeout=30)
        # Candidates were written; nothing that serves changed.
        assert versions(models) - before
        assert (models / "release.json").read_bytes() == release, point.__name__
        assert predict(env, isolated_env) == serving, point.__name__
        with dg.DagsterInstance.get() as instance:
            (killed,) = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
            assert evaluate(instance) == f"1 dead run(s) marked failed: {killed.run_id}"
            assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
