"""The results store on the PostgreSQL server (skipped where there is none, except in CI)."""

import json

import pytest
import sqlalchemy as sa

from blofin_assets.storage.results import ResultsDB, result_row
from blofin_assets_tests.services import postgres_schema
from blofin_assets_tests.storage.test_results import REPORT, TRAINING


@pytest.fixture
def pg_url():
    with postgres_schema() as url:
        yield url


def test_the_project_creates_its_tables_and_writes_rows(pg_url):
    db = ResultsDB(pg_url)
    db.record([result_row("direction_predictor", "v1", "run-1", "xgb", TRAINING, REPORT)])
    (row,) = db.rows("run-1")
    assert row["precision"] == 0.5 and json.loads(row["metrics_json"])["validation"]["n_test"] == 20
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"ml_model_results", "retrain_events"} <= tables
    db.dispose()


def test_writes_are_transactional_on_postgres(pg_url):
    db = ResultsDB(pg_url)
    good = result_row("risk_scorer", "v1", "run-2", "rf", TRAINING, REPORT)
    with pytest.raises(sa.exc.IntegrityError):
        db.record([good, dict(good, model_name=None)])
    assert db.rows() == []
    db.dispose()


def test_steps_opening_a_new_database_at_once_all_succeed(pg_url):
    # Celery workers run the model steps side by side, each opening the results database
    # (and creating its tables) before training: seen failing with a duplicate pg_type.
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(8)

    def open_and_check(_):
        barrier.wait()
        db = ResultsDB(pg_url)
        try:
            db.check_writable()
        finally:
            db.dispose()

    for _ in range(3):  # a race: several rounds, each on fresh tables
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(open_and_check, range(8)))
        engine = sa.create_engine(pg_url)
        with engine.begin() as conn:
            for table in sa.inspect(conn).get_table_names():
                conn.execute(sa.text(f'drop table "{table}" cascade'))
        engine.dispose()
