"""Write the embedded synthetic market's candles as CSV files, one per symbol, in the layout
the CSV source reads: a folder to try the pipeline's CSV path (or a new symbol) with.

    blofin write-candles --out data/candles                       # BTC-USDT ETH-USDT SOL-USDT
    blofin write-candles --symbol XRP-USDT --out data/candles     # one more symbol's file

Then BLOFIN_CANDLES_DIR=<the folder> makes the pipeline read them.
"""

from __future__ import annotations

import argparse
import sys

from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets.market.synthetic import DEFAULT_SYMBOLS, SyntheticMarket
from blofin_assets.settings import synthetic_end


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="blofin write-candles", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--symbol", action="append", help="symbol to write (repeatable; default: BTC-USDT ETH-USDT SOL-USDT)")
    parser.add_argument("--candles", type=int, default=SyntheticMarket.candles_per_symbol, help="candles per symbol")
    parser.add_argument("--bar", default=SyntheticMarket.bar, help="bar size, e.g. 1h, 15min, 1D")
    parser.add_argument("--seed", type=int, default=SyntheticMarket.seed)
    parser.add_argument("--end", help="now (the last bar closed before the clock), fixed (the first bars from 2024-01-01) or a time; default $BLOFIN_SYNTHETIC_END, else now")
    parser.add_argument("--out", required=True, help="folder to write <SYMBOL>.csv files into")
    args = parser.parse_args(argv)
    try:
        market = SyntheticMarket(tuple(args.symbol or DEFAULT_SYMBOLS), args.candles, args.bar, args.seed, end=synthetic_end(args.end))
        paths = write_candle_csv(market.generate(), args.out)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"{path}: {args.candles} candles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
