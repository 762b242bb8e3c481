"""The ensemble's files: saved beside the models, loaded over the current versions only."""

import json

import pandas as pd
import pytest

from blofin_assets.ml.ensemble import EnsemblePredictor, EnsembleVersionError
from blofin_assets.ml.models import model_names
from blofin_assets.ml.training import train_model
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.model_store import ModelIntegrityError, ModelStore
from blofin_assets_tests.conftest import store_all_models


@pytest.fixture(scope="module")
def store(small_table, tmp_path_factory):
    return store_all_models(small_table, tmp_path_factory.mktemp("ensemble_models"))


@pytest.fixture(scope="module")
def rows(small_table):
    table, _ = small_table
    return table[table["split"] == "train"], table[table["split"] == "test"]


def full_ensemble(store, ensemble_type, weights=None):
    ensemble = EnsemblePredictor(ensemble_type)
    for name in model_names():
        stored = store.load(name)
        ensemble.add_model(stored.model, (weights or {}).get(name, 0.5), stored.version)
    return ensemble


def test_save_and_load_round_trip_for_every_type(store, rows, tmp_path):
    train, test = rows
    for ensemble_type in ("weighted_avg", "voting", "stacking"):
        ensemble = full_ensemble(store, ensemble_type, {"direction_predictor": 0.7, "price_predictor": 0.3})
        if ensemble_type == "stacking":
            ensemble.fit_meta(ensemble.member_outputs(train), train["target_direction"])
        saved = EnsembleStore(store)
        path = saved.save(ensemble, {"note": "test"})
        config = json.loads(path.read_text())
        assert path == store.root / "ensemble" / "config.json"
        assert config["ensemble_type"] == ensemble_type and config["note"] == "test"
        assert {m["name"]: m["version"] for m in config["members"]} == {n: store.load(n).version for n in model_names()}
        loaded = saved.load()
        pd.testing.assert_frame_equal(loaded.predict(test), ensemble.predict(test))
    assert config["meta_learner"]["file"].startswith("meta_learner-")


def test_loading_refuses_a_member_whose_version_changed(store, rows, small_table, tmp_path):
    table, targets = small_table
    EnsembleStore(store).save(full_ensemble(store, "weighted_avg"))
    retrained = train_model("risk_scorer", table, targets.horizon, {"n_estimators": 10})
    new = store.save(retrained.model, retrained.config, {"training": retrained.training})
    with pytest.raises(EnsembleVersionError, match=f"risk_scorer: the ensemble was built on version .* current model is version {new.version}"):
        EnsembleStore(store).load()


def test_a_tampered_meta_learner_is_refused(store, rows, tmp_path):
    train, _ = rows
    ensemble = full_ensemble(store, "stacking")
    saved = EnsembleStore(store)
    saved.save(ensemble.fit_meta(ensemble.member_outputs(train), train["target_direction"]))
    config = saved.read_config()
    (saved.folder / config["meta_learner"]["file"]).write_bytes(b"not a model")
    with pytest.raises(ModelIntegrityError, match="meta-learner"):
        EnsembleStore(store).load()


def test_without_a_saved_ensemble_the_error_says_what_to_materialize(tmp_path):
    with pytest.raises(FileNotFoundError, match="materialize the 'ensemble_config' asset first"):
        EnsembleStore(ModelStore(tmp_path)).load()


def test_a_meta_learner_named_outside_the_ensemble_folder_is_refused(store, rows, tmp_path):
    import shutil

    from blofin_assets.storage.files import sha256_file

    train, _ = rows
    ensemble = full_ensemble(store, "stacking")
    ensemble.fit_meta(ensemble.member_outputs(train), train["target_direction"])
    saved = EnsembleStore(store)
    path = saved.save(ensemble, {})
    config = json.loads(path.read_text())
    outside = store.root.parent / "outside.skops"  # a file the attacker controls, hash and all
    shutil.copy(path.parent / config["meta_learner"]["file"], outside)
    config["meta_learner"] = {"file": "../../" + outside.name, "sha256": sha256_file(outside)}
    path.write_text(json.dumps(config))
    try:
        with pytest.raises(ModelIntegrityError, match="is not a file of"):
            saved.load()
    finally:
        saved.save(ensemble, {})  # the module's other tests share this store
        outside.unlink()
