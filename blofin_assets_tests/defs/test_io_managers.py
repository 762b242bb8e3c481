"""The per-symbol IO manager: a file per asset and symbol, and a run's output must be exactly
its symbols'."""

import dagster as dg
import pandas as pd

from blofin_assets.market.features import compute_features
from blofin_assets.ml.dataset import build_targets
from blofin_assets.defs.partitions import PER_SYMBOL, SYMBOL_PARTITIONS, all_symbols_tags, sync_symbols
from blofin_assets_tests.conftest import project_resources


def test_a_range_is_stored_a_file_per_symbol_and_read_back_pooled(tmp_path, small_candles):
    expected = build_targets(small_candles, compute_features(small_candles))

    @dg.asset(**PER_SYMBOL)
    def labelled(context: dg.AssetExecutionContext):
        candles = small_candles[small_candles["symbol"].isin(context.partition_keys)]
        return build_targets(candles, compute_features(candles))

    @dg.asset
    def reader(labelled):
        return labelled

    instance = dg.DagsterInstance.ephemeral()
    sync_symbols(instance, ["BTC-USDT", "SOL-USDT"])
    result = dg.materialize(
        [labelled, reader], resources=project_resources(tmp_path), instance=instance, tags=all_symbols_tags(instance)
    )
    stored = tmp_path / "storage" / "by_symbol" / "labelled"
    assert sorted(p.name for p in stored.iterdir()) == ["BTC-USDT.parquet", "SOL-USDT.parquet"]  # no temporary left
    pooled = result.output_for_node("reader")
    pd.testing.assert_frame_equal(pooled.frame, expected.frame)
    assert pooled.scales == expected.scales and pooled.horizon == expected.horizon


@dg.asset(partitions_def=SYMBOL_PARTITIONS, io_manager_key="symbol_io_manager")
def wrong_symbol(context: dg.AssetExecutionContext):
    return pd.DataFrame({"symbol": ["ETH-USDT"], "close": [1.0]})


def test_an_output_without_the_runs_symbol_is_refused(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    sync_symbols(instance, ["BTC-USDT"])
    result = dg.materialize(
        [wrong_symbol], partition_key="BTC-USDT", resources=project_resources(tmp_path), instance=instance, raise_on_error=False
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = str(failure.event_specific_data.error)
    assert "partitions are ['BTC-USDT']" in message and "no rows for ['BTC-USDT']" in message and "['ETH-USDT']" in message
    assert not (tmp_path / "storage" / "by_symbol" / "wrong_symbol").exists()
