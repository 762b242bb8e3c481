"""Storage of asset values in data formats, so that reading one runs no code whoever wrote it.

``ValueIOManager`` keeps each unpartitioned asset's value (model references, validations, the
comparison, the ensemble config, backtest and monitoring tables) as
``<base_dir>/values/<asset>.zip`` (storage/value_files.py), in place of the pickles Dagster's
own filesystem IO manager would write.

Per-symbol assets (candles, features, targets): one file per symbol partition.

A step computes a value for all the symbols of its run (a frame with a ``symbol`` column, or a
TargetSet); this IO manager writes each symbol's part to
``<base_dir>/by_symbol/<asset>/<symbol>.parquet`` (a data format: reading one runs no code; beside,
not inside, the files Dagster's own IO manager keeps under the same folder) and hands a reading step the parts it asks for pooled into one value again: the symbols of its
own run for a per-symbol asset, every registered symbol for a model. Dagster's own filesystem
IO manager stores a range of partitions only as one object, which a later single-symbol run
could not update.
"""

from __future__ import annotations

from typing import Optional

import dagster as dg
import pandas as pd
from upath import UPath

from blofin_assets import settings
from blofin_assets.defs.partitions import SYMBOL_PARTITIONS, describe_instance, no_symbols_message
from blofin_assets.market.symbols import check_symbol
from blofin_assets.ml.dataset import TargetSet
from blofin_assets.storage.files import write_bytes_atomic
from blofin_assets.storage.partition_files import decode_part, encode_part
from blofin_assets.storage.value_files import decode_value, encode_value


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
    """One Parquet file per asset and symbol under ``base_dir`` (default: $BLOFIN_IO_DIR, else
    $DAGSTER_HOME/storage); a URL such as s3://bucket/prefix works through UPath."""

    base_dir: Optional[str] = None

    def _path(self, asset_key: dg.AssetKey, symbol: str) -> UPath:
        # A partition key becomes a file name: one added by hand in the UI is checked here.
        check_symbol(symbol, f"{asset_key.to_user_string()} partition")
        root = UPath(self.base_dir or settings.shared_io_dir())
        return root.joinpath("by_symbol", *asset_key.path, f"{symbol}.parquet")

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
            _write(self._path(context.asset_key, symbol), encode_part(parts[symbol]))

    def load_input(self, context: dg.InputContext):
        key = context.asset_key
        symbols = sorted(context.asset_partition_keys)
        if not symbols:
            raise ValueError(f"{key.to_user_string()}: {no_symbols_message(context.instance)}")
        parts = []
        for symbol in symbols:
            path = self._path(key, symbol)
            if not path.exists():
                raise FileNotFoundError(
                    f"{key.to_user_string()} has not been materialized for symbol {symbol} in "
                    f"{describe_instance(context.instance)} (no {path}): materialize it first, e.g. "
                    f"dagster asset materialize --select {key.to_user_string()} --partition {symbol} "
                    "-m blofin_assets.definitions"
                )
            parts.append(decode_part(path.read_bytes()))
        return pool(parts)


class ValueIOManager(dg.ConfigurableIOManager):
    """One file per unpartitioned asset under ``base_dir`` (default: $BLOFIN_IO_DIR, else
    $DAGSTER_HOME/storage), written whole; a URL such as s3://bucket/prefix works through UPath."""

    base_dir: Optional[str] = None

    def _path(self, asset_key: dg.AssetKey) -> UPath:
        return UPath(self.base_dir or settings.shared_io_dir()).joinpath("values", *asset_key.path[:-1], f"{asset_key.path[-1]}.zip")

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        _write(self._path(context.asset_key), encode_value(obj))

    def load_input(self, context: dg.InputContext):
        key = context.asset_key
        path = self._path(key)
        if not path.exists():
            if not context.instance.get_dynamic_partitions(SYMBOL_PARTITIONS.name):  # the cause, before its effect
                raise FileNotFoundError(f"{key.to_user_string()}: {no_symbols_message(context.instance)}")
            raise FileNotFoundError(
                f"{key.to_user_string()} has not been materialized in {describe_instance(context.instance)} "
                f"(no {path}): materialize it first, e.g. dagster asset materialize --select {key.to_user_string()} "
                "-m blofin_assets.definitions"
            )
        return decode_value(path.read_bytes())


def _write(path: UPath, data: bytes) -> None:
    """Local files are written whole or not at all, so a crash never leaves a truncated
    partition behind; an object store writes an object whole anyway."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.protocol in ("", "file", "local"):
        write_bytes_atomic(path.path, data)
    else:
        path.write_bytes(data)
