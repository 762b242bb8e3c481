"""The model store: versions written whole as candidates, one release naming the current ones,
every file listed and checked before anything is read."""

import json
import os
import time

import numpy as np
import pytest

from blofin_assets.storage.model_store import FRESH_VERSION_SECONDS, KEEP_VERSIONS, ModelIntegrityError, ModelNotFoundError, ModelStore
from blofin_assets.storage.signing import SignatureError
from blofin_assets.ml.training import train_model


@pytest.fixture(scope="module")
def trained(small_table):
    table, targets = small_table
    return train_model("direction_predictor", table, targets.horizon), table[table["split"] == "test"]


def save(store, trained):
    return store.save(trained.model, trained.config, {"training": trained.training})


def save_current(store, trained):
    stored = save(store, trained)
    store.set_current({stored.model.name: stored.version})
    return stored


def test_a_saved_model_has_the_original_layout_and_loads_back(tmp_path, trained):
    model, test = trained
    store = ModelStore(tmp_path)
    stored = save_current(store, model)
    assert json.loads((tmp_path / "release.json").read_text())["models"] == {"direction_predictor": stored.version}
    folder = tmp_path / "model_direction_predictor"
    assert sorted(os.listdir(folder)) == ["config.json", "metadata.json", "model.json", "scaler.skops"]
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["version"] == stored.version
    assert set(metadata["files"]) == {"model.json", "scaler.skops", "config.json"}
    assert metadata["training"]["n_train"] > 0
    config = json.loads((folder / "config.json").read_text())
    assert config["horizon"] == 5 and config["hyperparameters"]["max_depth"] == 6
    loaded = store.load("direction_predictor")
    np.testing.assert_array_equal(loaded.model.predict_proba(test), model.model.predict_proba(test))


def age_versions(root, seconds=2 * FRESH_VERSION_SECONDS):
    """Date every saved version ``seconds`` back."""
    for folder in (root / ".versions" / "direction_predictor").iterdir():
        stamp = folder.stat().st_mtime - seconds
        os.utime(folder, (stamp, stamp))


def test_a_version_saved_moments_ago_is_not_pruned_though_its_name_is_older(tmp_path, trained):
    """A slow save is named when it starts: newer names may land before it. Its own prune must
    not remove it before it is promoted; once it is old, pruning takes it."""
    store = ModelStore(tmp_path)
    slow = save(store, trained[0]).version  # its folder written just now
    newer = []
    for _ in range(KEEP_VERSIONS + 1):
        saved = save(store, trained[0]).version
        newer.append(saved)
        folder = tmp_path / ".versions" / "direction_predictor" / saved
        os.utime(folder, (time.time() - 2 * FRESH_VERSION_SECONDS,) * 2)  # only the slow one is fresh
    store.set_current({"direction_predictor": newer[-1]})
    kept = sorted(p.name for p in (tmp_path / ".versions" / "direction_predictor").iterdir())
    assert kept == sorted([slow, *newer[-KEEP_VERSIONS:]])
    age_versions(tmp_path)
    save(store, trained[0])
    assert slow not in {p.name for p in (tmp_path / ".versions" / "direction_predictor").iterdir()}


def test_a_save_is_a_candidate_and_pruning_never_removes_the_current_version(tmp_path, trained):
    store = ModelStore(tmp_path)
    with pytest.raises(ModelNotFoundError, match="no promoted model 'direction_predictor'"):
        store.load("direction_predictor", None) if save(store, trained[0]) else None
    current = save_current(store, trained[0]).version
    versions = []
    for _ in range(KEEP_VERSIONS + 2):
        age_versions(tmp_path)  # saved long ago: pruning spares only fresh versions beyond the newest
        versions.append(save(store, trained[0]).version)
    assert store.load("direction_predictor").version == current  # candidates serve nobody
    kept = sorted(p.name for p in (tmp_path / ".versions" / "direction_predictor").iterdir())
    assert kept == sorted([current, *versions[-KEEP_VERSIONS:]])
    # A kept candidate loads by name, and becomes current only when switched to.
    assert store.load("direction_predictor", versions[-2]).version == versions[-2]
    store.set_current({"direction_predictor": versions[-1]})
    assert store.load("direction_predictor").version == versions[-1]
    assert os.readlink(tmp_path / "model_direction_predictor").endswith(versions[-1])


