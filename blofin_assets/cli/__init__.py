"""The command-line programs, one module each, behind one command:

    blofin symbols      register the candle source's symbols as partitions; print their range
    blofin predict      signals for the newest candle of each symbol (JSON), recorded
    blofin serve        the signals over HTTP on loopback, recorded
    blofin ui           the Dagster UI and daemon (dagster dev), stopped cleanly by Ctrl-C or SIGTERM
    blofin summary      the latest run's metrics beside their baselines
    blofin fetch        candles from BloFin (or another ccxt exchange) into CSV files
    blofin drift-demo   the monitoring loop on the embedded data
    blofin fast-forward the live loop on a simulated clock, through the schedules and sensors
    blofin write-candles  the embedded market as CSV files (to try the CSV path)

(``python -m blofin_assets.cli <command>`` is the same.) Like Dagster's own CLI, it reads a
``.env`` file in the folder it runs in (``make`` writes one with the project's DAGSTER_HOME),
whose values replace exported ones, as Dagster's CLI does.
"""

from __future__ import annotations

import importlib
import sys

from blofin_assets.settings import load_env_file

COMMANDS = {
    "symbols": "blofin_assets.cli.symbols",
    "predict": "blofin_assets.cli.predict",
    "serve": "blofin_assets.cli.serve",
    "ui": "blofin_assets.cli.ui",
    "summary": "blofin_assets.cli.summary",
    "fetch": "blofin_assets.cli.fetch",
    "drift-demo": "blofin_assets.cli.drift_demo",
    "fast-forward": "blofin_assets.cli.fast_forward",
    "write-candles": "blofin_assets.cli.write_candles",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for note in load_env_file():
        print(f"blofin: {note}", file=sys.stderr)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        if argv and argv[0] not in ("-h", "--help"):
            print(f"unknown command {argv[0]!r}; commands: {', '.join(COMMANDS)}", file=sys.stderr)
            return 2
        return 0 if argv else 2
    # Each program imports only what it needs (the heavy ML stack only where it is used).
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])
