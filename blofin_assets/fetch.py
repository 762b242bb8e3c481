"""Fetch candles from BloFin (or another ccxt exchange) into CSV files: `make fetch`.

    python -m blofin_assets.fetch                                   # BTC-USDT ETH-USDT SOL-USDT, 1h, 90 days
    python -m blofin_assets.fetch --symbol BTC-USDT --timeframe 15m --days 30 --out data/candles

Only candles newer than a file already holds are fetched. Then point the pipeline at the
folder: BLOFIN_CANDLES_DIR=data/candles make run
"""

from __future__ import annotations

import argparse
import sys

from blofin_assets import settings
from blofin_assets.market.exchange import ExchangeFetchError
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.sources import refresh_from_exchange
from blofin_assets.market.synthetic import DEFAULT_SYMBOLS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--symbol", action="append", help="instrument id, repeatable (default: BTC-USDT ETH-USDT SOL-USDT)")
    parser.add_argument("--timeframe", default="1h")
    parser.add_argument("--days", type=float, default=90, help="history for a symbol fetched the first time")
    parser.add_argument("--out", help="folder of CSV files (default: $BLOFIN_CANDLES_DIR or data/candles)")
    parser.add_argument("--exchange", default="blofin", help="ccxt exchange id")
    parser.add_argument("--api-url", help="REST base URL instead of ccxt's")
    args = parser.parse_args(argv)
    folder = args.out or settings.exchange_candles_dir()
    symbols = args.symbol or list(DEFAULT_SYMBOLS)
    try:
        counts = refresh_from_exchange(folder, symbols, args.exchange, args.timeframe, args.days, args.api_url)
    except (ExchangeFetchError, CandleDataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for symbol, (new, total) in counts.items():
        print(f"{symbol}: {new} new candle(s), {total} in {folder}/{symbol}.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