def test_a_failed_save_leaves_the_previous_model_current(tmp_path, trained, monkeypatch):
    store = ModelStore(tmp_path)
    first = save_current(store, trained[0])

    def explode(folder):
        (folder / "model.json").write_text("half a model")
        raise OSError("disk full")

    monkeypatch.setattr(trained[0].model, "save_files", explode)
    with pytest.raises(OSError, match="disk full"):
        save(store, trained[0])
    monkeypatch.undo()
    assert store.load("direction_predictor").version == first.version
    leftovers = [p.name for p in (tmp_path / ".versions" / "direction_predictor").iterdir()]
    assert leftovers == [first.version]


def test_a_changed_file_is_refused_before_it_is_deserialized(tmp_path, trained):
    store = ModelStore(tmp_path)
    path = save_current(store, trained[0]).folder / "scaler.skops"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ModelIntegrityError, match="scaler.skops has SHA-256"):
        store.load("direction_predictor")


def test_a_missing_model_names_what_to_materialize(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no promoted model 'risk_scorer' .* materialize 'risk_scorer' with its validation and ensemble_config"):
        ModelStore(tmp_path).load("risk_scorer")


def test_validation_results_update_the_metadata_of_one_version(tmp_path, trained):
    store = ModelStore(tmp_path)
    first = save(store, trained[0])
    second = save_current(store, trained[0])
    store.update_metadata("direction_predictor", first.version, {"validation": {"accuracy": 0.51}})
    _, meta_first, _ = store.read("direction_predictor", first.version)
    _, meta_current, _ = store.read("direction_predictor")
    assert meta_first["validation"] == {"accuracy": 0.51}
    assert meta_current["version"] == second.version and "validation" not in meta_current


def test_a_plain_folder_from_an_older_layout_is_kept_as_a_version(tmp_path, trained):
    store = ModelStore(tmp_path)
    legacy = tmp_path / "model_direction_predictor"
    legacy.mkdir(parents=True)
    (legacy / "model.json").write_text("{}")
    save_current(store, trained[0])
    assert (tmp_path / "model_direction_predictor").is_symlink()
    assert any(p.name.endswith("-legacy") for p in (tmp_path / ".versions" / "direction_predictor").iterdir())


@pytest.mark.parametrize(
    "name, file, params",
    [
        ("direction_predictor", "model.json", {"n_estimators": 5}),
        ("price_predictor", "model.pt", {"epochs": 1}),
        ("risk_scorer", "model.skops", {"n_estimators": 5}),
        ("volatility_regressor", "config.json", {"n_estimators": 5}),
    ],
)
def test_tampered_or_truncated_files_never_load_silently(tmp_path, small_table, name, file, params):
    table, targets = small_table
    trained = train_model(name, table, targets.horizon, params)
    store = ModelStore(tmp_path)
    path = save_current(store, trained).folder / file
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelIntegrityError, match=f"{file} has SHA-256"):
        store.load(name)
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one flipped bit
    with pytest.raises(ModelIntegrityError, match=file):
        store.load(name)
    path.write_bytes(data)
    assert store.load(name).version == json.loads((path.parent / "metadata.json").read_text())["version"]


class Planted:
    """What an attacker would put in a model file: an object whose loading runs code (here it
    only creates a marker file)."""

    marker: str = ""

    def __setstate__(self, state):
        open(state["marker"], "w").close()


