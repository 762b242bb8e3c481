"""retrain_log.json and performance_history.json: JSON files beside the models, rewritten
atomically so a crash never leaves half a file."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from blofin_assets.ml.store import write_json
from blofin_assets.storage.jsonsafe import jsonable

RETRAIN_LOG = "retrain_log.json"
PERFORMANCE_HISTORY = "performance_history.json"


def _read_list(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return json.loads(path.read_text())["entries"]


def _write_list(path: Path, entries: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, {"entries": jsonable(entries)})


def append_retrain_log(folder: Path, entries: list[dict]) -> list[dict]:
    path = Path(folder) / RETRAIN_LOG
    log = _read_list(path) + [{"logged_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **e} for e in entries]
    _write_list(path, log)
    return log


def read_retrain_log(folder: Path) -> list[dict]:
    return _read_list(Path(folder) / RETRAIN_LOG)


def update_performance_history(folder: Path, entries: list[dict]) -> list[dict]:
    """Add today's entries, one per model per day: a second run on the same day replaces them."""
    path = Path(folder) / PERFORMANCE_HISTORY
    new_keys = {(e["date"], e["model"]) for e in entries}
    history = [e for e in _read_list(path) if (e["date"], e["model"]) not in new_keys] + entries
    history.sort(key=lambda e: (e["date"], e["model"]))
    _write_list(path, history)
    return history
