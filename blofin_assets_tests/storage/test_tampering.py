"""Every kind of file the store and the IO managers read, planted with an object whose loading
would run code (here: create a marker file), with every hash and name made to match as whoever
can write the folder could: each is refused, and no code runs."""

import hashlib
import io
import json
import pickle
import shutil

import numpy as np
import pytest
import skops.io
import torch

from blofin_assets.ml.applicability import ApplicabilityGate
from blofin_assets.ml.ensemble import EnsemblePredictor
from blofin_assets.ml.models import model_names
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.files import sha256_file
from blofin_assets.storage.model_store import ModelIntegrityError, ModelStore
from blofin_assets.storage.partition_files import decode_part
from blofin_assets.storage.value_files import decode_value
from blofin_assets_tests.conftest import store_all_models


class Planted:
    """Creates the marker when unpickled (pickle) or when its state is set (skops)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))

    def __setstate__(self, state):
        open(state["marker"], "w").close()


def skops_payload(marker) -> bytes:
    planted = object.__new__(Planted)
    planted.__dict__["marker"] = str(marker)
    return skops.io.dumps(planted)


def pickle_payload(marker) -> bytes:
    return pickle.dumps(Planted(marker))


def torch_payload(marker) -> bytes:
    buffer = io.BytesIO()
    torch.save({"weight": Planted(marker)}, buffer)
    return buffer.getvalue()


def npz_payload(marker) -> bytes:
    buffer = io.BytesIO()
    planted = np.array([Planted(marker)], dtype=object)
    np.savez(buffer, features=planted, settings=planted)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def store(small_table, tmp_path_factory):
    store = store_all_models(small_table, tmp_path_factory.mktemp("tamper") / "models")
    table, _ = small_table
    train = table[table["split"] == "train"]
    ensemble = EnsemblePredictor("stacking")
    for name in model_names():
        stored = store.load(name)
        ensemble.add_model(stored.model, 0.5, stored.version)
    ensemble.fit_meta(ensemble.member_outputs(train), train["target_direction"])
    ensemble.gate_ = ApplicabilityGate().fit(train)
    store.set_current({}, EnsembleStore(store).save(ensemble, {"horizon": 5}))
    return store


def plant_model_file(store, name, file, payload):
    """Replace one file of the current version and record its new SHA-256 in metadata.json."""
    folder = store.version_folder(name, store.current_version(name))
    (folder / file).write_bytes(payload)
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["files"][file] = sha256_file(folder / file)
    (folder / "metadata.json").write_text(json.dumps(metadata))


def plant_ensemble_file(store, key, suffix, payload):
    """Put a file in the ensemble folder, name it in a config with its SHA-256, write that
    config under its own digest and release it."""
    saved = EnsembleStore(store)
    config = saved.read_config()
    name = f"planted-{key}{suffix}"
    (saved.folder / name).write_bytes(payload)
    config[key] = {"file": name, "sha256": sha256_file(saved.folder / name)}
    data = json.dumps(config).encode()
    version = hashlib.sha256(data).hexdigest()[:16]
    (saved.folder / f"config-{version}.json").write_bytes(data)
    store.set_current({}, version)


CASES = {
    "forest (model.skops)": (lambda s, m: plant_model_file(s, "risk_scorer", "model.skops", skops_payload(m)), "Planted"),
    "scaler (scaler.skops)": (lambda s, m: plant_model_file(s, "volatility_regressor", "scaler.skops", skops_payload(m)), "Planted"),
    "calibrated SVM (model.skops)": (lambda s, m: plant_model_file(s, "momentum_classifier", "model.skops", skops_payload(m)), "Planted"),
    "MLP weights (model.pt)": (lambda s, m: plant_model_file(s, "price_predictor", "model.pt", torch_payload(m)), "Weights only load failed"),
    "XGBoost model (model.json)": (lambda s, m: plant_model_file(s, "direction_predictor", "model.json", pickle_payload(m)), "can.t decode byte"),
    "meta-learner (.skops)": (lambda s, m: plant_ensemble_file(s, "meta_learner", ".skops", skops_payload(m)), "Planted"),
    "applicability gate (.npz)": (lambda s, m: plant_ensemble_file(s, "applicability_gate", ".npz", npz_payload(m)), "allow_pickle=False"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_planted_model_or_ensemble_file_is_refused_and_runs_nothing(case, store, tmp_path):
    plant, message = CASES[case]
    root = store.root
    backup = tmp_path / "backup"
    shutil.copytree(root, backup, symlinks=True)
    marker = tmp_path / "code-ran"
    try:
        plant(store, marker)
        with pytest.raises(Exception, match=message):
            EnsembleStore(store).load()
        assert not marker.exists(), case
    finally:
        shutil.rmtree(root)
        shutil.copytree(backup, root, symlinks=True)
    EnsembleStore(store).load()  # the store is whole again for the next case


def test_the_payloads_are_live(tmp_path):
    """The planted objects do run code where a loader trusts them, so the refusals above mean something."""
    pickle.loads(pickle_payload(tmp_path / "a"))
    skops.io.loads(skops_payload(tmp_path / "b"), trusted=[f"{__name__}.Planted"])
    torch.load(io.BytesIO(torch_payload(tmp_path / "c")), weights_only=False)
    np.load(io.BytesIO(npz_payload(tmp_path / "d")), allow_pickle=True)["features"]
    assert all((tmp_path / n).exists() for n in "abcd")


@pytest.mark.parametrize("reader", [decode_part, decode_value], ids=["per-symbol partition", "asset value"])
def test_a_pickle_in_place_of_a_stored_asset_value_is_refused_and_runs_nothing(reader, tmp_path):
    marker = tmp_path / "code-ran"
    with pytest.raises(Exception):
        reader(pickle_payload(marker))
    assert not marker.exists()


def bad_forest(store, table) -> bytes:
    """The stored forest with one node's right child pointing far outside its tree."""
    forest = store.load("risk_scorer").model.estimator_
    state = forest.estimators_[0].tree_.__getstate__()
    state["nodes"]["right_child"][0] = 10**6
    forest.estimators_[0].tree_.__setstate__(state)
    return skops.io.dumps(forest)


