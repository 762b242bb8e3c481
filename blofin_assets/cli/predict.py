"""Predict for the newest candle of each symbol: every model's output and the ensemble signal,
as JSON on stdout, recorded in the results database's ml_predictions (with the database down
the signals are still printed, ``"recorded": false``, and stderr says why).

    blofin predict                      # every symbol
    blofin predict --symbol BTC-USDT    # one (repeat --symbol for more)

Candles come from the candle source a run would use: the run config's (-c, as `dagster asset
materialize -c` takes it), else $BLOFIN_CANDLES_DIR (or --candles-dir), else the embedded
synthetic market; models and the ensemble from $BLOFIN_MODELS_DIR (or --models-dir). The
ensemble refuses to run on models that changed since it was built.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

from blofin_assets import settings
from blofin_assets.cli.symbols import candle_source
from blofin_assets.market.sources.exchange import ExchangeFetchError
from blofin_assets.ml.ensemble import EnsembleVersionError
from blofin_assets.serving.recorder import SignalRecorder
from blofin_assets.serving.signals import newest_signals
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.model_store import ModelIntegrityError, ModelNotFoundError, ModelStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="blofin predict", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--symbol", action="append", help="symbol to predict (repeatable); default: all")
    parser.add_argument("--models-dir", help="default: $BLOFIN_MODELS_DIR or ./models")
    parser.add_argument("--candles-dir", help="default: $BLOFIN_CANDLES_DIR, else the synthetic market")
    parser.add_argument("-c", "--config", help="run config YAML whose candle_source settings to use")
    args = parser.parse_args(argv)

    store = ModelStore(args.models_dir or settings.models_dir())
    try:
        ensemble = EnsembleStore(store).load()
        source = candle_source(args.config, args.candles_dir)
        signals = newest_signals(ensemble, source, args.symbol, horizon=ensemble.horizon_, origin="predict command")
    except (OSError, ValueError, ExchangeFetchError, ModelNotFoundError, EnsembleVersionError, ModelIntegrityError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    recorder = SignalRecorder(settings.db_url())
    recorded = recorder.record(signals.records)
    recorder.close()
    if not recorded:
        print(f"warning: the signals were not recorded: {recorder.status()['error']} ({settings.masked(recorder.url)})", file=sys.stderr)
    print(
        json.dumps(
            {
                "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "source": source.describe(),
                "models_dir": str(store.root),
                "ensemble_type": ensemble.ensemble_type,
                "ensemble_version": ensemble.version_,
                "model_versions": ensemble.versions,
                "predictions": signals.payloads,
                "recorded": recorded,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
