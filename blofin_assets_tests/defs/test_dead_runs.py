"""A run whose process is killed is marked failed by dead_runs_sensor, and a live one is not."""

import os
import signal
import subprocess
import sys
import time

import dagster as dg
import pytest

from blofin_assets.defs.dead_runs import process_alive
from blofin_assets.defs.sensors import build_dead_runs_sensor


def evaluate(instance) -> str:
    result = build_dead_runs_sensor()(dg.build_sensor_context(instance=instance))
    return result.skip_message if isinstance(result, dg.SkipReason) else str(result)


def test_a_killed_run_is_marked_failed_and_a_live_one_left_alone(isolated_env):
    worker = subprocess.Popen(
        [sys.executable, "-m", "blofin_assets_tests.fakes.slow_run"], cwd=isolated_env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout.readline().strip() == "STARTED"
        with dg.DagsterInstance.get() as instance:
            (run,) = instance.get_runs()
            assert run.status == dg.DagsterRunStatus.STARTED
            assert evaluate(instance) == "no run whose process died"  # alive: left alone
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED  # what Dagster leaves
            assert evaluate(instance) == f"1 dead run(s) marked failed: {run.run_id}"
            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
            log = [e.message for e in instance.all_logs(run.run_id)]
            assert any(f"its process (pid {worker.pid}) ended without reporting the end of the run" in m for m in log)
            assert evaluate(instance) == "no run whose process died"  # marked once
    finally:
        worker.kill()


def test_a_process_id_reused_by_a_newer_process_counts_as_dead():
    me = os.getpid()
    assert process_alive(me, started_by=9e9)
    assert not process_alive(me, started_by=0.0)  # this process started long after 1970
    assert not process_alive(2**22 + 12345, started_by=9e9)  # above pid_max: no such process


def test_a_killed_process_not_yet_reaped_counts_as_dead():
    child = subprocess.Popen(["sleep", "60"])
    try:
        assert process_alive(child.pid, started_by=9e9)
        child.kill()
        time.sleep(0.5)  # dead, but a zombie until waited for
        os.kill(child.pid, 0)  # the zombie still answers ...
        assert not process_alive(child.pid, started_by=9e9)  # ... and is not taken for alive
    finally:
        child.wait()


def test_on_an_instance_that_may_span_machines_the_sensor_does_nothing_unless_told(monkeypatch):
    with dg.DagsterInstance.ephemeral() as instance:  # not SQLite: runs may be elsewhere
        assert "not local" in evaluate(instance)
        monkeypatch.setenv("BLOFIN_REAP_DEAD_RUNS", "on")
        assert evaluate(instance) == "no run whose process died"
        monkeypatch.setenv("BLOFIN_REAP_DEAD_RUNS", "maybe")
        with pytest.raises(ValueError, match="BLOFIN_REAP_DEAD_RUNS must be on, off or auto"):
            evaluate(instance)


def test_a_live_process_whose_proc_entry_is_first_looked_up_late_is_alive():
    """/proc/<pid>'s own timestamps are set when the entry is first looked up: a run's process
    seen for the first time seconds after it started must not look newer than the run."""
    started_by = time.time()
    child = subprocess.Popen(["sleep", "60"])  # nothing has looked at /proc/<pid> yet
    try:
        time.sleep(3.0)  # more than the clock slack
        assert process_alive(child.pid, started_by=started_by)
    finally:
        child.kill()
        child.wait()
