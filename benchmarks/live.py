"""`make bench`, part three: the live loop.

1. The hourly prediction run (candles, features, predictions: no training) for 20 symbols,
   after the whole graph was trained on them: wall time of the run in this process (imports
   and training not counted). Target: under 5 s.
2. The HTTP service (real uvicorn on loopback): p50 and p99 latency of a posted feature row,
   one request at a time over one kept-alive connection, after warm-up.

    python -m benchmarks.live [--symbols 20] [--candles 600] [--requests 500]
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import sys
import tempfile
import threading
import time

import numpy as np

TARGET_HOURLY_SECONDS = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--candles", type=int, default=600, help="candles per symbol to train on")
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args(argv)

    import dagster as dg
    import uvicorn

    from benchmarks.measure import symbols_for
    from blofin_assets.definitions import defs
    from blofin_assets.defs.io_managers import SymbolPartitionIOManager
    from blofin_assets.defs.partitions import SYMBOL_IO_MANAGER, register_symbols
    from blofin_assets.defs.resources import CandleSourceResource, ModelStoreResource, ResultsDatabase
    from blofin_assets.serving.http import create_app
    from blofin_assets.storage.model_store import ModelStore
    from blofin_assets.serving.recorder import SignalRecorder

    symbols = list(symbols_for(args.symbols))
    with tempfile.TemporaryDirectory() as tmp:
        resources = {
            "candle_source": CandleSourceResource(symbols=symbols, candles_per_symbol=args.candles),
            "model_store": ModelStoreResource(models_dir=f"{tmp}/models"),
            "results_db": ResultsDatabase(url=f"sqlite:///{tmp}/results.db"),
            SYMBOL_IO_MANAGER: SymbolPartitionIOManager(base_dir=f"{tmp}/storage"),
        }
        instance = dg.DagsterInstance.ephemeral(tempdir=tmp)
        tags = register_symbols(instance, resources["candle_source"].source())
        print(f"benchmark: training on {args.symbols} symbols x {args.candles} candles ...", flush=True)
        trained = dg.materialize(defs.assets, resources=resources, instance=instance, tags=tags)
        assert trained.success
        hourly = defs.resolve_job_def("hourly_predictions_job")
        next_hour = {"resources": {"candle_source": {"config": {"symbols": symbols, "candles_per_symbol": args.candles + 1}}}}
        start = time.perf_counter()
        run = hourly.execute_in_process(instance=instance, resources=resources, run_config=next_hour, tags=tags)
        hourly_seconds = time.perf_counter() - start
        assert run.success
        verdict = "met" if hourly_seconds < TARGET_HOURLY_SECONDS else "NOT met"
        print(f"  hourly prediction run, {args.symbols} symbols: {hourly_seconds:.2f} s (target < {TARGET_HOURLY_SECONDS:g} s): {verdict}")

        features = trained.output_for_node("features")
        app = create_app(ModelStore(f"{tmp}/models"), resources["candle_source"].source(), SignalRecorder(f"sqlite:///{tmp}/results.db"))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        columns = [c for c in features.columns if c not in ("symbol", "timestamp")]
        times = []
        for i in range(args.requests + 20):
            row = features.iloc[i % len(features)]
            body = json.dumps({"symbol": row["symbol"], "timestamp": row["timestamp"].isoformat(), "features": {c: float(row[c]) for c in columns}})
            began = time.perf_counter()
            connection.request("POST", "/signal", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if i >= 20:  # warm-up
                times.append((time.perf_counter() - began) * 1e3)
            assert response.status == 200, response.status
        server.should_exit = True
        thread.join(timeout=10)
    figures = {
        "benchmark": "live",
        "symbols": args.symbols,
        "hourly_run_seconds": round(hourly_seconds, 2),
        "hourly_target_met": hourly_seconds < TARGET_HOURLY_SECONDS,
        "service_ms": {"p50": round(float(np.median(times)), 2), "p99": round(float(np.percentile(times, 99)), 2)},
        "requests": args.requests,
    }
    print(f"  service, one posted row: p50 {figures['service_ms']['p50']:.1f} ms, p99 {figures['service_ms']['p99']:.1f} ms over {args.requests} requests")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
