"""The ``candles`` asset: OHLCV candles from the configured source, one partition per symbol.

The source refuses malformed candles outright (schema.validate_candles, csv_files). Two rules
need a threshold and so are blocking asset checks (checks.py): gaps in a series longer than a
tolerance, and too few candles for the feature windows, the horizon and something to learn
from. When either fails, nothing downstream runs on these candles.
"""

import dagster as dg
import pandas as pd

from blofin_assets.defs.config_bounds import CheckedConfig
from blofin_assets.defs.checks import CANDLE_CHECKS, enough_result, gaps_result, logged
from blofin_assets.defs.freshness import HOURLY
from blofin_assets.defs.metadata import md_table
from blofin_assets.defs.partitions import PER_SYMBOL
from blofin_assets.defs.resources import CandleSourceResource
from blofin_assets.market.calendar import CALENDARS, DEFAULT_HOLIDAYS
from blofin_assets.market.funding import ASSUMED
from blofin_assets.market.schema import CandleDataError, bar_label, find_gaps, infer_bar, market_calendars, short_symbols
from blofin_assets.market.sources import CandleSource


class CandlesConfig(CheckedConfig):
    bounds = {"gap_tolerance_bars": (1, 100_000), "min_candles": (1, 10_000_000)}
    choices = {"calendar": CALENDARS}
    gap_tolerance_bars: float = 3.0
    """A jump between consecutive candles of more than this many bars of trading time fails the
    no_gaps check (bars the market calendar says it was closed do not count)."""
    calendar: str = "auto"
    """When the market is closed: auto (each symbol's recurring weekly closure, recognised from
    its candles; none for crypto), 24/7, or weekdays (closed Saturday and Sunday UTC)."""
    holidays: list[str] = list(DEFAULT_HOLIDAYS)
    """Days a market with closures is also closed: MM-DD every year, or YYYY-MM-DD."""
    min_candles: int = 400
    """Fewer candles than this for a symbol fails enough_candles: the features need 100 for their
    windows, the targets `horizon` more, and the models a few hundred rows to learn from."""


def load_offered(source: CandleSource, symbols: list[str]) -> pd.DataFrame:
    """The candles of ``symbols``, refused when the source does not offer one of them."""
    offered = source.offered_symbols()
    unknown = [s for s in symbols if s not in offered]
    if unknown:
        raise CandleDataError(
            f"{source.describe()}: symbol partition(s) {unknown} not offered (offered: {offered}); "
            "run `blofin symbols` to make the partitions the source's symbols"
        )
    return source.load(symbols)


def per_symbol_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Count, bar size and first/last candle of each symbol, and how the source wrote its
    timestamps where it says (CSV files: the detected unit)."""
    written_as = frame.attrs.get("timestamps", {})
    summary = pd.DataFrame(
        [
            {
                "symbol": symbol,
                "candles": len(group),
                "bar": bar_label(infer_bar(group["timestamp"])) if len(group) > 1 else "-",  # enough_candles says why
                "first": f"{group['timestamp'].iloc[0]:%Y-%m-%d %H:%M}",
                "last": f"{group['timestamp'].iloc[-1]:%Y-%m-%d %H:%M}",
            }
            for symbol, group in frame.groupby("symbol")
        ]
    )
    if written_as:
        summary["timestamps"] = summary["symbol"].map(written_as)
    return summary


@dg.asset(
    group_name="data",
    kinds={"pandas"},
    **PER_SYMBOL,
    check_specs=CANDLE_CHECKS,
    freshness_policy=HOURLY,
    description="OHLCV candles, one partition per symbol, validated: sorted, unique timestamps, consistent OHLC, no gaps.",
)
def candles(context: dg.AssetExecutionContext, config: CandlesConfig, candle_source: CandleSourceResource):
    source = candle_source.source()
    frame = load_offered(source, sorted(context.partition_keys))
    summary = per_symbol_summary(frame)
    calendars = market_calendars(frame, config.calendar, config.holidays)
    context.log.info(f"{len(frame)} candles for {len(summary)} symbol(s) from {source.describe()}")
    checks = [
        logged(context, gaps_result(source.describe(), find_gaps(frame, config.gap_tolerance_bars, calendars), config.gap_tolerance_bars, calendars)),
        logged(context, enough_result(source.describe(), short_symbols(frame, config.min_candles), config.min_candles)),
    ]
    yield from checks
    refused = [c for c in checks if not c.passed]
    if refused:
        # Refused candles are never stored: the step fails before its output is written, so no
        # later run (of features alone, say) can read them.
        raise dg.Failure(
            description="candles refused, nothing stored: " + " | ".join(f"{c.check_name}: {c.description}" for c in refused)
        )
    yield dg.Output(
        frame,
        metadata={
            "dagster/row_count": len(frame),
            "source": source.describe(),
            "symbols": dg.MetadataValue.md(md_table(summary)),
            "first": frame["timestamp"].min().isoformat(),
            "last": frame["timestamp"].max().isoformat(),
            # rows whose volume was absent from the file and read as 0, per symbol
            "volume_filled_with_0": dg.MetadataValue.json(frame.attrs.get("volume_filled", {})),
            "calendars": dg.MetadataValue.md(
                md_table(pd.DataFrame({"symbol": list(calendars), "market": [c.describe() for c in calendars.values()]}))
            ),
        },
    )


def funding_summary(funding: pd.DataFrame) -> pd.DataFrame:
    """Per symbol: where its rates come from, settlements, mean rate and the span covered."""
    return pd.DataFrame(
        [
            {
                "symbol": symbol,
                "source": "; ".join(sorted(set(rows["source"]))),
                "settlements": len(rows),
                "mean rate": float(rows["rate"].mean()) if len(rows) else None,
                "first": f"{rows['timestamp'].min():%Y-%m-%d %H:%M}" if len(rows) else "-",
                "last": f"{rows['timestamp'].max():%Y-%m-%d %H:%M}" if len(rows) else "-",
            }
            for symbol, rows in funding.groupby("symbol", sort=True)
        ]
    )


@dg.asset(
    group_name="data",
    kinds={"pandas"},
    **PER_SYMBOL,
    description="Perpetual funding rates per symbol (exchange history, <SYMBOL>.funding.csv, or synthetic 8-hourly); rate 0 where none, said.",
)
def funding(context: dg.AssetExecutionContext, candles: pd.DataFrame, candle_source: CandleSourceResource):
    source = candle_source.source()
    frame = source.load_funding(candles)
    summary = funding_summary(frame)
    assumed = sorted(frame.loc[frame["source"] == ASSUMED, "symbol"].unique())
    if assumed:
        context.log.warning(f"no funding data for {assumed}: the backtest assumes rate 0 for them, and says so")
    context.log.info(f"{len(frame)} funding settlements for {len(summary)} symbol(s) from {source.describe()}")
    return dg.Output(
        frame,
        metadata={
            "dagster/row_count": len(frame),
            "symbols": dg.MetadataValue.md(md_table(summary)),
            "assumed_rate_0": dg.MetadataValue.json(assumed),
        },
    )
