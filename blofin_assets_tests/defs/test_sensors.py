"""drift_sensor under the real dagster-daemon: a drifted monitoring run leads to a retraining
run that the daemon launches and that succeeds."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from blofin_assets.definitions import RESOURCES
from blofin_assets.storage.retrain_log import read_retrain_log
from blofin_assets_tests.defs.assets.test_monitoring import BASE, SCALE_FREE, TWO_WEEKS, hours_after_start, source
from blofin_assets_tests.conftest import materialize_every_symbol, quick_ops, run_daily_refresh

DAEMON = Path(sys.executable).with_name("dagster-daemon")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_SECONDS = 300


@pytest.mark.e2e
def test_the_daemon_runs_the_sensor_and_the_retraining_run_succeeds(isolated_env):
    with dg.DagsterInstance.get() as instance:
        training = {**source(BASE), "ops": quick_ops(direction_predictor={"config": {"features": SCALE_FREE}})}
        assert materialize_every_symbol(instance, training, resources=RESOURCES).success
        drifted = source(BASE + TWO_WEEKS, hours_after_start(BASE))
        daily = run_daily_refresh(instance, drifted, RESOURCES)
        flagged = {m for m, d in daily.output_for_node("drift_decisions").items() if d["retrain"]}
        assert flagged and "direction_predictor" not in flagged

        log_path = isolated_env / "daemon.log"
        # This test registers its own symbols (two of the default three): no syncing to the defaults.
        env = {**os.environ, "BLOFIN_SENSOR_INTERVAL": "5", "BLOFIN_SYNC_SYMBOLS": "off"}
        with open(log_path, "w") as log:
            daemon = subprocess.Popen(
                [str(DAEMON), "run", "-m", "blofin_assets.definitions"],
                cwd=isolated_env, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        try:
            succeeded = None
            deadline = time.monotonic() + TIMEOUT_SECONDS
            while time.monotonic() < deadline and succeeded is None:
                time.sleep(3)
                runs = instance.get_runs(filters=dg.RunsFilter(tags={"blofin/retrain": "true"}))
                failed = [r for r in runs if r.status == dg.DagsterRunStatus.FAILURE]
                assert not failed, f"retraining run failed: {failed[0].run_id}\n{log_path.read_text()[-3000:]}"
                succeeded = next((r for r in runs if r.status == dg.DagsterRunStatus.SUCCESS), None)
            assert succeeded is not None, f"no retraining run succeeded in {TIMEOUT_SECONDS} s\n{log_path.read_text()[-3000:]}"
        finally:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)

        model = succeeded.tags["blofin/model"]
        assert model in flagged and "feature_drift" in succeeded.tags["blofin/reason"]
        assert succeeded.tags["blofin/trigger_run"] == daily.run_id
        decisions = [e for e in read_retrain_log(Path(os.environ["BLOFIN_MODELS_DIR"])) if e["run_id"] == succeeded.run_id]
        assert [e["decision"] for e in decisions] in (["replaced"], ["kept"])
        # Launched runs are one per flagged model, each keyed by model and decision, never twice.
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"blofin/retrain": "true"}))
        keys = [r.tags.get("dagster/run_key") for r in runs]
        assert len(keys) == len(set(keys)) and {r.tags["blofin/model"] for r in runs} <= flagged


def test_new_symbols_get_partitions_and_a_run_each_and_gone_ones_are_removed(tmp_path):
    from blofin_assets.defs.resources import CandleSourceResource
    from blofin_assets.defs.sensors import build_new_symbols_sensor
    from blofin_assets.market.csv_files import write_candle_csv
    from blofin_assets.market.synthetic import SyntheticMarket

    folder = tmp_path / "csv"
    write_candle_csv(SyntheticMarket(symbols=("BTC-USDT", "ETH-USDT"), candles_per_symbol=50).generate(), folder)
    sensor = build_new_symbols_sensor()
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    resources = {"candle_source": CandleSourceResource(candles_dir=str(folder))}

    def tick(instance):
        with dg.build_sensor_context(instance=instance, resources=resources) as context:
            result = sensor(context)
        if isinstance(result, dg.SkipReason):
            return [], [], [], result.skip_message
        added = [k for r in result.dynamic_partitions_requests if isinstance(r, dg.AddDynamicPartitionsRequest) for k in r.partition_keys]
        removed = [k for r in result.dynamic_partitions_requests if isinstance(r, dg.DeleteDynamicPartitionsRequest) for k in r.partition_keys]
        instance.add_dynamic_partitions("symbol", added)  # what the daemon does with the requests
        for key in removed:
            instance.delete_dynamic_partition("symbol", key)
        return added, removed, [(r.partition_key, r.run_key) for r in result.run_requests], None

    with dg.instance_for_test() as instance:
        added, removed, runs, _ = tick(instance)
        assert added == ["BTC-USDT", "ETH-USDT"] and not removed
        assert runs == [("BTC-USDT", "new-symbol:BTC-USDT"), ("ETH-USDT", "new-symbol:ETH-USDT")]
        assert "no new symbol" in tick(instance)[3]

        write_candle_csv(SyntheticMarket(symbols=("XRP-USDT",), candles_per_symbol=50).generate(), folder)
        (folder / "ETH-USDT.csv").unlink()
        added, removed, runs, _ = tick(instance)
        assert (added, removed, runs) == (["XRP-USDT"], ["ETH-USDT"], [("XRP-USDT", "new-symbol:XRP-USDT")])
        assert instance.get_dynamic_partitions("symbol") == ["BTC-USDT", "XRP-USDT"]
        # the request is a run of the per-symbol assets for that one partition
        from blofin_assets.definitions import defs

        (target,) = defs.resolve_sensor_def("new_symbols_sensor").targets
        job = defs.resolve_job_def(target.job_name)
        assert job.asset_layer.selected_asset_keys == {dg.AssetKey(k) for k in ("candles", "features", "targets")}


def test_syncing_symbols_can_be_left_to_the_user(monkeypatch):
    from blofin_assets.defs.sensors import build_new_symbols_sensor

    monkeypatch.setenv("BLOFIN_SYNC_SYMBOLS", "off")
    assert build_new_symbols_sensor().default_status == dg.DefaultSensorStatus.STOPPED
    monkeypatch.setenv("BLOFIN_SYNC_SYMBOLS", "maybe")
    with pytest.raises(ValueError, match="BLOFIN_SYNC_SYMBOLS must be on or off"):
        build_new_symbols_sensor()
