"""Serve the current ensemble's signals over HTTP on loopback (see serving/http.py).

    blofin serve                         # http://127.0.0.1:8000
    blofin serve --port 8080 -c config/run.yaml

Candles for GET /signal/{symbol} come from the source a run would use (the run config's with -c,
else $BLOFIN_CANDLES_DIR, else the embedded market); models from $BLOFIN_MODELS_DIR; the
answers for those candles are recorded in the results database's ml_predictions
($BLOFIN_DB_URL), and wait in memory while it is down (/health says degraded). Requests must
name the host the service is reached by: loopback's names, and those given with --allow-host.
"""

from __future__ import annotations

import argparse
import sys

from blofin_assets import settings
from blofin_assets.cli.symbols import candle_source
from blofin_assets.serving.http import LOOPBACK_HOSTS, create_app
from blofin_assets.serving.recorder import SignalRecorder
from blofin_assets.storage.model_store import ModelStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="blofin serve", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback only)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("-c", "--config", help="run config YAML whose candle_source settings to use")
    parser.add_argument("--models-dir", help="default: $BLOFIN_MODELS_DIR or ./models")
    parser.add_argument("--allow-host", action="append", default=[], help="a host name requests may name besides 127.0.0.1 and localhost (repeatable)")
    args = parser.parse_args(argv)
    import uvicorn  # only the service needs it

    try:
        source = candle_source(args.config)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    hosts = [*LOOPBACK_HOSTS, *args.allow_host, *([args.host] if args.host not in ("0.0.0.0", "::") else [])]
    app = create_app(ModelStore(args.models_dir or settings.models_dir()), source, SignalRecorder(settings.db_url()), hosts)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
