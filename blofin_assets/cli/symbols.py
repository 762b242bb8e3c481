"""Register the candle source's symbols as partitions; print the range that covers them all.

    blofin symbols [-c run_config.yaml]

The symbols are those the candle source offers: ``resources.candle_source.config`` of the
given run config (the same file `dagster asset materialize -c` takes), else the environment
($BLOFIN_CANDLES_DIR's files) and the defaults. Symbols the source no longer offers are
removed. What is printed, first...last, is what `--partition-range` takes (make run uses it).
"""

from __future__ import annotations

import argparse
import sys

import yaml

from blofin_assets.defs.instance import project_instance
from blofin_assets.defs.partitions import symbol_range, sync_symbols
from blofin_assets.defs.resources import CandleSourceResource
from blofin_assets.market.sources import CandleSource


def candle_source(config_path: str | None, candles_dir: str | None = None) -> CandleSource:
    """The candle source a run with the run config at ``config_path`` would use (``candles_dir``
    overrides its folder)."""
    run_config = None
    if config_path:
        with open(config_path) as handle:
            run_config = yaml.safe_load(handle)
    resource = CandleSourceResource.from_run_config(run_config)
    return resource.model_copy(update={"candles_dir": candles_dir}).source() if candles_dir else resource.source()


def shown(names) -> str:
    """Names as a terminal can show them: a partition registered by other means may hold
    newlines or right-to-left marks, printed escaped rather than acted on."""
    return ", ".join(n if n.isprintable() else n.encode("unicode_escape").decode("ascii") for n in names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="blofin symbols", description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", help="run config YAML whose candle_source settings to use")
    args = parser.parse_args(argv)
    try:
        symbols = candle_source(args.config).offered_symbols()
        instance = project_instance()
    except (OSError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with instance:
        added, removed = sync_symbols(instance, symbols)
        first, last = symbol_range(instance)
    print(
        f"symbol partitions: {shown(symbols)}" + (f"; added {shown(added)}" if added else "") + (f"; removed {shown(removed)}" if removed else ""),
        file=sys.stderr,
    )
    print(f"{first}...{last}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
