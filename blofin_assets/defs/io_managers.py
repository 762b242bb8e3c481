"""Storage of asset values in data formats, so that reading one runs no code whoever wrote it.

``ValueIOManager`` keeps each unpartitioned asset's value (model references, validations, the
comparison, the ensemble config, backtest and monitoring tables) as
``<base_dir>/values/<asset>/<run id>.zip`` (storage/value_files.py), in place of the pickles
Dagster's own filesystem IO manager would write.

Per-symbol assets (candles, funding, features, targets): a step computes a value for all the
symbols of its run (a frame with a ``symbol`` column, or a TargetSet); ``SymbolPartitionIOManager``
writes each symbol's part to ``<base_dir>/by_symbol/<asset>/<symbol>/<run id>.parquet`` (a data
format: reading one runs no code) and hands a reading step the parts it asks for pooled into one
value again: the symbols of its own run for a per-symbol asset, every registered symbol for the
training table. Dagster's own filesystem IO manager stores a range of partitions only as one
object, which a later single-symbol run could not update.

Each file carries the id of the run that wrote it, so runs at the same time never read each
other's outputs: a step reads its own run's, or those of the newest materialization by a run
that has ended (defs/run_outputs.py).
"""

from __future__ import annotations

from typing import Optional

import dagster as dg
import pandas as pd
from upath import UPath

from blofin_assets import settings
from blofin_assets.defs.partitions import SYMBOL_PARTITIONS, describe_instance, no_symbols_message
from blofin_assets.defs.run_outputs import RUN_ID, materializing_runs, newest_ended_run, producing_run, runs_to_keep
from blofin_assets.market.symbols import check_symbol
from blofin_assets.ml.dataset import TargetSet
from blofin_assets.storage.files import write_bytes_atomic
from blofin_assets.storage.partition_files import decode_part, encode_part
from blofin_assets.storage.value_files import decode_value, encode_value

PART, VALUE = ".parquet", ".zip"


def split_by_symbol(value) -> dict[str, object]:
    if isinstance(value, TargetSet):
        return value.by_symbol()
    if isinstance(value, pd.DataFrame):
        return {str(s): rows.reset_index(drop=True) for s, rows in value.groupby("symbol", sort=True)}
    raise TypeError(f"cannot split a {type(value).__name__} by symbol")


def pool(parts: list):
    if isinstance(parts[0], TargetSet):
        return TargetSet.pooled(parts)
    return pd.concat(parts, ignore_index=True)


class SymbolPartitionIOManager(dg.ConfigurableIOManager):
    """One Parquet file per asset, symbol and run under ``base_dir`` (default: $BLOFIN_IO_DIR,
    else $DAGSTER_HOME/storage); a URL such as s3://bucket/prefix works through UPath."""

    base_dir: Optional[str] = None

    def _folder(self, asset_key: dg.AssetKey, symbol: str) -> UPath:
        # A partition key becomes a folder name: one added by hand in the UI is checked here.
        check_symbol(symbol, f"{asset_key.to_user_string()} partition")
        return UPath(self.base_dir or settings.shared_io_dir()).joinpath("by_symbol", *asset_key.path, symbol)

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        symbols = sorted(context.asset_partition_keys)
        parts = split_by_symbol(obj)
        missing = [s for s in symbols if s not in parts]
        extra = [s for s in parts if s not in symbols]
        if missing or extra:
            raise ValueError(
                f"{context.asset_key.to_user_string()}: the run's symbol partitions are {symbols}, "
                f"but the output has no rows for {missing} and rows for other symbols {extra}"
            )
        for symbol in symbols:
            folder = self._folder(context.asset_key, symbol)
            _write(folder / f"{context.run_id}{PART}", encode_part(parts[symbol]))
            _prune(folder, PART, context, symbol)

    def load_input(self, context: dg.InputContext):
        key = context.asset_key
        symbols = sorted(context.asset_partition_keys)
        if not symbols:
            raise ValueError(f"{key.to_user_string()}: {no_symbols_message(context.instance)}")
        own = producing_run(context)
        parts = []
        for symbol in symbols:
            read = _read_from(self._folder(key, symbol), PART, own, context.instance, key, symbol)
            if read is None:
                raise FileNotFoundError(
                    f"{key.to_user_string()} has not been materialized for symbol {symbol} in "
                    f"{describe_instance(context.instance)} by a run that has ended: materialize it first, e.g. "
                    f"dagster asset materialize --select {key.to_user_string()} --partition {symbol} "
                    "-m blofin_assets.definitions"
                )
            parts.append(decode_part(read))
        return pool(parts)


