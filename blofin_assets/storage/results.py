"""The results database: one row per model per validation run in ``ml_model_results``, every
retraining decision in ``retrain_events``, and every signal given in ``ml_predictions``.

Any SQLAlchemy URL works (SQLite by default, PostgreSQL with ``postgresql+psycopg://``). The
tables are created on first use. Each write is one transaction.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from blofin_assets.storage.jsonsafe import jsonable

metadata = sa.MetaData()

ml_model_results = sa.Table(
    "ml_model_results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("model_name", sa.String(64), nullable=False, index=True),
    sa.Column("model_version", sa.String(64)),
    sa.Column("run_id", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("estimator", sa.String(200)),
    sa.Column("train_accuracy", sa.Float),
    sa.Column("test_accuracy", sa.Float),
    sa.Column("precision", sa.Float),
    sa.Column("recall", sa.Float),
    sa.Column("f1", sa.Float),
    sa.Column("mae", sa.Float),
    sa.Column("rmse", sa.Float),
    sa.Column("mape", sa.Float),
    sa.Column("r2", sa.Float),
    sa.Column("n_train", sa.Integer),
    sa.Column("n_test", sa.Integer),
    sa.Column("metrics_json", sa.Text),
    # One row per model per run: a retried step replaces its row instead of doubling it.
    sa.UniqueConstraint("run_id", "model_name", name="uq_ml_model_results_run_model"),
)

# Every retraining decision: requested or not (monitoring), replaced or kept (champion vs challenger).
retrain_events = sa.Table(
    "retrain_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(64), nullable=False, index=True),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("decision", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("metric", sa.String(64)),
    sa.Column("baseline", sa.Float),
    sa.Column("current", sa.Float),
    sa.Column("severity", sa.String(16)),
    sa.Column("details_json", sa.Text),
)

# Every signal given (see storage/predictions.py): one row per symbol, candle, model and version.
ml_predictions = sa.Table(
    "ml_predictions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("symbol", sa.String(64), nullable=False),
    sa.Column("candle_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(64), nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("horizon", sa.Integer, nullable=False),
    sa.Column("prediction", sa.Float),  # class index or value; 1 = UP for the ensemble
    sa.Column("p_up", sa.Float),
    sa.Column("confidence", sa.Float),
    sa.Column("abstain", sa.Boolean, nullable=False, default=False),
    sa.Column("reason", sa.Text),
    sa.Column("output_json", sa.Text, nullable=False),  # the output as the API gives it
    sa.Column("source", sa.String(32), nullable=False),  # predictions asset, service, ...
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("symbol", "candle_time", "model_name", "model_version", name="uq_ml_predictions_signal"),
)
sa.Index("ix_ml_predictions_model_time", ml_predictions.c.model_name, ml_predictions.c.candle_time)

# Every trial of every hyperparameter search (see ml/tuning.py), written as it finishes.
ml_trials = sa.Table(
    "ml_trials",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("study", sa.String(64), nullable=False, index=True),  # the tuning run
    sa.Column("model_name", sa.String(64), nullable=False),
    sa.Column("trial_number", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # complete, pruned, failed
    sa.Column("score", sa.Float),  # mean skill over the folds
    sa.Column("params_json", sa.Text, nullable=False),
    sa.Column("fold_scores_json", sa.Text, nullable=False),
    sa.Column("seconds", sa.Float),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("study", "model_name", "trial_number", name="uq_ml_trials_trial"),
)

RESULT_COLUMNS = tuple(c.name for c in ml_model_results.columns if c.name not in ("id", "metrics_json"))


def result_row(model_name: str, version: str, run_id: str, estimator: str, training: dict, report: dict) -> dict:
    """Flatten a training summary and validation report into the table's columns."""
    test = report["pooled"]["model"]
    train = training["metrics"]
    return {
        "model_name": model_name,
        "model_version": version,
        "run_id": run_id,
        "created_at": datetime.now(timezone.utc),
        "estimator": estimator[:200],
        "train_accuracy": train.get("accuracy"),
        "test_accuracy": test.get("accuracy"),
        "precision": test.get("precision"),
        "recall": test.get("recall"),
        "f1": test.get("f1"),
        "mae": test.get("mae"),
        "rmse": test.get("rmse"),
        "mape": test.get("mape"),
        "r2": test.get("r2"),
        "n_train": report["n_train"],
        "n_test": report["n_test"],
        "metrics_json": json.dumps(jsonable({"training": training, "validation": report}), sort_keys=True),
    }


TABLES_LOCK = 0x626C6F66  # any constant: the advisory lock taken while creating tables


