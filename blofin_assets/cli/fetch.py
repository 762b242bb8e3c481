"""Fetch candles and funding rates from BloFin (or another ccxt exchange) into CSV files: `make fetch`.

    blofin fetch                                                 # BTC-USDT ETH-USDT SOL-USDT, 1h, 90 days
    blofin fetch --symbol BTC-USDT --timeframe 15m --days 30 --out data/candles

Only candles (and funding settlements, kept in <SYMBOL>.funding.csv) newer than a file already
holds are fetched. Then point the pipeline at the folder: BLOFIN_CANDLES_DIR=data/candles make run
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from blofin_assets import settings
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.funding import funding_path
from blofin_assets.market.sources import CsvFolderSource, ExchangeSource
from blofin_assets.market.sources.exchange import ExchangeFetchError
from blofin_assets.market.synthetic import DEFAULT_SYMBOLS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="blofin fetch", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--symbol", action="append", help="instrument id, repeatable (default: BTC-USDT ETH-USDT SOL-USDT)")
    parser.add_argument("--timeframe", default="1h")
    parser.add_argument("--days", type=float, default=90, help="history for a symbol fetched the first time")
    parser.add_argument("--out", help="folder of CSV files (default: $BLOFIN_CANDLES_DIR or data/candles)")
    parser.add_argument("--exchange", default="blofin", help="ccxt exchange id")
    parser.add_argument("--api-url", help="REST base URL instead of ccxt's")
    args = parser.parse_args(argv)
    folder = Path(args.out) if args.out else settings.exchange_candles_dir()
    symbols = args.symbol or list(DEFAULT_SYMBOLS)
    try:
        source = ExchangeSource(args.exchange, folder, tuple(symbols), args.timeframe, args.days, args.api_url)
        counts = source.refresh(symbols)
        funding = source.refresh_funding(CsvFolderSource(folder).load(symbols))
    except (ExchangeFetchError, CandleDataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for symbol, (new, total) in counts.items():
        print(f"{symbol}: {new} new candle(s), {total} in {folder}/{symbol}.csv")
        new_rates, all_rates = funding.get(symbol, (0, 0))
        if all_rates:
            print(f"{symbol}: {new_rates} new funding settlement(s), {all_rates} in {funding_path(folder, symbol)}")
        else:
            print(f"{symbol}: no funding history from {args.exchange}: backtests assume rate 0 for it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
