"""A separate process that saves models into a store, for the crash and concurrency tests.

    python -m blofin_assets_tests.storage.store_worker MODELS_DIR SEED SAVES [--hang-in-save]

Trains a quick direction model (seeded), then saves it SAVES times. With --hang-in-save it
prints SAVING once the model's files are written and fsynced, then hangs inside the save,
before the new version is made current, waiting to be killed.
"""

import os
import sys
import time

from blofin_assets.market.features import compute_features
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.ml.dataset import build_targets, model_table
from blofin_assets.storage.model_store import ModelStore
from blofin_assets.ml.training import train_model


def quick_model(seed: int):
    candles = SyntheticMarket(symbols=("BTC-USDT",), candles_per_symbol=600, seed=seed).generate()
    features = compute_features(candles)
    return train_model("direction_predictor", model_table(features, build_targets(candles, features)), 5, {"n_estimators": 20})


def main() -> None:
    models_dir, seed, saves = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    trained = quick_model(seed)
    store = ModelStore(models_dir)
    if "--hang-in-save" in sys.argv:
        fsync = os.fsync
        calls = []

        def fsync_then_hang(fd):
            fsync(fd)
            calls.append(fd)
            if len(calls) == 2:  # both model files are on disk; the version is not yet current
                print("SAVING", flush=True)
                time.sleep(300)

        os.fsync = fsync_then_hang
    for _ in range(saves):
        stored = store.save(trained.model, trained.config, {"training": trained.training, "seed": seed})
        store.set_current({stored.model.name: stored.version})
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