@pytest.mark.parametrize("name, file", [("risk_scorer", "model.skops"), ("risk_scorer", "scaler.skops"), ("momentum_classifier", "model.skops")])
def test_a_planted_object_with_a_matching_hash_is_refused_and_runs_nothing(tmp_path, small_table, name, file):
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    from blofin_assets.storage.files import sha256_file

    table, targets = small_table
    store = ModelStore(tmp_path / "models")
    stored = save(store, train_model(name, table, targets.horizon, {"n_estimators": 5} if name == "risk_scorer" else None))
    marker = tmp_path / "code-ran"
    planted = Planted()
    planted.__dict__["marker"] = str(marker)
    folder = stored.folder
    skops.io.dump(planted, folder / file)
    # Whoever can write the file can write metadata.json beside it: the hash matches.
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["files"][file] = sha256_file(folder / file)
    (folder / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelIntegrityError, match="could not be read as the model.*Planted") as refused:
        store.load(name, stored.version)
    assert isinstance(refused.value.__cause__, UntrustedTypesFoundException)
    assert not marker.exists()


def test_a_file_missing_from_the_metadata_list_is_refused(tmp_path, trained):
    # Deleting a file's entry from metadata.json must not turn its check off.
    store = ModelStore(tmp_path)
    stored = save_current(store, trained[0])
    metadata = json.loads((stored.folder / "metadata.json").read_text())
    del metadata["files"]["scaler.skops"]
    (stored.folder / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelIntegrityError, match=r"\['scaler.skops'\] .* not listed in metadata.json"):
        store.load("direction_predictor")


def test_a_release_naming_a_path_out_of_the_store_is_refused(tmp_path, trained):
    store = ModelStore(tmp_path / "models")
    stored = save_current(store, trained[0])
    outside = tmp_path / "outside"
    os.rename(stored.folder, outside)  # an attacker's folder, complete and consistent
    release = json.loads((tmp_path / "models" / "release.json").read_text())
    for version in ("../../../outside", "/tmp/x"):
        release["models"]["direction_predictor"] = version
        (tmp_path / "models" / "release.json").write_text(json.dumps(release))
        with pytest.raises(ModelIntegrityError, match="is not a model version name"):
            store.load("direction_predictor")
    # A version folder that is a link out of the store
    os.symlink(outside, stored.folder)
    release["models"]["direction_predictor"] = stored.version
    (tmp_path / "models" / "release.json").write_text(json.dumps(release))
    with pytest.raises(ModelIntegrityError, match="leads out of"):
        store.load("direction_predictor")


def test_with_a_signing_key_rewritten_metadata_and_releases_are_refused(tmp_path, trained):
    key = b"k" * 32
    store = ModelStore(tmp_path, signing_key=key)
    stored = save_current(store, trained[0])
    assert store.load("direction_predictor").version == stored.version
    # Whoever rewrites a file and its hash in metadata.json cannot sign it without the key.
    metadata_path = stored.folder / "metadata.json"
    signed = metadata_path.read_bytes()
    metadata = json.loads(signed)
    metadata["files"]["model.json"] = "0" * 64
    metadata_path.write_text(json.dumps(metadata))
    with pytest.raises(SignatureError, match="does not match its signature"):
        store.load("direction_predictor")
    metadata_path.write_bytes(signed)
    # An unsigned release (written by hand, or by a store without the key) is refused.
    ModelStore(tmp_path, signing_key=b"").set_current({"direction_predictor": stored.version})
    (tmp_path / "release.json.hmac").unlink()
    with pytest.raises(SignatureError, match="is not signed"):
        store.load("direction_predictor")
    # A store with another key refuses what this one signed.
    (tmp_path / "release.json").unlink()
    store.set_current({"direction_predictor": stored.version})
    with pytest.raises(SignatureError):
        ModelStore(tmp_path, signing_key=b"x" * 32).load("direction_predictor")
    assert store.load("direction_predictor").version == stored.version