class ValueIOManager(dg.ConfigurableIOManager):
    """One file per unpartitioned asset and run under ``base_dir`` (default: $BLOFIN_IO_DIR,
    else $DAGSTER_HOME/storage), written whole; a URL such as s3://bucket/prefix works through
    UPath."""

    base_dir: Optional[str] = None

    def _folder(self, asset_key: dg.AssetKey) -> UPath:
        return UPath(self.base_dir or settings.shared_io_dir()).joinpath("values", *asset_key.path)

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        folder = self._folder(context.asset_key)
        _write(folder / f"{context.run_id}{VALUE}", encode_value(obj))
        _prune(folder, VALUE, context, None)

    def load_input(self, context: dg.InputContext):
        key = context.asset_key
        read = _read_from(self._folder(key), VALUE, producing_run(context), context.instance, key, None)
        if read is None:
            if not context.instance.get_dynamic_partitions(SYMBOL_PARTITIONS.name):  # the cause, before its effect
                raise FileNotFoundError(f"{key.to_user_string()}: {no_symbols_message(context.instance)}")
            raise FileNotFoundError(
                f"{key.to_user_string()} has not been materialized in {describe_instance(context.instance)} "
                f"by a run that has ended: materialize it first, e.g. dagster asset materialize --select "
                f"{key.to_user_string()} -m blofin_assets.definitions"
            )
        return decode_value(read)


def _read_from(folder: UPath, suffix: str, own: Optional[str], instance: dg.DagsterInstance, key: dg.AssetKey, symbol: Optional[str]) -> Optional[bytes]:
    """The bytes of the run's own output when it materialized it (this symbol's, for a
    per-symbol asset: a run of some symbols reads the others'), else those of the newest
    materialization by a run that has ended; None when there is none."""
    if own is not None:
        path = folder / f"{own}{suffix}"
        if path.exists():
            return path.read_bytes()
        if own in materializing_runs(instance, key, symbol):  # a re-executed run's parent output, pruned since
            raise FileNotFoundError(
                f"{key.to_user_string()}: the output of run {own} is no longer stored ({path}), since later runs "
                "replaced it: run the whole selection again rather than re-executing that run"
            )
    for _ in range(2):  # a file pruned between finding and reading it: find again
        run_id = newest_ended_run(instance, key, symbol)
        if run_id is None:
            return None
        try:
            return (folder / f"{run_id}{suffix}").read_bytes()
        except FileNotFoundError:
            continue
    return None


def _prune(folder: UPath, suffix: str, context: dg.OutputContext, symbol: Optional[str]) -> None:
    """Remove the files of other runs but those of runs in progress and the newest
    materialization's (see defs/run_outputs.py)."""
    stored = {p.name[: -len(suffix)]: p for p in folder.iterdir() if p.name.endswith(suffix) and RUN_ID.fullmatch(p.name[: -len(suffix)])}
    stored.pop(context.run_id, None)
    if not stored:
        return
    keep = runs_to_keep(context.step_context.instance, context.asset_key, symbol, stored)
    for run_id, path in stored.items():
        if run_id not in keep:
            path.unlink(missing_ok=True)


def _write(path: UPath, data: bytes) -> None:
    """Local files are written whole or not at all, so a crash never leaves a truncated
    partition behind; an object store writes an object whole anyway."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.protocol in ("", "file", "local"):
        write_bytes_atomic(path.path, data)
    else:
        path.write_bytes(data)
