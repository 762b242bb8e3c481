"""Per-symbol partitions of candles, features and targets.

The partitions are dynamic: they live in the Dagster instance, so a new symbol (a new CSV
file, a symbol added to the source's config) needs no code change. ``sync_symbols`` makes
them the symbols the candle source offers; one run over the range first...last of them
materializes every symbol (the assets' single-run backfill policy makes a range one run), and
a run of one partition touches that symbol only. The models, unpartitioned, read every
partition.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import dagster as dg

from blofin_assets.market.sources import CandleSource
from blofin_assets.market.symbols import check_symbols

SYMBOL_PARTITIONS = dg.DynamicPartitionsDefinition(name="symbol")
# Dagster's CLI names the throwaway instance it makes without DAGSTER_HOME with this prefix.
TEMPORARY_HOME_PREFIX = ".tmp_dagster_home_"

# A range of symbols runs as one run: a run per symbol would re-import torch, pandas and
# sklearn each time (~5 s) for features that take well under a second per symbol.
SINGLE_RUN = dg.BackfillPolicy.single_run()
# Dagster marks the parameter beta; it is what `--partition-range` needs. Said once, here.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)


def symbol_changes(instance: dg.DagsterInstance, symbols: list[str]) -> tuple[list[str], list[str]]:
    """(added, removed): ``symbols`` not yet partitions, and partitions not among ``symbols``."""
    current = instance.get_dynamic_partitions(SYMBOL_PARTITIONS.name)
    return [s for s in symbols if s not in current], [s for s in current if s not in symbols]


def sync_symbols(instance: dg.DagsterInstance, symbols: list[str]) -> tuple[list[str], list[str]]:
    """Make the instance's symbol partitions exactly ``symbols``; (added, removed).

    A symbol the source no longer offers is removed: the models read every partition, and a
    stale one would mix old candles into their training.
    """
    if not symbols:
        raise ValueError("no symbols to register")
    added, removed = symbol_changes(instance, check_symbols(symbols, "symbol partitions"))
    if added:
        instance.add_dynamic_partitions(SYMBOL_PARTITIONS.name, added)
    for symbol in removed:
        instance.delete_dynamic_partition(SYMBOL_PARTITIONS.name, symbol)
    return added, removed


def describe_instance(instance: dg.DagsterInstance) -> str:
    """Which instance this is, in words a user can act on: a temporary one means DAGSTER_HOME
    was not set (Dagster's CLI reads it from .env in the folder it runs in)."""
    root = instance.root_directory
    if instance.is_ephemeral or not root or Path(root).name.startswith(TEMPORARY_HOME_PREFIX):
        return (
            "a temporary Dagster instance (DAGSTER_HOME is not set: run from the project folder, whose .env "
            "`make run` writes, or export DAGSTER_HOME=<project>/.dagster_home)"
        )
    return f"the Dagster instance in {root}"


def no_symbols_message(instance: dg.DagsterInstance) -> str:
    return (
        f"no symbol partitions are registered in {describe_instance(instance)}: run `blofin symbols` "
        "(make run does) to register the source's symbols"
    )


def symbol_range(instance: dg.DagsterInstance) -> tuple[str, str]:
    """First and last registered symbol: the range that covers them all."""
    symbols = instance.get_dynamic_partitions(SYMBOL_PARTITIONS.name)
    if not symbols:
        raise ValueError(no_symbols_message(instance))
    return symbols[0], symbols[-1]


# The run tags Dagster reads for a run over a range of partitions (what the CLI's
# --partition-range and the UI's range launch set); Dagster exports no name for them.
RANGE_START_TAG, RANGE_END_TAG = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def all_symbols_tags(instance: dg.DagsterInstance) -> dict[str, str]:
    """Run tags that make one run cover every registered symbol."""
    first, last = symbol_range(instance)
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def register_symbols(instance: dg.DagsterInstance, source: CandleSource) -> dict[str, str]:
    """Register the symbols ``source`` offers; the run tags of one run over all of them."""
    sync_symbols(instance, source.offered_symbols())
    return all_symbols_tags(instance)


SYMBOL_IO_MANAGER = "symbol_io_manager"
PER_SYMBOL = {"partitions_def": SYMBOL_PARTITIONS, "backfill_policy": SINGLE_RUN, "io_manager_key": SYMBOL_IO_MANAGER}
"""What makes an asset per-symbol: its partitions, one run per range, one file per symbol."""
