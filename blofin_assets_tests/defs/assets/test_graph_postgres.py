"""The whole graph with the Dagster instance (dagster-postgres, via config/dagster-postgres.yaml)
and the results database both on the PostgreSQL server."""

import shutil

import dagster as dg
import pytest
import sqlalchemy as sa

from blofin_assets.definitions import RESOURCES
from blofin_assets.ml.models import model_names
from blofin_assets_tests.defs.assets.test_graph import FAST, SMALL
from blofin_assets_tests.conftest import PROJECT_ROOT, materialize_every_symbol
from blofin_assets_tests.services import postgres_database, postgres_schema


@pytest.mark.e2e
def test_the_whole_graph_runs_on_postgresql(isolated_env, monkeypatch):
    with postgres_database() as dagster_url, postgres_schema() as results_url:
        home = isolated_env / "pg_home"
        home.mkdir()
        shutil.copy(PROJECT_ROOT / "config" / "dagster-postgres.yaml", home / "dagster.yaml")
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        monkeypatch.setenv("DAGSTER_PG_URL", dagster_url)
        monkeypatch.setenv("BLOFIN_DB_URL", results_url)
        with dg.DagsterInstance.get() as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            result = materialize_every_symbol(instance, {**SMALL, **FAST}, resources=RESOURCES)
            assert result.success
            assert [run.run_id for run in instance.get_runs()] == [result.run_id]
        engine = sa.create_engine(results_url)
        with engine.connect() as conn:
            names = sorted(conn.execute(sa.text("select model_name from ml_model_results")).scalars())
            decisions = conn.execute(sa.text("select count(*) from retrain_events")).scalar()
        engine.dispose()
        assert names == sorted([*model_names(), "signal_backtest", "signal_replay", "live_record"])
        assert decisions == len(model_names())  # drift_decisions: one "no_retrain" per model
