"""The per-symbol IO manager: a file per asset and symbol, and a run's output must be exactly
its symbols'."""

import threading

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
    assert sorted(str(p.relative_to(stored)) for p in stored.rglob("*") if p.is_file()) == [
        f"BTC-USDT/{result.run_id}.parquet", f"SOL-USDT/{result.run_id}.parquet"]  # no temporary left
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


# -- runs at the same time ---------------------------------------------------------------------

class Written(dg.Config):
    value: float = 0.0


GATE: dict[str, threading.Event] = {}


@dg.asset
def written(config: Written) -> pd.DataFrame:
    return pd.DataFrame({"value": [config.value]})


@dg.asset(**PER_SYMBOL)
def written_by_symbol(context: dg.AssetExecutionContext, config: Written) -> pd.DataFrame:
    return pd.DataFrame({"symbol": sorted(context.partition_keys), "value": config.value})


@dg.asset(deps=[written, written_by_symbol])
def pause() -> None:
    """Between the writing steps and the reading one: the run that holds here waits while
    others run."""
    held = GATE.get("held")
    if held is not None:
        GATE["reached"].set()
        assert held.wait(120)


@dg.asset(deps=[pause])
def reader_of_both(written, written_by_symbol) -> dict:
    return {"value": float(written["value"].iloc[0]), "by_symbol": sorted(written_by_symbol["value"])}


ASSETS = [written, written_by_symbol, pause, reader_of_both]


def run_with(instance, root, value, selection=None, **kwargs):
    config = {"ops": {name: {"config": {"value": value}} for name in ("written", "written_by_symbol") if selection is None or name in selection}}
    return dg.materialize(ASSETS, selection=selection, resources=project_resources(root), instance=instance,
                          run_config=config, tags=all_symbols_tags(instance), **kwargs)


class Held:
    """A run of the three assets with ``value``, stopped inside its reading step (after its
    writing steps materialized) until released; runs started meanwhile do not stop."""

    def __init__(self, instance, root, value):
        self.event = threading.Event()
        GATE.update(held=self.event, reached=threading.Event())
        self.result = {}
        self.thread = threading.Thread(target=lambda: self.result.update(run=run_with(instance, root, value)))
        self.thread.start()
        assert GATE["reached"].wait(120), "the held run never reached its reading step"
        GATE.clear()

    def release(self):
        self.event.set()
        self.thread.join(120)
        return self.result["run"]


def test_a_run_reads_its_own_outputs_while_another_overwrites_them(tmp_path):
    with dg.instance_for_test() as instance:
        sync_symbols(instance, ["BTC-USDT", "ETH-USDT"])
        held = Held(instance, tmp_path, 5.0)  # horizon 5's run, say, has written its values
        other = run_with(instance, tmp_path, 10.0)  # and one with 10 writes and reads its own meanwhile
        assert other.output_for_node("reader_of_both") == {"value": 10.0, "by_symbol": [10.0, 10.0]}
        first = held.release()
        assert first.success and first.output_for_node("reader_of_both") == {"value": 5.0, "by_symbol": [5.0, 5.0]}


def test_an_input_from_outside_the_run_comes_from_a_run_that_has_ended(tmp_path):
    with dg.instance_for_test() as instance:
        sync_symbols(instance, ["BTC-USDT", "ETH-USDT"])
        done = run_with(instance, tmp_path, 7.0)
        held = Held(instance, tmp_path, 1.0)  # materialized its values, still running
        reader = run_with(instance, tmp_path, 0.0, selection=["reader_of_both"])
        # the newest materializations are the held run's, but it has not ended: the ended run's are read
        assert reader.output_for_node("reader_of_both") == {"value": 7.0, "by_symbol": [7.0, 7.0]}
        held.release()
        again = run_with(instance, tmp_path, 0.0, selection=["reader_of_both"])
        assert again.output_for_node("reader_of_both") == {"value": 1.0, "by_symbol": [1.0, 1.0]}
        # what is kept: the newest materialization's files and those of runs in progress
        stored = {p.stem for p in (tmp_path / "storage" / "values" / "written").glob("*.zip")}
        assert held.result["run"].run_id in stored and done.run_id in stored  # done's was newest when held's was written
        run_with(instance, tmp_path, 3.0)
        latest = {p.stem for p in (tmp_path / "storage" / "values" / "written").glob("*.zip")}
        assert done.run_id not in latest and held.result["run"].run_id in latest and len(latest) == 2
        for symbol in ("BTC-USDT", "ETH-USDT"):
            assert len(list((tmp_path / "storage" / "by_symbol" / "written_by_symbol" / symbol).glob("*.parquet"))) == 2


def test_an_asset_no_ended_run_materialized_is_refused_naming_it(tmp_path):
    with dg.instance_for_test() as instance:
        sync_symbols(instance, ["BTC-USDT"])
        held = Held(instance, tmp_path, 1.0)
        reader = run_with(instance, tmp_path, 0.0, selection=["reader_of_both"], raise_on_error=False)
        held.release()
    assert not reader.success
    (failure,) = [e for e in reader.all_events if e.is_step_failure]
    assert "has not been materialized" in str(failure.event_specific_data.error) and "by a run that has ended" in str(failure.event_specific_data.error)


def test_a_run_of_one_symbol_reads_the_other_symbols_from_the_run_that_stored_them(tmp_path):
    """A new symbol computed alone, with everything downstream: the unpartitioned reader gets
    the new symbol's part from this run and the others' from the run that stored them."""
    with dg.instance_for_test() as instance:
        sync_symbols(instance, ["BTC-USDT"])
        run_with(instance, tmp_path, 1.0)
        sync_symbols(instance, ["BTC-USDT", "ETH-USDT"])
        alone = dg.materialize(ASSETS, partition_key="ETH-USDT", resources=project_resources(tmp_path), instance=instance,
                               run_config={"ops": {n: {"config": {"value": 2.0}} for n in ("written", "written_by_symbol")}})
        assert alone.output_for_node("reader_of_both") == {"value": 2.0, "by_symbol": [1.0, 2.0]}
