"""The whole graph on Dagster's Celery executor: RabbitMQ on this machine as the broker, two
real Celery worker processes, the Dagster instance in PostgreSQL and step outputs in a shared
folder. Skips where no broker or PostgreSQL is reachable, unless BLOFIN_REQUIRE_SERVICES=1."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dagster as dg
import kombu
import pandas as pd
import pytest
import yaml

from blofin_assets.serving.api import load_model
from blofin_assets.ml.models import model_names
from blofin_assets_tests.conftest import PROJECT_ROOT
from blofin_assets_tests.conftest import quick_yaml
from blofin_assets_tests.services import postgres_database, postgres_schema, require_rabbitmq

BIN = Path(sys.executable).parent
CELERY_CONFIG = PROJECT_ROOT / "config" / "celery.yaml"
SMALL = """
resources:
  candle_source: {config: {candles_per_symbol: 700, symbols: [BTC-USDT, ETH-USDT]}}
""" + quick_yaml(direction_predictor="{config: {max_depth: 3}}")


def _start_worker(name: str, queue: str, config: Path, env: dict, log: Path) -> subprocess.Popen:
    # One process per worker (-c 1): two workers, two processes taking steps.
    command = [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app", "-y", str(config),
               "--name", name, "--queue", queue, "--", "--concurrency", "1"]
    return subprocess.Popen(command, cwd=log.parent, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(workers: list[subprocess.Popen], grace=30):
    """SIGTERM each worker's process group (the CLI and the celery processes it started),
    SIGKILL whatever still runs after the grace period."""
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for worker in workers:
        while time.monotonic() < deadline and _alive(worker.pid):
            time.sleep(0.2)
        if _alive(worker.pid):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def _alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_ready(workers: list[subprocess.Popen], logs: list[Path], timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and all(worker.poll() is None for worker in workers):
        if all(" ready." in log.read_text() for log in logs):
            return
        time.sleep(0.5)
    pytest.fail("Celery workers did not start:\n" + "\n".join(log.read_text()[-2000:] for log in logs))


@pytest.mark.e2e
def test_the_whole_graph_runs_on_two_celery_workers(isolated_env, monkeypatch):
    require_rabbitmq()
    with postgres_database() as dagster_url, postgres_schema() as results_url:
        home = isolated_env / "celery_home"
        home.mkdir()
        (home / "dagster.yaml").write_text((PROJECT_ROOT / "config" / "dagster-postgres.yaml").read_text())
        shared = isolated_env / "shared"
        for key, value in {"DAGSTER_HOME": str(home), "DAGSTER_PG_URL": dagster_url, "BLOFIN_DB_URL": results_url,
                           "BLOFIN_IO_DIR": str(shared)}.items():
            monkeypatch.setenv(key, value)
        # dagster-celery starts `celery` from PATH: the one installed beside this Python.
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
        # A queue of this test's own: no other worker on this broker takes its steps, and its
        # workers take no one else's.
        tag = uuid.uuid4().hex[:6]
        queue = f"blofin-test-{tag}"
        config = isolated_env / "celery.yaml"
        celery = yaml.safe_load(CELERY_CONFIG.read_text())
        celery["execution"]["config"]["config_source"] = {"task_default_queue": queue}
        config.write_text(yaml.safe_dump(celery))
        names = [f"blofin-{tag}-{i}" for i in (1, 2)]
        logs = [isolated_env / f"{name}.log" for name in names]
        workers = [_start_worker(name, queue, config, env, log) for name, log in zip(names, logs)]
        try:
            _wait_ready(workers, logs)
            run_config = isolated_env / "small.yaml"
            run_config.write_text(SMALL)
            symbols = subprocess.run([str(BIN / "python"), "-m", "blofin_assets.cli", "symbols", "-c", str(run_config)],
                                     cwd=isolated_env, env=env, capture_output=True, text=True, timeout=120)
            assert symbols.returncode == 0, symbols.stderr
            command = [str(BIN / "dagster"), "asset", "materialize", "--select", "*", "-m", "blofin_assets.celery_definitions",
                       "-c", str(config), "-c", str(run_config), "--partition-range", symbols.stdout.strip()]
            done = subprocess.run(command, cwd=isolated_env, env=env, capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, done.stderr[-4000:]
        finally:
            _stop(workers)
            with kombu.Connection(celery["execution"]["config"]["broker"]) as broker:
                broker.default_channel.queue_delete(queue)

        with dg.DagsterInstance.get() as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            (run,) = instance.get_runs()
            assert run.status == dg.DagsterRunStatus.SUCCESS
            events = instance.all_logs(run.run_id)
            # Every step ran in a worker, and both workers took steps.
            delegated = [e for e in events if e.dagster_event_type == dg.DagsterEventType.ENGINE_EVENT
                         and e.dagster_event.message.endswith("in celery worker")]
            steps = {e.step_key for e in events if e.dagster_event_type == dg.DagsterEventType.STEP_SUCCESS}
            assert {e.step_key for e in delegated} == steps
            hosts = {e.dagster_event.engine_event_data.metadata["Celery worker"].value for e in delegated}
            assert {host.split("@")[0] for host in hosts} == set(names)
            materialized = {e.dagster_event.asset_key.to_user_string() for e in events
                            if e.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION}
            assert {*model_names(), "ensemble_config", "drift_decisions"} <= materialized

        # Outputs went through the shared folder; the models the workers saved load and predict.
        assert (shared / "values" / "ensemble_config" / f"{run.run_id}.zip").is_file()
        assert {p.name for p in (shared / "by_symbol" / "features").iterdir()} == {"BTC-USDT", "ETH-USDT"}
        features = pd.read_parquet(shared / "by_symbol" / "features" / "ETH-USDT" / f"{run.run_id}.parquet")  # any Parquet reader can
        row = features.iloc[-1]
        assert load_model("direction_predictor").predict(row)["direction"] in ("UP", "DOWN")
        assert 0 <= load_model("risk_scorer").predict(row) <= 100
        for name in model_names():
            assert len(load_model(name).predict(features.tail(4))) == 4
