"""The ensemble's files: saved beside the models as candidates, current only with the model
versions they were built on, loaded over those versions only."""

import hashlib
import json

import pandas as pd
import pytest

from blofin_assets.ml.ensemble import EnsemblePredictor, EnsembleVersionError
from blofin_assets.ml.models import model_names
from blofin_assets.ml.training import train_model
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.model_store import ModelIntegrityError, ModelStore, NotPromotableError
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
        version = saved.save(ensemble, {"note": "test"})
        assert store.release()["ensemble"] != version  # a candidate until it is made current
        store.set_current({}, version)
        config = json.loads((saved.folder / f"config-{version}.json").read_text())
        assert saved.read_config() == config
        assert config["ensemble_type"] == ensemble_type and config["note"] == "test"
        assert {m["name"]: m["version"] for m in config["members"]} == {n: store.load(n).version for n in model_names()}
        loaded = saved.load()
        pd.testing.assert_frame_equal(loaded.predict(test), ensemble.predict(test))
    assert config["meta_learner"]["file"].startswith("meta_learner-")


def test_a_saved_model_is_a_candidate_and_a_member_switched_alone_is_refused(store, rows, small_table, tmp_path):
    table, targets = small_table
    _, test = rows
    saved = EnsembleStore(store)
    store.set_current({}, saved.save(full_ensemble(store, "weighted_avg")))
    before = saved.load().predict(test)
    retrained = train_model("risk_scorer", table, targets.horizon, {"n_estimators": 10})
    new = store.save(retrained.model, retrained.config, {"training": retrained.training})
    # Saving changes nothing that serves.
    assert store.current_version("risk_scorer") != new.version
    pd.testing.assert_frame_equal(saved.load().predict(test), before)
    # A release naming the new member under the old ensemble is refused, not half served.
    previous = store.current_version("risk_scorer")
    store.set_current({"risk_scorer": new.version})
    try:
        with pytest.raises(EnsembleVersionError, match=f"risk_scorer: the ensemble was built on version .* current model is version {new.version}"):
            saved.load()
    finally:
        store.set_current({"risk_scorer": previous})  # the module's other tests share this store


def test_promotion_needs_a_passed_validation_for_every_member(store, rows):
    saved = EnsembleStore(store)
    release = store.release()
    version = saved.save(full_ensemble(store, "weighted_avg"), {"note": "unvalidated"})
    with pytest.raises(NotPromotableError, match="has not been validated: not promoted"):
        saved.promote(version)
    assert store.release() == release
    name = model_names()[0]
    current = store.current_version(name)
    store.update_metadata(name, current, {"validation": {"audit": {"passed": False, "findings": ["accuracy 0.99 > 0.70"]}}})
    try:
        with pytest.raises(NotPromotableError, match=r"failed the leakage audit \(accuracy 0.99 > 0.70\)"):
            store.promote({name: current})
        assert store.release() == release
    finally:
        store.update_metadata(name, current, {"validation": None})


@pytest.mark.parametrize(
    ("validation", "ensemble_horizon", "refusal"),
    [
        ({"horizon": 5}, 10, "was trained at horizon 5, the ensemble is at 10"),
        ({"horizon": 10}, 5, "was validated at horizon 10, the ensemble is at 5"),
        ({"horizon": 5, "model_version": "20240101T000000000000Z-000000"}, 5, "carries the validation of version 20240101T000000000000Z-000000"),
    ],
    ids=["trained at another horizon", "validated at another horizon", "another version's validation"],
)
def test_promotion_refuses_members_made_for_another_ensemble(store, validation, ensemble_horizon, refusal):
    # What two runs at the same time can cross: an ensemble of horizon 10 over horizon-5 models,
    # or a member whose validation came from the other run.
    saved = EnsembleStore(store)
    release = store.release()
    passed = {"audit": {"passed": True, "findings": []}}
    validations = {name: store.read(name, store.current_version(name))[1].get("validation") for name in model_names()}
    name = model_names()[0]
    try:
        for member in model_names():
            store.update_metadata(member, store.current_version(member), {"validation": {**passed, "horizon": 5, "model_version": store.current_version(member)}})
        store.update_metadata(name, store.current_version(name), {"validation": {**passed, **validation}})
        version = saved.save(full_ensemble(store, "weighted_avg"), {"horizon": ensemble_horizon})
        with pytest.raises(NotPromotableError, match=refusal):
            saved.promote(version)
        assert store.release() == release
    finally:
        for member, kept in validations.items():
            store.update_metadata(member, store.current_version(member), {"validation": kept})


def test_a_tampered_meta_learner_is_refused(store, rows, tmp_path):
    train, _ = rows
    ensemble = full_ensemble(store, "stacking")
    saved = EnsembleStore(store)
    store.set_current({}, saved.save(ensemble.fit_meta(ensemble.member_outputs(train), train["target_direction"])))
    config = saved.read_config()
    (saved.folder / config["meta_learner"]["file"]).write_bytes(b"not a model")
    with pytest.raises(ModelIntegrityError, match="meta-learner"):
        EnsembleStore(store).load()


def test_without_a_saved_ensemble_the_error_says_what_to_materialize(tmp_path):
    with pytest.raises(FileNotFoundError, match="no ensemble has been promoted .* materialize 'ensemble_config'"):
        EnsembleStore(ModelStore(tmp_path)).load()


def test_a_meta_learner_named_outside_the_ensemble_folder_is_refused(store, rows, tmp_path):
    import shutil

    from blofin_assets.storage.files import sha256_file

    train, _ = rows
    ensemble = full_ensemble(store, "stacking")
    ensemble.fit_meta(ensemble.member_outputs(train), train["target_direction"])
    saved = EnsembleStore(store)
    config = saved.read_config(saved.save(ensemble, {}))
    outside = store.root.parent / "outside.skops"  # a file the attacker controls, hash and all
    shutil.copy(saved.folder / config["meta_learner"]["file"], outside)
    config["meta_learner"] = {"file": "../../" + outside.name, "sha256": sha256_file(outside)}
    # ... written as a config named by its own digest and released (no signing key is set)
    data = json.dumps(config).encode()
    forged = hashlib.sha256(data).hexdigest()[:16]
    (saved.folder / f"config-{forged}.json").write_bytes(data)
    previous = store.release()["ensemble"]
    store.set_current({}, forged)
    try:
        with pytest.raises(ModelIntegrityError, match="is not a file of"):
            saved.load()
    finally:
        store.set_current({}, previous)  # the module's other tests share this store
        outside.unlink()


def test_a_config_changed_after_saving_is_refused(store):
    saved = EnsembleStore(store)
    # its own current ensemble: the module's other tests may run on another worker
    store.set_current({}, saved.save(full_ensemble(store, "weighted_avg")))
    path = saved.folder / f"config-{saved.version()}.json"
    original = path.read_bytes()
    path.write_bytes(original.replace(b'"weight": 0.5', b'"weight": 0.9', 1))
    try:
        with pytest.raises(ModelIntegrityError, match="does not match its version"):
            saved.load()
    finally:
        path.write_bytes(original)
