"""`make drift-demo` end to end (on fewer candles than its default, to keep the suite quick)."""

import json
import subprocess
import sys

import pytest


@pytest.mark.e2e
def test_the_demo_shows_the_sensor_firing_only_on_drift_and_the_models_retraining(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "blofin_assets.cli", "drift-demo", "--candles", "1500"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    steps = done.stdout.split("=== ")
    assert "no retraining requested" in steps[2] and "no retraining requested" in steps[4]
    assert "retrain " in steps[3] and "feature_drift" in steps[3]
    decisions = [line for line in steps[3].splitlines() if ": replaced - " in line or ": kept - " in line]
    requested = [line for line in steps[3].splitlines() if line.strip().startswith("retrain ")]
    assert len(decisions) == len(requested) >= 1
    log = json.loads((tmp_path / ".drift_demo" / "models" / "retrain_log.json").read_text())["entries"]
    assert sum(e["decision"] in ("replaced", "kept") for e in log) == len(decisions)
