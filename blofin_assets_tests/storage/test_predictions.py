"""ml_predictions: one row per (symbol, candle, model, version), whoever records it how often."""

import json
from datetime import datetime, timezone

import pytest

from blofin_assets.storage.predictions import read_predictions, record_predictions
from blofin_assets.storage.results import ResultsDB
from blofin_assets_tests.services import postgres_schema


def row(symbol="BTC-USDT", hour=0, model="direction_predictor", version="v1", prediction=1.0, **extra):
    return {
        "symbol": symbol,
        "candle_time": datetime(2024, 3, 1, hour, tzinfo=timezone.utc),
        "model_name": model,
        "model_version": version,
        "horizon": 5,
        "prediction": prediction,
        "p_up": 0.6,
        "confidence": 0.6,
        "abstain": False,
        "reason": None,
        "output_json": json.dumps({"direction": "UP", "confidence": 0.6}),
        "source": "test",
        **extra,
    }


def check_idempotent(db: ResultsDB) -> None:
    first = [row(), row(hour=1), row(model="ensemble", version="e1")]
    assert record_predictions(db, first) == 3
    # The same signals again (a retried run, a repeated request), one of them changed: kept once, as first written.
    assert record_predictions(db, [row(prediction=0.0), row(hour=1)]) == 0
    assert record_predictions(db, [row(version="v2"), row(symbol="ETH-USDT")]) == 2
    frame = read_predictions(db)
    assert len(frame) == 5
    assert frame.loc[(frame["version"] == "v1") & (frame["symbol"] == "BTC-USDT") & (frame["timestamp"].dt.hour == 0), "prediction"].tolist() == [1.0]
    assert str(frame["timestamp"].dt.tz) == "UTC" and frame["abstain"].dtype == bool
    assert len(read_predictions(db, "ensemble")) == 1


def test_recording_twice_keeps_one_row_per_signal(tmp_path):
    db = ResultsDB(f"sqlite:///{tmp_path / 'results.db'}")
    try:
        check_idempotent(db)
    finally:
        db.dispose()


def test_recording_is_idempotent_on_postgresql():
    with postgres_schema() as url:
        db = ResultsDB(url)
        try:
            check_idempotent(db)
        finally:
            db.dispose()


def test_nothing_to_record_writes_nothing(tmp_path):
    db = ResultsDB(f"sqlite:///{tmp_path / 'results.db'}")
    assert record_predictions(db, []) == 0 and read_predictions(db).empty
    db.dispose()


def test_an_unsupported_database_is_named(tmp_path):
    from blofin_assets.storage.predictions import _insert_ignoring_duplicates

    with pytest.raises(ValueError, match="no idempotent insert for the mysql dialect"):
        _insert_ignoring_duplicates("mysql")
