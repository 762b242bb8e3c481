"""`blofin summary` without results says what to do."""

import subprocess
import sys


def test_summary_without_results_says_what_to_do(isolated_env):
    done = subprocess.run([sys.executable, "-m", "blofin_assets.cli", "summary"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "make run" in done.stderr


def test_an_unknown_command_lists_the_commands():
    done = subprocess.run([sys.executable, "-m", "blofin_assets.cli", "train"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown command 'train'; commands: symbols, predict, serve, ui, summary, fetch, drift-demo, fast-forward, write-candles" in done.stderr


def test_the_live_record_line_says_what_the_signals_not_judged_are():
    """Signals recorded by earlier model versions are not judged against the current ones: the
    line says how many there are instead of leaving them unexplained."""
    import json

    from blofin_assets.cli.summary import live_lines

    judged = {"direction_predictor": {"n": 0, "pending": 3}, "ensemble": {"n": 0, "pending": 3}}
    row = {"metrics_json": json.dumps({"live_record": judged, "recorded": 20, "current": 6})}
    (line,) = live_lines([row])
    assert line.startswith("Live record: 20 signal(s) recorded in ml_predictions, 14 of them by earlier model versions")
    assert line.endswith("no outcomes yet (6 waiting for their horizon to pass)")
    row = {"metrics_json": json.dumps({"live_record": judged, "recorded": 6, "current": 6})}
    assert "earlier" not in live_lines([row])[0]
