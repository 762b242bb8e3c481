"""`blofin ui` (what `make ui` runs) stops the UI, its daemon and its code servers within seconds
of Ctrl-C or SIGTERM, even when started the way scripts start it: with SIGINT ignored."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from blofin_assets_tests.test_ui import free_port

BLOFIN = Path(sys.executable).with_name("blofin")


def descendants(pid: int) -> set[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def ignore_sigint():
    """What a shell does to a command it starts in the background."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_ui_and_every_process_it_started_stop_within_seconds(isolated_env, signum):
    port = free_port()
    log = open(isolated_env / "ui.log", "w")
    launcher = subprocess.Popen(
        [str(BLOFIN), "ui", "--port", str(port)], cwd=isolated_env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True, preexec_fn=ignore_sigint,
    )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while True:  # the UI answers, and the daemon and code server have started
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                if len(descendants(launcher.pid)) >= 4:  # dagster dev, webserver, daemon, code server
                    break
            except OSError:
                pass
            assert launcher.poll() is None, (isolated_env / "ui.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the UI did not start in 120 s"
            time.sleep(0.5)
        started = descendants(launcher.pid)

        os.killpg(launcher.pid, signum)  # as a terminal's Ctrl-C or `kill -TERM -<pgid>` does
        stopped_by = time.monotonic() + 15
        while (running(started) or launcher.poll() is None) and time.monotonic() < stopped_by:
            time.sleep(0.2)
        assert launcher.poll() is not None, "blofin ui still running 15 s after the signal"
        assert not running(started), f"still running 15 s after the signal: {sorted(running(started))}"
        assert "killing the rest" not in (isolated_env / "ui.log").read_text()  # a clean stop, not a kill
    finally:
        for pid in running(started | descendants(launcher.pid)) | ({launcher.pid} if launcher.poll() is None else set()):
            os.kill(pid, signal.SIGKILL)
        log.close()
