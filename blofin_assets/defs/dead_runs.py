"""Runs whose process died (SIGKILL, out of memory, a power cut) stay STARTED in the instance
forever: nothing is left to report their end. Dagster's run monitoring cannot tell for runs
started from the CLI or by the default run launcher (it has no worker health check for them),
and a dead retraining run would hold the blofin/retrain queue slot for good.

Each event records the process that emitted it; a STARTED run whose RUN_START process no
longer exists (or whose process id now belongs to a process started after the run) is dead.
That is only decidable on the machine the run ran on, so ``dead_runs_sensor`` marks runs
failed only where the instance is local (SQLite storage) unless BLOFIN_REAP_DEAD_RUNS says
otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

CLOCK_SLACK_SECONDS = 2.0


def process_alive(pid: int, started_by: float) -> bool:
    """Whether process ``pid`` exists and is not a newer process that reused the id of one
    that existed at ``started_by`` (a Unix time)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    proc = Path(f"/proc/{pid}")
    try:
        # After the command name (which may hold spaces and parentheses): state, then 18
        # fields on, the start time in clock ticks after boot (proc(5)). A zombie (killed, not
        # yet reaped by its parent) still answers kill(pid, 0).
        fields = proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()
        started = boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return fields[0] != "Z" and started <= started_by + CLOCK_SLACK_SECONDS
    except (FileNotFoundError, IndexError, ValueError):
        return not proc.parent.is_dir()  # no /proc (not Linux): kill(pid, 0) is all there is


def boot_time() -> float:
    """When this machine booted (Unix time), from /proc/stat: the origin of a process's start
    time. (The timestamps of /proc/<pid> itself are set when the entry is first looked up, so
    a live process can look younger than it is.)"""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise ValueError("/proc/stat names no boot time")


def run_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    starts = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_START)
    return starts[0].dagster_event.pid if starts and starts[0].dagster_event else None


def dead_runs(instance: dg.DagsterInstance) -> list[tuple[dg.DagsterRun, int]]:
    """STARTED runs of this instance whose process is gone, with that process id."""
    dead = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        pid = run_pid(instance, record.dagster_run.run_id)
        if pid is None or record.start_time is None:
            continue
        if not process_alive(pid, record.start_time):
            dead.append((record.dagster_run, pid))
    return dead


def mark_dead_runs_failed(instance: dg.DagsterInstance) -> list[str]:
    """Mark each dead run failed, saying why; the run ids marked."""
    marked = []
    for run, pid in dead_runs(instance):
        instance.report_run_failed(
            run, f"its process (pid {pid}) ended without reporting the end of the run (killed?): marked failed"
        )
        marked.append(run.run_id)
    return marked
