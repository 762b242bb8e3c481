"""One measured run of the whole asset graph, in this process and as `make run` runs it (the
CLI's job through execute_job, the in-process executor, an instance with the project's
settings): wall time, each asset's time and peak memory (sampled from /proc every 20 ms), the
estimators used and the held-out figures."""

from __future__ import annotations

import os
import resource
import tempfile
import threading
import time
from pathlib import Path

SYMBOLS = ("BTC-USDT", "ETH-USDT", "SOL-USDT")

# The original pipeline's configuration: every model on its exact estimator whatever the data
# size (exact RBF SVM, sklearn's GradientBoosting, full-bootstrap forest on every feature, MLP
# 50 epochs at batch 256 without early stopping; XGBoost as it is). Our exact SVM calibrates
# once on the newest rows, where the original's SVC(probability=True) fits five more times:
# this configuration is, if anything, faster than the original was.
ORIGINAL = {
    "ops": {
        "risk_scorer": {"config": {"estimator": "exact", "max_features": 1.0}},
        "price_predictor": {"config": {"estimator": "exact", "patience": 0}},
        "momentum_classifier": {"config": {"estimator": "exact"}},
        "volatility_regressor": {"config": {"estimator": "exact"}},
    }
}


def symbols_for(count: int) -> tuple[str, ...]:
    """The three real-looking symbols, then generic ones (the synthetic market makes any)."""
    return (SYMBOLS + tuple(f"S{i:02d}-USDT" for i in range(count)))[:count]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


class RssSampler(threading.Thread):
    """Samples this process's resident memory so each step's peak can be read afterwards."""

    def __init__(self, every: float = 0.02):
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[tuple[float, float]] = []
        self._done = threading.Event()

    @staticmethod
    def rss_mb() -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def run(self) -> None:
        while not self._done.is_set():
            self.samples.append((time.time(), self.rss_mb()))
            time.sleep(self.every)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def peak_between(self, start: float, end: float) -> float | None:
        inside = [mb for t, mb in self.samples if start <= t <= end]
        return max(inside) if inside else None


def run_graph(total_candles: int, n_symbols: int = 3, original: bool = False) -> dict:
    """The whole graph the way `make run` runs it: execute_job on a persistent instance with the
    project's settings (dg.materialize would keep every step's output in memory for its result,
    580 MB at 1M candles that a real run does not hold), its storage in a temporary folder."""
    import shutil

    import dagster as dg
    import torch  # noqa: F401
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    from blofin_assets.definitions import defs
    from blofin_assets.ml import skops_files
    from blofin_assets.defs.partitions import register_symbols
    from blofin_assets.defs.resources import CandleSourceResource

    skops_files.skops_io()
    symbols = symbols_for(n_symbols)
    per_symbol = -(-total_candles // len(symbols))
    sampler = RssSampler() if Path("/proc/self/statm").exists() else None
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(
            BLOFIN_MODELS_DIR=f"{tmp}/models", BLOFIN_DB_URL=f"sqlite:///{tmp}/results.db", BLOFIN_IO_DIR=f"{tmp}/storage"
        )
        shutil.copy(Path(__file__).resolve().parents[1] / "config" / "dagster.yaml", tmp)
        source = {"symbols": list(symbols), "candles_per_symbol": per_symbol}
        run_config = {"resources": {"candle_source": {"config": source}}, **(ORIGINAL if original else {})}
        # The job `dagster asset materialize --select '*' -m blofin_assets.definitions` runs.
        repository = ReconstructableRepository.for_module("blofin_assets.definitions", "defs")
        job = repository.get_reconstructable_job(defs.resolve_implicit_global_asset_job_def().name)
        with dg.DagsterInstance.from_config(tmp) as instance:
            # one run over every symbol, as make run does
            tags = register_symbols(instance, CandleSourceResource(**source).source())
            if sampler:
                sampler.start()
            # The clock holds the graph, not the imports: skops and torch, which the pipeline
            # imports on first use (ml/skops_files.py, models/price.py), are imported above.
            start = time.perf_counter()
            # the training graph: the replay, which retrains every period, is benchmarked apart
            keys = [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.to_user_string() != "signal_replay"]
            result = dg.execute_job(job, instance, run_config=run_config, tags=tags, raise_on_error=True, asset_selection=keys)
            wall = time.perf_counter() - start
            if sampler:
                sampler.stop()
            steps: dict[str, float] = {}
            step_peaks: dict[str, float | None] = {}
            started: dict[str, float] = {}
            for entry in instance.all_logs(result.run_id):
                event = entry.dagster_event
                if event is None or event.step_key is None:
                    continue
                if event.event_type_value == "STEP_START":
                    started[event.step_key] = entry.timestamp
                elif event.event_type_value == "STEP_SUCCESS":
                    steps[event.step_key] = entry.timestamp - started[event.step_key]
                    if sampler:
                        step_peaks[event.step_key] = sampler.peak_between(started[event.step_key], entry.timestamp)
            estimators = {}
            for event in result.get_asset_materialization_events():
                meta = event.materialization.metadata
                if "estimator" in meta:
                    estimators[event.asset_key.to_user_string()] = meta["estimator"].value
            comparison = defs.load_asset_value("model_comparison", instance=instance)
            models = {
                row["model"]: {k: row[k] for k in ("metric", "value", "baseline", "skill", "wf_skill_mean", "wf_skill_std")}
                for row in comparison.to_dict("records")
            }
    return {
        "configuration": "original" if original else "project",
        "total_candles": per_symbol * len(symbols),
        "symbols": len(symbols),
        "wall_seconds": round(wall, 2),
        "asset_seconds": {k: round(v, 3) for k, v in steps.items()},
        "asset_peak_rss_mb": {k: (round(v, 1) if v else None) for k, v in step_peaks.items()},
        "peak_rss_mb": round(peak_mb(), 1),
        "estimators": estimators,
        "models": models,
        "success": result.success,
    }