class ResultsDB:
    """The results tables (``ml_model_results``, ``retrain_events``) at a SQLAlchemy URL,
    created on first use.

    Parameters
    ----------
    url : str
        Any SQLAlchemy URL: ``sqlite:///path`` (its folder is created) or
        ``postgresql+psycopg://user:password@host/db``.

    Attributes
    ----------
    engine : sqlalchemy.Engine
        The connection pool; ``dispose()`` closes it.
    """

    def __init__(self, url: str):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///file:"):
            Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        # SQLite lets one writer in at a time; the service's concurrent requests each record
        # their signals, so a writer waits up to 30 s for the lock rather than SQLite's 5 s
        # (under load, 5 s ran out and a request failed with "database is locked").
        connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
        self.engine = sa.create_engine(url, future=True, connect_args=connect_args)
        self._create_tables()

    def _create_tables(self) -> None:
        """Create the tables that are missing. Steps on several workers open the database at
        once, and two creators that both found a table missing collide; on PostgreSQL a lock
        makes them take turns, elsewhere a collision is retried (it then finds the table)."""
        for attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": TABLES_LOCK})
                    metadata.create_all(conn)
                return
            except (sa.exc.IntegrityError, sa.exc.OperationalError, sa.exc.ProgrammingError) as error:
                if "already exists" not in str(error) or attempt == 2:
                    raise

    def record(self, rows: list[dict]) -> None:
        """Write rows in one transaction, all of them or none, replacing any row of the same
        run and model (a retried step)."""
        if rows:
            table = ml_model_results
            with self.engine.begin() as conn:
                for row in rows:
                    conn.execute(
                        table.delete().where((table.c.run_id == row["run_id"]) & (table.c.model_name == row["model_name"]))
                    )
                conn.execute(table.insert(), rows)

    def check_writable(self) -> None:
        """Raise unless a write would succeed now: a write that changes nothing, rolled back."""
        with self.engine.connect() as conn:
            transaction = conn.begin()
            try:
                conn.execute(retrain_events.delete().where(retrain_events.c.id == -1))
            finally:
                transaction.rollback()

    def record_retrain_events(self, events: list[dict]) -> None:
        """Insert retrain decisions in one transaction."""
        if events:
            with self.engine.begin() as conn:
                conn.execute(retrain_events.insert(), events)

    def retrain_events(self, model_name: str | None = None) -> list[dict]:
        query = sa.select(retrain_events).order_by(retrain_events.c.id)
        if model_name is not None:
            query = query.where(retrain_events.c.model_name == model_name)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def rows(self, run_id: str | None = None) -> list[dict]:
        query = sa.select(ml_model_results).order_by(ml_model_results.c.id)
        if run_id is not None:
            query = query.where(ml_model_results.c.run_id == run_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def record_trial(self, study: str, model_name: str, trial) -> None:
        """One trial (ml/tuning.py TrialRecord), replacing the same trial of the same study."""
        row = {
            "study": study,
            "model_name": model_name,
            "trial_number": trial.number,
            "state": trial.state,
            "score": trial.score,
            "params_json": json.dumps(jsonable(trial.params), sort_keys=True),
            "fold_scores_json": json.dumps(jsonable(trial.fold_scores)),
            "seconds": trial.seconds,
            "created_at": datetime.now(timezone.utc),
        }
        key = (ml_trials.c.study == study) & (ml_trials.c.model_name == model_name) & (ml_trials.c.trial_number == trial.number)
        with self.engine.begin() as conn:
            conn.execute(ml_trials.delete().where(key))
            conn.execute(ml_trials.insert(), [row])

    def trials(self, model_name: str | None = None) -> list[dict]:
        query = sa.select(ml_trials).order_by(ml_trials.c.id)
        if model_name is not None:
            query = query.where(ml_trials.c.model_name == model_name)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def latest_run_id(self) -> str | None:
        query = sa.select(ml_model_results.c.run_id).order_by(ml_model_results.c.id.desc()).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def dispose(self) -> None:
        self.engine.dispose()


def backtest_row(run_id: str, signal: str, summary: dict, n_bars: int, asset: str = "signal_backtest") -> dict:
    """A row for a backtest (``asset``: signal_backtest or signal_replay): no model metrics,
    the figures in metrics_json."""
    return {
        "model_name": asset,
        "model_version": signal,
        "run_id": run_id,
        "created_at": datetime.now(timezone.utc),
        "estimator": f"backtest of the {signal} signal",
        "n_test": n_bars,
        "metrics_json": json.dumps(jsonable({"backtest": summary}), sort_keys=True),
    }


def live_record_row(run_id: str, judged: dict, recorded: int, current: int) -> dict:
    """A row for the live record (prediction_outcomes): the figures in metrics_json; of the
    ``recorded`` signals, ``current`` are of the versions judged."""
    return {
        "model_name": "live_record",
        "model_version": "current",
        "run_id": run_id,
        "created_at": datetime.now(timezone.utc),
        "estimator": "recorded signals judged by what followed",
        "n_test": sum(int(j.get("n") or 0) for j in judged.values()),
        "metrics_json": json.dumps(jsonable({"live_record": judged, "recorded": recorded, "current": current}), sort_keys=True),
    }
