"""The Dagster UI with its daemon (``dagster dev``), stopped within seconds by Ctrl-C or SIGTERM.

    blofin ui                     # http://127.0.0.1:3000
    blofin ui --port 3001

Why not ``dagster dev`` alone: started from a script or in the background, a process inherits
SIGINT ignored, and ``dagster dev`` copies SIGINT's handling onto SIGTERM, so neither signal
stopped it, its webserver, daemon or code servers. This launcher starts it in a process group of
its own with both signals at their defaults; on either signal it asks the group to stop the way
Ctrl-C does (SIGINT), and kills what is left after ``--grace`` seconds.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def restore_default_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def group_alive(pgid: int) -> bool:
    """Whether any process of the group is still running (zombies awaiting their parent are not)."""
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: ask the kernel, which counts zombies too
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def stop_group(child: subprocess.Popen, grace: float) -> None:
    """SIGINT to every process of the child's group, then SIGKILL to what outlives ``grace``."""
    pgid = child.pid
    try:
        os.killpg(pgid, signal.SIGINT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        child.poll()  # reap dagster dev itself so it does not count as alive
        if not group_alive(pgid):
            return
        time.sleep(0.2)
    print(f"blofin ui: still running after {grace:g} s, killing the rest", file=sys.stderr)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


MUTED_WARNINGS = "ignore::FutureWarning:click.core,ignore:Parameter `include_sources`"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="blofin ui", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback only)")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("-w", "--workspace", default=str(PROJECT_ROOT / "workspace.yaml"))
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to wait for a clean stop before killing")
    args = parser.parse_args(argv)

    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "dev", "-w", args.workspace, "-h", args.host, "-p", str(args.port)]
    # Dagster 1.13 says `dagster dev` is superseded by `dg dev` and that a selection parameter is
    # in beta: nothing a user must act on, so muted as `make run` mutes them.
    quiet = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), MUTED_WARNINGS]))
    child = subprocess.Popen(command, start_new_session=True, preexec_fn=restore_default_signals, env={**os.environ, "PYTHONWARNINGS": quiet})

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        return child.wait()
    except KeyboardInterrupt:
        stop_group(child, args.grace)
        child.wait()
        return 0


if __name__ == "__main__":
    sys.exit(main())
