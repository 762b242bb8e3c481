"""`blofin summary` without results says what to do."""

import subprocess
import sys


def test_summary_without_results_says_what_to_do(isolated_env):
    done = subprocess.run([sys.executable, "-m", "blofin_assets.cli", "summary"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "make run" in done.stderr


def test_an_unknown_command_lists_the_commands():
    done = subprocess.run([sys.executable, "-m", "blofin_assets.cli", "train"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown command 'train'; commands: symbols, predict, serve, ui, summary, fetch, drift-demo, write-candles" in done.stderr
