"""Register the candle source's symbols as partitions; print the range that covers them all.

    python -m blofin_assets.symbols [-c run_config.yaml]

The symbols are those the candle source offers: ``resources.candle_source.config`` of the
given run config (the same file `dagster asset materialize -c` takes), else the environment
($BLOFIN_CANDLES_DIR's files) and the defaults. Symbols the source no longer offers are
removed. What is printed, first...last, is what `--partition-range` takes (make run uses it).
"""

from __future__ import annotations

import argparse
import sys

import dagster as dg
import yaml

from blofin_assets.partitions import all_symbols_tags, symbol_range, sync_symbols
from blofin_assets.resources import CandleSource


def source_for(run_config: dict | None) -> CandleSource:
    """The candle source a run with this run config would use."""
    config = (((run_config or {}).get("resources") or {}).get("candle_source") or {}).get("config") or {}
    return CandleSource(**config)


def every_symbol(instance: dg.DagsterInstance, source: CandleSource) -> dict[str, str]:
    """Register the symbols ``source`` offers; the run tags of one run over all of them."""
    sync_symbols(instance, source.offered_symbols())
    return all_symbols_tags(instance)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", help="run config YAML whose candle_source settings to use")
    args = parser.parse_args(argv)
    try:
        run_config = None
        if args.config:
            with open(args.config) as handle:
                run_config = yaml.safe_load(handle)
        symbols = source_for(run_config).offered_symbols()
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with dg.DagsterInstance.get() as instance:
        added, removed = sync_symbols(instance, symbols)
        first, last = symbol_range(instance)
    print(
        f"symbol partitions: {', '.join(symbols)}"
        + (f"; added {', '.join(added)}" if added else "")
        + (f"; removed {', '.join(removed)}" if removed else ""),
        file=sys.stderr,
    )
    print(f"{first}...{last}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
