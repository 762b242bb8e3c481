"""The ``candles`` asset: OHLCV candles from the configured source, one partition per symbol.

The source refuses malformed candles outright (schema.validate_candles, csv_source). Two rules
need a threshold and so are blocking asset checks: gaps in a series longer than a tolerance,
and too few candles for the feature windows, the horizon and something to learn from. When
either fails, nothing downstream runs on these candles.
"""

import dagster as dg
import pandas as pd

from blofin_assets.assets.markdown import md_table
from blofin_assets.market.schema import CandleDataError, find_gaps, infer_bar, short_symbols
from blofin_assets.partitions import PER_SYMBOL
from blofin_assets.resources import CandleSource

GAPS, ENOUGH = "no_gaps", "enough_candles"


class CandlesConfig(dg.Config):
    gap_tolerance_bars: float = 3.0
    """A jump between consecutive candles of more than this many bars fails the no_gaps check."""
    min_candles: int = 400
    """Fewer candles than this for a symbol fails enough_candles: the features need 100 for their
    windows, the targets `horizon` more, and the models a few hundred rows to learn from."""


@dg.asset(
    group_name="data",
    kinds={"pandas"},
    **PER_SYMBOL,
    check_specs=[
        dg.AssetCheckSpec(GAPS, asset="candles", blocking=True, description="No series skips more than gap_tolerance_bars bars."),
        dg.AssetCheckSpec(ENOUGH, asset="candles", blocking=True, description="Every symbol has at least min_candles candles."),
    ],
    description="OHLCV candles, one partition per symbol, validated: sorted, unique timestamps, consistent OHLC, no gaps.",
)
def candles(context: dg.AssetExecutionContext, config: CandlesConfig, candle_source: CandleSource):
    symbols = sorted(context.partition_keys)
    offered = candle_source.offered_symbols()
    unknown = [s for s in symbols if s not in offered]
    if unknown:
        raise CandleDataError(
            f"{candle_source.describe()}: symbol partition(s) {unknown} not offered (offered: {offered}); "
            "run `python -m blofin_assets.symbols` to make the partitions the source's symbols"
        )
    frame = candle_source.load(symbols)
    summary = pd.DataFrame(
        [
            {
                "symbol": symbol,
                "candles": len(group),
                "bar": str(infer_bar(group["timestamp"])),
                "first": group["timestamp"].iloc[0].isoformat(),
                "last": group["timestamp"].iloc[-1].isoformat(),
            }
            for symbol, group in frame.groupby("symbol")
        ]
    )
    source = candle_source.describe()
    context.log.info(f"{len(frame)} candles for {len(summary)} symbol(s) from {source}")
    yield dg.Output(
        frame,
        metadata={
            "dagster/row_count": len(frame),
            "source": source,
            "symbols": dg.MetadataValue.md(md_table(summary)),
            "first": frame["timestamp"].min().isoformat(),
            "last": frame["timestamp"].max().isoformat(),
        },
    )
    gaps = find_gaps(frame, config.gap_tolerance_bars)
    yield dg.AssetCheckResult(
        check_name=GAPS,
        passed=not gaps,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{source}: {len(gaps)} gap(s) longer than {config.gap_tolerance_bars:g} bars, e.g. symbol "
            f"{gaps[0]['symbol']} between {gaps[0]['after']} and {gaps[0]['before']} ({gaps[0]['missing_bars']} "
            "bars missing). Gaps are not filled: fill the data, or raise gap_tolerance_bars."
            if gaps
            else "no gaps"
        ),
        metadata={"gaps": len(gaps), **({"where": dg.MetadataValue.md(md_table(pd.DataFrame(gaps)))} if gaps else {})},
    )
    short = short_symbols(frame, config.min_candles)
    yield dg.AssetCheckResult(
        check_name=ENOUGH,
        passed=not short,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{source}: too few candles for the feature windows plus horizon and training: "
            + ", ".join(f"{s} has {n}" for s, n in short.items())
            + f"; at least {config.min_candles} needed (min_candles)"
            if short
            else f"every symbol has at least {config.min_candles} candles"
        ),
    )
