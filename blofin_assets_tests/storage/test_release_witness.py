"""The newest release a machine has seen, kept outside the store: an older signed release put
back is refused, and promotions at the same time never share a sequence number."""

import pytest

from blofin_assets.storage.model_store import ModelIntegrityError, ModelStore
from blofin_assets.storage.signing import SignatureError
from blofin_assets_tests.storage.test_model_store import save_current, trained  # noqa: F401 (a fixture)


def test_with_a_signing_key_an_older_signed_release_put_back_is_refused(tmp_path, trained):
    """A release and its signature copied aside and put back after a newer promotion verify,
    but this machine has seen the newer one: a rollback, refused by every store object here."""
    import shutil

    key, root = b"k" * 32, tmp_path / "store"
    store = ModelStore(root, signing_key=key, witness=tmp_path / "witness")
    first = save_current(store, trained[0]).version
    for name in ("release.json", "release.json.hmac"):
        shutil.copy(root / name, tmp_path / name)
    second = save_current(store, trained[0]).version
    assert store.release()["sequence"] == 2 and store.load("direction_predictor").version == second
    for name in ("release.json", "release.json.hmac"):
        shutil.copy(tmp_path / name, root / name)
    for reader in (store, ModelStore(root, signing_key=key, witness=tmp_path / "witness")):  # another process alike
        with pytest.raises(ModelIntegrityError, match="is release 1, but this machine has already seen release 2"):
            reader.load("direction_predictor")
    # a machine that never saw release 2 cannot tell (the limit of a record kept per machine)
    assert ModelStore(root, signing_key=key, witness=tmp_path / "elsewhere").load("direction_predictor").version == first
    # nothing is promoted over it
    with pytest.raises(ModelIntegrityError, match="nothing is promoted over it"):
        save_current(store, trained[0])
    # the record is signed: rewritten by someone without the key, it is refused
    (record,) = (tmp_path / "witness").glob("*.json")
    signed = record.read_text()
    record.write_text(signed.replace('"sequence": 2', '"sequence": 1'))
    with pytest.raises(SignatureError):
        store.load("direction_predictor")
    record.write_text(signed)
    # the operator's way out: the newest release back, or the record deleted to accept this one
    record.unlink()
    assert store.load("direction_predictor").version == first
    third = save_current(store, trained[0]).version
    assert store.release()["sequence"] == 2 and store.load("direction_predictor").version == third


def test_a_release_read_just_before_a_promotion_elsewhere_is_not_taken_for_a_rollback(tmp_path, trained, monkeypatch):
    """A reader holds release 1's bytes when another store object promotes release 2 and records
    it: checked against that record, what it read is older, yet nothing was put back. It reads
    the store's release again and gets release 2."""
    from blofin_assets.storage import model_store

    key, root = b"k" * 32, tmp_path / "store"
    reader = ModelStore(root, signing_key=key, witness=tmp_path / "witness")
    version = save_current(reader, trained[0]).version
    promoter = ModelStore(root, signing_key=key, witness=tmp_path / "witness")
    read, promoted = model_store.read_verified, []

    def read_then_promote_elsewhere(path, signing_key):
        data = read(path, signing_key)
        if path.name == "release.json" and not promoted:
            promoted.append("started")  # the promotion's own reads go on as usual
            promoted.append(promoter.set_current({"direction_predictor": version}))
        return data

    monkeypatch.setattr(model_store, "read_verified", read_then_promote_elsewhere)
    assert reader.release()["sequence"] == 2 and promoted[1]["sequence"] == 2
    assert reader.load("direction_predictor").version == version


def test_with_a_signing_key_promotions_at_the_same_time_each_take_their_own_sequence(tmp_path, trained):
    """Two promoters (separate store objects, as two processes) never write one sequence
    number twice, which a reader would then take for a rollback."""
    import threading

    key, root = b"k" * 32, tmp_path / "store"
    first = ModelStore(root, signing_key=key, witness=tmp_path / "witness")
    version = save_current(first, trained[0]).version
    errors = []

    def promote_five():
        store = ModelStore(root, signing_key=key, witness=tmp_path / "witness")
        try:
            for _ in range(5):
                store.set_current({"direction_predictor": version})
        except Exception as exc:  # noqa: BLE001 - the test reports whatever a promoter met
            errors.append(exc)

    promoters = [threading.Thread(target=promote_five) for _ in range(2)]
    for promoter in promoters:
        promoter.start()
    for promoter in promoters:
        promoter.join(60)
    assert errors == [] and first.release()["sequence"] == 11
    assert first.load("direction_predictor").version == version
