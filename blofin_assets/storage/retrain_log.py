"""retrain_log.json and performance_history.json: JSON files beside the models, rewritten
atomically so a crash never leaves half a file; retraining decisions also go to the results
database (``record_retrain_events``)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from blofin_assets.storage.files import write_json
from blofin_assets.storage.jsonsafe import finite, jsonable
from blofin_assets.storage.results import ResultsDB

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


def record_retrain_events(models_root: Path, db: ResultsDB, events: list[dict]) -> None:
    """Append decisions to the retrain log beside the models and to ``retrain_events``. Each
    event: model, run_id, decision, and optionally reason, metric, baseline, current, severity
    and any further details (kept whole in the JSON log and details_json)."""
    append_retrain_log(models_root, events)
    now = datetime.now(timezone.utc)
    db.record_retrain_events(
        [
            {
                "created_at": now,
                "model_name": e["model"],
                "run_id": e["run_id"],
                "decision": e["decision"],
                "reason": e.get("reason"),
                "metric": e.get("metric"),
                "baseline": finite(e.get("baseline")),
                "current": finite(e.get("current")),
                "severity": e.get("severity"),
                "details_json": json.dumps(jsonable(e), sort_keys=True),
            }
            for e in events
        ]
    )
