"""Recording retrain decisions: retrain_log.json beside the models and the retrain_events table."""

import json
from datetime import datetime, timezone

from blofin_assets.assets.markdown import finite
from blofin_assets.resources import ModelStoreResource, ResultsDatabase
from blofin_assets.storage.jsonsafe import jsonable
from blofin_assets.storage.retrain_log import append_retrain_log


def log_retrain_events(model_store: ModelStoreResource, results_db: ResultsDatabase, events: list[dict]) -> None:
    """Each event: model, run_id, decision, and optionally reason, metric, baseline, current,
    severity and any further details (kept whole in the JSON log and details_json)."""
    append_retrain_log(model_store.get().root, events)
    db = results_db.get()
    try:
        db.record_retrain_events(
            [
                {
                    "created_at": datetime.now(timezone.utc),
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
    finally:
        db.dispose()
