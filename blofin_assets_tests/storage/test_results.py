import json

import pytest
import sqlalchemy as sa

from blofin_assets.storage.results import RESULT_COLUMNS, ResultsDB, result_row

TRAINING = {"metrics": {"accuracy": 0.61, "precision": 0.6, "recall": 0.6, "f1": 0.6}, "n_train": 100}
REPORT = {
    "n_train": 100,
    "n_test": 20,
    "pooled": {"model": {"accuracy": 0.52, "precision": 0.5, "recall": 0.4, "f1": 0.45}, "baseline": {}, "skill": 0.01},
}


def test_a_row_has_every_required_column_and_the_full_report(tmp_path):
    db = ResultsDB(f"sqlite:///{tmp_path / 'sub' / 'r.db'}")
    db.record([result_row("direction_predictor", "v1", "run-1", "xgb", TRAINING, REPORT)])
    (row,) = db.rows("run-1")
    assert row["train_accuracy"] == 0.61 and row["test_accuracy"] == 0.52 and row["f1"] == 0.45
    assert row["mae"] is None and row["n_train"] == 100 and row["n_test"] == 20
    assert json.loads(row["metrics_json"])["validation"]["pooled"]["skill"] == 0.01
    required = {"id", "model_name", "run_id", "created_at", "train_accuracy", "test_accuracy", "precision",
                "recall", "f1", "mae", "rmse", "mape", "r2", "n_train", "n_test", "metrics_json"}
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("ml_model_results")}
    assert required <= columns
    assert set(RESULT_COLUMNS) < columns


def test_a_batch_is_written_whole_or_not_at_all(tmp_path):
    db = ResultsDB(f"sqlite:///{tmp_path / 'r.db'}")
    good = result_row("risk_scorer", "v1", "run-2", "rf", TRAINING, REPORT)
    bad = dict(good, model_name=None)  # violates NOT NULL
    with pytest.raises(sa.exc.IntegrityError):
        db.record([good, bad])
    assert db.rows() == []


def test_latest_run_id(tmp_path):
    db = ResultsDB(f"sqlite:///{tmp_path / 'r.db'}")
    assert db.latest_run_id() is None
    for run in ("a", "b"):
        db.record([result_row("risk_scorer", "v", run, "rf", TRAINING, REPORT)])
    assert db.latest_run_id() == "b"


def test_backtest_row_keeps_the_figures(tmp_path):
    from blofin_assets.storage.results import backtest_row

    db = ResultsDB(f"sqlite:///{tmp_path / 'r.db'}")
    db.record([backtest_row("run-9", "ensemble (voting)", {"per_symbol": [{"symbol": "A", "trades": 3}]}, 120)])
    (row,) = db.rows("run-9")
    assert row["model_name"] == "signal_backtest" and row["n_test"] == 120
    assert json.loads(row["metrics_json"])["backtest"]["per_symbol"][0]["trades"] == 3


def test_retrain_events_table(tmp_path):
    from datetime import datetime, timezone

    db = ResultsDB(f"sqlite:///{tmp_path / 'r.db'}")
    event = {"created_at": datetime.now(timezone.utc), "model_name": "risk_scorer", "run_id": "r1", "decision": "kept"}
    db.record_retrain_events([event, {**event, "model_name": "price_predictor", "decision": "replaced"}])
    assert [e["decision"] for e in db.retrain_events("risk_scorer")] == ["kept"]
    assert len(db.retrain_events()) == 2


def test_a_retried_write_replaces_the_row_of_its_run_and_model(tmp_path):
    db = ResultsDB(f"sqlite:///{tmp_path / 'r.db'}")
    first = result_row("risk_scorer", "v1", "run-3", "rf", TRAINING, REPORT)
    db.record([first])
    db.record([dict(first, test_accuracy=0.99)])
    (row,) = db.rows("run-3")
    assert row["test_accuracy"] == 0.99
