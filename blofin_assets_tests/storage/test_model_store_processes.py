"""The model store against real processes: one killed in the middle of a save, two saving and
switching the same model at once."""

import signal
import subprocess
import sys

import numpy as np
import pandas as pd

from blofin_assets.storage.model_store import ModelStore
from blofin_assets_tests.storage.store_worker import quick_model

WORKER = [sys.executable, "-m", "blofin_assets_tests.storage.store_worker"]


def test_a_save_killed_midway_leaves_the_previous_model_loading_and_predicting(tmp_path):
    store = ModelStore(tmp_path)
    previous = quick_model(seed=1)
    saved = store.save(previous.model, previous.config, {"training": previous.training})
    store.set_current({"direction_predictor": saved.version})
    columns = previous.model.feature_names_in_
    probe = pd.DataFrame(np.random.default_rng(0).normal(size=(20, len(columns))), columns=columns)
    expected = previous.model.predict_proba(probe)

    worker = subprocess.Popen([*WORKER, str(tmp_path), "2", "1", "--hang-in-save"], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "SAVING"
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    partial = list((tmp_path / ".versions" / "direction_predictor").glob(".*.partial"))
    assert len(partial) == 1 and (partial[0] / "model.json").exists()  # it died mid-save
    current = store.load("direction_predictor")
    assert current.version == saved.version
    np.testing.assert_array_equal(current.model.predict_proba(probe), expected)
    # The store goes on working: the next save can be made current.
    after = store.save(previous.model, previous.config, {"training": previous.training})
    store.set_current({"direction_predictor": after.version})
    assert store.load("direction_predictor").version == after.version


def test_two_processes_saving_the_same_model_at_once_never_corrupt_it(tmp_path):
    workers = [subprocess.Popen([*WORKER, str(tmp_path), str(seed), "12"], stdout=subprocess.PIPE, text=True) for seed in (1, 2)]
    for worker in workers:
        out, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0 and "DONE" in out
    store = ModelStore(tmp_path)
    current = store.load("direction_predictor")  # checks every file's SHA-256 before loading
    assert current.metadata["seed"] in (1, 2)
    versions = [p for p in (tmp_path / ".versions" / "direction_predictor").iterdir() if not p.name.startswith(".")]
    assert len(versions) >= 3
    for folder in versions:  # every version left behind is complete and loads
        store.load("direction_predictor", folder.name)
    assert not list((tmp_path / ".versions" / "direction_predictor").glob(".*.partial"))
