"""Per-symbol partitions on a real Dagster instance: registration, one run over every symbol, a
new symbol computed alone, and the models reading every symbol."""

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

from blofin_assets.definitions import defs
from blofin_assets.storage.model_store import ModelStore
from blofin_assets.defs.partitions import SYMBOL_PARTITIONS, all_symbols_tags, symbol_range, sync_symbols
from blofin_assets_tests.conftest import materialize_every_symbol, project_resources

DATA = ["candles", "features", "targets"]


def source(*symbols):
    return {"resources": {"candle_source": {"config": {"candles_per_symbol": 600, "symbols": list(symbols)}}}}


def materializations(instance, asset: str) -> dict[str, int]:
    """Materializations of each partition of ``asset``."""
    records = instance.fetch_materializations(dg.AssetKey(asset), limit=1000).records
    counts: dict[str, int] = {}
    for record in records:
        counts[record.partition_key] = counts.get(record.partition_key, 0) + 1
    return counts


def test_sync_adds_new_symbols_and_removes_those_no_longer_offered():
    instance = dg.DagsterInstance.ephemeral()
    assert sync_symbols(instance, ["BTC-USDT", "ETH-USDT"]) == (["BTC-USDT", "ETH-USDT"], [])
    assert sync_symbols(instance, ["BTC-USDT", "ETH-USDT"]) == ([], [])
    assert sync_symbols(instance, ["ETH-USDT", "SOL-USDT"]) == (["SOL-USDT"], ["BTC-USDT"])
    assert instance.get_dynamic_partitions(SYMBOL_PARTITIONS.name) == ["ETH-USDT", "SOL-USDT"]
    assert symbol_range(instance) == ("ETH-USDT", "SOL-USDT")
    assert set(all_symbols_tags(instance).values()) == {"ETH-USDT", "SOL-USDT"}
    with pytest.raises(ValueError, match="no symbols"):
        sync_symbols(instance, [])


def test_without_registered_symbols_the_error_says_how_to_register_them():
    with pytest.raises(ValueError, match="blofin symbols"):
        symbol_range(dg.DagsterInstance.ephemeral())


def test_a_new_symbol_is_computed_alone_and_the_models_read_every_symbol(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    resources = project_resources(tmp_path)
    first = materialize_every_symbol(instance, source("BTC-USDT", "ETH-USDT"), resources=resources, selection=DATA)
    assert first.success
    # One run, every symbol: one materialization per partition of each per-symbol asset.
    for asset in DATA:
        assert materializations(instance, asset) == {"BTC-USDT": 1, "ETH-USDT": 1}
    stored = tmp_path / "storage" / "by_symbol" / "features"
    assert {str(p.relative_to(stored)) for p in stored.rglob("*.parquet")} == {f"{s}/{first.run_id}.parquet" for s in ("BTC-USDT", "ETH-USDT")}

    three = source("BTC-USDT", "ETH-USDT", "SOL-USDT")
    sync_symbols(instance, ["BTC-USDT", "ETH-USDT", "SOL-USDT"])
    # Registered but not yet computed: a model cannot train, and says what is missing.
    early = dg.materialize(
        defs.assets, selection=["training_table", "risk_scorer"], run_config=three, resources=resources, instance=instance, raise_on_error=False
    )
    assert not early.success
    (failure,) = [e for e in early.all_events if e.is_step_failure]
    assert "features has not been materialized for symbol SOL-USDT" in str(failure.event_specific_data.error)

    added = dg.materialize(
        defs.assets, selection=[*DATA, "training_table", "risk_scorer"], partition_key="SOL-USDT", run_config=three, resources=resources, instance=instance
    )
    assert added.success
    for asset in DATA:
        # The new symbol computed; the others not recomputed.
        assert materializations(instance, asset) == {"BTC-USDT": 1, "ETH-USDT": 1, "SOL-USDT": 1}
    trained = ModelStore(tmp_path / "models").load("risk_scorer", added.output_for_node("risk_scorer").version)
    assert sorted(trained.metadata["training"]["data_window"]["symbols"]) == ["BTC-USDT", "ETH-USDT", "SOL-USDT"]


@pytest.mark.e2e
def test_two_symbols_materialize_side_by_side_in_two_processes(isolated_env):
    """Partitions are independent: two runs of different symbols at once, through the real CLI,
    both succeed and each leaves exactly its own symbol's files."""
    with dg.DagsterInstance.get() as instance:
        sync_symbols(instance, ["BTC-USDT", "ETH-USDT"])
    config = isolated_env / "run.yaml"
    config.write_text(yaml.safe_dump(source("BTC-USDT", "ETH-USDT")))
    dagster = Path(sys.executable).with_name("dagster")
    runs = [
        subprocess.Popen(
            [str(dagster), "asset", "materialize", "--select", ",".join(DATA), "--partition", symbol,
             "-m", "blofin_assets.definitions", "-c", str(config)],
            cwd=isolated_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for symbol in ("BTC-USDT", "ETH-USDT")
    ]
    for run in runs:
        output, _ = run.communicate(timeout=300)
        assert run.returncode == 0, output[-3000:]
    with dg.DagsterInstance.get() as instance:
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in instance.get_runs())
        for asset in DATA:
            assert materializations(instance, asset) == {"BTC-USDT": 1, "ETH-USDT": 1}
        run_of = {r.tags["dagster/partition"]: r.run_id for r in instance.get_runs()}
    stored = isolated_env / "dagster_home" / "storage" / "by_symbol"
    for asset in DATA:
        files = {str(p.relative_to(stored / asset)) for p in (stored / asset).rglob("*.parquet")}
        assert files == {f"{symbol}/{run_id}.parquet" for symbol, run_id in run_of.items()}
