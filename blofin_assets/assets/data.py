"""The ``candles`` asset: every symbol's OHLCV candles from the configured source."""

import dagster as dg
import pandas as pd

from blofin_assets.assets.markdown import md_table
from blofin_assets.market.schema import infer_bar
from blofin_assets.resources import CandleSource


@dg.asset(
    group_name="data",
    kinds={"pandas"},
    description="OHLCV candles per symbol, validated: sorted, unique timestamps, consistent OHLC.",
)
def candles(context: dg.AssetExecutionContext, candle_source: CandleSource) -> dg.Output[pd.DataFrame]:
    frame = candle_source.load()
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
    context.log.info(f"{len(frame)} candles for {len(summary)} symbol(s) from {candle_source.describe()}")
    return dg.Output(
        frame,
        metadata={
            "dagster/row_count": len(frame),
            "source": candle_source.describe(),
            "symbols": md_table(summary),
            "first": frame["timestamp"].min().isoformat(),
            "last": frame["timestamp"].max().isoformat(),
        },
    )