def test_with_a_signing_key_a_candidate_copied_over_the_released_folder_is_refused(tmp_path, trained):
    """Every file of an unvalidated candidate is signed: copied whole over the released
    version's folder it still matches its signatures, and it must not be served."""
    import shutil

    store = ModelStore(tmp_path, signing_key=b"k" * 32)
    released = save_current(store, trained[0])
    candidate = save(store, trained[0])
    shutil.rmtree(released.folder)
    shutil.copytree(candidate.folder, released.folder)
    with pytest.raises(ModelIntegrityError, match=f"describes 'direction_predictor' version '{candidate.version}'.*copied or moved"):
        store.load("direction_predictor")
    assert store.load("direction_predictor", candidate.version).version == candidate.version  # in its own folder, it is itself


@pytest.mark.parametrize("document", ["metadata.json", "release.json"])
def test_a_store_document_that_is_a_symlink_out_of_the_store_is_refused(tmp_path, trained, document):
    root = tmp_path / "store"
    store = ModelStore(root)
    stored = save_current(store, trained[0])
    path = stored.folder / document if document == "metadata.json" else root / document
    outside = tmp_path / f"elsewhere-{document}"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)
    with pytest.raises(ModelIntegrityError, match="symbolic link"):
        store.load("direction_predictor")


def test_with_release_json_lost_pruning_keeps_the_version_the_model_link_names(tmp_path, trained):
    store = ModelStore(tmp_path)
    released = save_current(store, trained[0]).version
    (tmp_path / "release.json").unlink()
    for _ in range(KEEP_VERSIONS + 2):
        age_versions(tmp_path)
        save(store, trained[0])
    kept = {p.name for p in (tmp_path / ".versions" / "direction_predictor").iterdir()}
    assert released in kept and len(kept) == KEEP_VERSIONS + 1


def test_a_model_read_again_is_a_copy_of_the_checked_bytes_not_deserialized_again(tmp_path, small_table, monkeypatch):
    from blofin_assets.ml import skops_files
    from blofin_assets.storage import loaded_models

    table, targets = small_table
    monkeypatch.setattr(loaded_models, "LOADED", loaded_models.LoadedModels())
    trained = train_model("risk_scorer", table, targets.horizon)
    store = ModelStore(tmp_path)
    stored = save_current(store, trained)
    reads = []
    real_load = skops_files.load
    monkeypatch.setattr(skops_files, "load", lambda *a, **k: reads.append(a[0]) or real_load(*a, **k))
    first, second = store.load("risk_scorer"), store.load("risk_scorer")
    assert len(reads) == 2  # the scaler and the forest, once
    assert first.model is not second.model and first.model.estimator_ is not second.model.estimator_
    test = table[table["split"] == "test"]
    # (the forest sums its trees over threads, in whatever order they finish: the last bits move)
    np.testing.assert_allclose(first.model.predict(test), second.model.predict(test), rtol=1e-12)

    # Changed bytes are refused before any copy is made, whatever was read before.
    path = tmp_path / ".versions" / "risk_scorer" / stored.version / "scaler.skops"
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelIntegrityError, match="scaler.skops has SHA-256"):
        store.load("risk_scorer")


def test_the_loaded_models_keep_within_their_byte_budget_newest_first():
    from blofin_assets.storage.loaded_models import LoadedModels

    kept = LoadedModels(budget=100)
    kept.put("a", "model a", 25)
    kept.put("b", "model b", 20)
    assert kept.get("a") == "model a"  # a is now the newest
    kept.put("c", "model c", 25)
    kept.put("d", "model d", 25)
    kept.put("e", "model e", 20)  # 115 bytes: the oldest, b, goes
    assert kept.get("b") is None and [kept.get(k) for k in "acde"] == ["model a", "model c", "model d", "model e"]
    kept.put("f", "too large", 26)  # over a quarter of the budget: never kept
    assert kept.get("f") is None and kept.get("a") == "model a"