def bad_boosting(store, table) -> bytes:
    """A HistGradientBoosting model whose first split names a feature the model does not have."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    model = store.load("volatility_regressor").model
    train = table[table["split"] == "train"]
    booster = HistGradientBoostingRegressor(max_iter=5).fit(model._scale(model._matrix(train)), train[model.target])
    booster._predictors[0][0].nodes["feature_idx"][0] = 10**6
    return skops.io.dumps(booster)


@pytest.mark.parametrize(
    ("name", "payload", "where"),
    [("risk_scorer", bad_forest, "tree 0, node 0: a child index outside the tree"), ("volatility_regressor", bad_boosting, "tree 0, node 0: a split on a feature")],
    ids=["forest", "histogram boosting"],
)
def test_tree_arrays_pointing_outside_their_tree_are_refused_before_any_prediction(store, small_table, tmp_path, name, payload, where):
    # skops trusts a tree's arrays as stored, and the libraries walk them unchecked: such a file
    # with its digest updated crashed the process on the first prediction over 256 rows.
    table, _ = small_table
    root = store.root
    backup = tmp_path / "backup"
    shutil.copytree(root, backup, symlinks=True)
    try:
        plant_model_file(store, name, "model.skops", payload(store, table))
        with pytest.raises(ModelIntegrityError, match=rf"{name} version .*could not be read as the model \(ValueError: {where}"):
            store.load(name)
    finally:
        shutil.rmtree(root)
        shutil.copytree(backup, root, symlinks=True)
    assert len(store.load(name).model.predict(table.head(300))) == 300  # whole again
