"""Every signal given, in ``ml_predictions``: one row per (symbol, candle, model, version).

Rows come from the hourly ``predictions`` asset and from the HTTP service. Recording is
idempotent: a second recording of the same candle by the same model version keeps the first
row (insert-or-ignore on the unique key), so a retried run or a repeated request adds nothing.
The ensemble's signal is recorded under the model name ``ensemble`` with its version (a digest
of its config, which pins every member's version).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from blofin_assets.storage.results import ResultsDB, ml_predictions

COLUMNS = [c.name for c in ml_predictions.columns if c.name not in ("id",)]


def _insert_ignoring_duplicates(dialect: str):
    if dialect == "postgresql":
        return postgresql.insert(ml_predictions).on_conflict_do_nothing(constraint="uq_ml_predictions_signal")
    if dialect == "sqlite":
        return sqlite.insert(ml_predictions).on_conflict_do_nothing()
    raise ValueError(f"ml_predictions: no idempotent insert for the {dialect} dialect (SQLite and PostgreSQL are supported)")


def record_predictions(db: ResultsDB, rows: list[dict]) -> int:
    """Insert prediction rows in one transaction, ignoring any already recorded; the number of
    new rows."""
    if not rows:
        return 0
    now = datetime.now(timezone.utc)
    rows = [{"created_at": now, **row} for row in rows]
    statement = _insert_ignoring_duplicates(db.engine.dialect.name).returning(ml_predictions.c.id)
    with db.engine.begin() as conn:
        return len(conn.execute(statement, rows).all())


def read_predictions(db: ResultsDB, model_name: str | None = None, since: datetime | None = None) -> pd.DataFrame:
    """Recorded predictions, oldest first, as a frame with ``timestamp`` (UTC) for the candle."""
    query = sa.select(ml_predictions).order_by(ml_predictions.c.candle_time, ml_predictions.c.id)
    if model_name is not None:
        query = query.where(ml_predictions.c.model_name == model_name)
    if since is not None:
        query = query.where(ml_predictions.c.candle_time >= since)
    with db.engine.connect() as conn:
        frame = pd.DataFrame([dict(r._mapping) for r in conn.execute(query)], columns=["id", *COLUMNS])
    frame = frame.rename(columns={"candle_time": "timestamp", "model_name": "model", "model_version": "version"})
    # SQLite returns naive datetimes: they were stored as UTC.
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["abstain"] = frame["abstain"].astype(bool)
    return frame
