"""The model store: one folder per model version, written whole, and one release that says which
versions (and which ensemble built on them) serve.

Layout::

    models/release.json                  the current versions and ensemble (one atomic write)
    models/.versions/<name>/<version>/   every version: model.json | model.skops | model.pt,
                                         scaler.skops, config.json, metadata.json
    models/model_<name>/                 -> a symlink to the current version, for people to browse

Training saves a candidate: a new version folder written completely (files fsynced) and renamed
into place, current for nobody. ``promote`` makes a set of versions and their ensemble current
together, by rewriting release.json, and only once every one of them carries a validation whose
leakage audit passed; a run that fails before that leaves the previous release serving.
Readers resolve "current" through release.json alone, never through the links. Pruning keeps
the newest KEEP_VERSIONS of each model, always the released ones and any saved in the last
FRESH_VERSION_SECONDS (a save on its way to being promoted).

Every file of a version folder is listed with its SHA-256 in metadata.json and checked before
anything is deserialized; a file not listed is refused. With BLOFIN_SIGNING_KEY set,
metadata.json and release.json are signed (storage/signing.py), so a metadata.json rewritten to
match a planted file is refused too.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from blofin_assets.ml.models import CandleModel, model_class
from blofin_assets.ml.training import ModelVersion
from blofin_assets import settings
from blofin_assets.storage import loaded_models
from blofin_assets.storage.errors import brief
from blofin_assets.storage.files import fsync_dir, json_bytes, replace_symlink, sha256_file
from blofin_assets.storage.jsonsafe import jsonable
from blofin_assets.storage.release_witness import ReleaseWitness, RollbackError
from blofin_assets.storage.signing import SUFFIX, read_verified, write_signed

KEEP_VERSIONS = 3
# A version this fresh is never pruned: its name is stamped when its save starts, so a slow
# save (a large model; a process importing its libraries) lands among older names while
# another process saves newer ones, and its own prune would remove it before it is promoted.
FRESH_VERSION_SECONDS = 600
STALE_PARTIAL_SECONDS = 3600  # a staging folder this old belongs to a save that died
CONFIG_FILE, METADATA_FILE, RELEASE_FILE = "config.json", "metadata.json", "release.json"
VERSION_PATTERN = re.compile(r"[0-9]{8}T[0-9]{12}Z-[0-9a-f]{6}")


class ModelNotFoundError(FileNotFoundError):
    pass


class ModelIntegrityError(RuntimeError):
    """A model file does not match the checksum recorded when it was saved."""


class NotPromotableError(RuntimeError):
    """A version that has not passed validation and the leakage audit cannot become current."""


@dataclass(frozen=True)
class ModelRef:
    """What a model asset hands downstream: which version of which model it trained."""

    name: str
    version: str
    folder: str


@dataclass
class StoredModel(ModelVersion):
    """A model version as found in the store, with the folder it was read from."""

    folder: Path = Path()

    def ref(self) -> ModelRef:
        return ModelRef(self.model.name, self.version, str(self.folder))


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ModelStore:
    """Model versions under ``root``, and the release naming the current ones.

    Parameters
    ----------
    root : path
        The models folder (``models/`` or $BLOFIN_MODELS_DIR).
    signing_key : bytes, optional
        Signs and checks metadata and the release; default $BLOFIN_SIGNING_KEY (unset: none).
    witness : path, optional
        With a signing key, the folder where this machine keeps the newest release it has seen,
        to refuse an older one put back (storage/release_witness.py); default
        $BLOFIN_RELEASE_WITNESS.
    """

    def __init__(self, root: str | os.PathLike, signing_key: bytes | None = None, witness: str | os.PathLike | None = None):
        self.root = Path(root)
        self.signing_key = signing_key if signing_key is not None else settings.signing_key()
        self.witness = ReleaseWitness(witness or settings.release_witness(), self.root, self.signing_key) if self.signing_key else None

    def folder(self, name: str) -> Path:
        """The browsing link to the current version (never read by the pipeline)."""
        return self.root / f"model_{name}"

    def _versions(self, name: str) -> Path:
        return self.root / ".versions" / name

    def version_folder(self, name: str, version: str) -> Path:
        """The folder of one version, refused unless it is a plain folder inside the store."""
        if not VERSION_PATTERN.fullmatch(str(version)) and not str(version).endswith("-legacy"):
            raise ModelIntegrityError(f"{name}: {version!r} is not a model version name")
        folder = self._versions(name) / version
        resolved = folder.resolve()
        if not resolved.is_relative_to(self.root.resolve()) or folder.is_symlink():
            raise ModelIntegrityError(f"{name} version {version}: {folder} leads out of {self.root} ({resolved})")
        return folder

    # -- the release ------------------------------------------------------------------------

    def release(self) -> dict:
        """release.json: ``{"models": {name: version}, "ensemble": version or None, ...}``;
        empty models when nothing was ever promoted."""
        path = self.root / RELEASE_FILE
        if path.is_symlink():
            raise ModelIntegrityError(f"{path} is a symbolic link, not a file of the store: refused")
        if not path.exists():
            return {"models": {}, "ensemble": None}
        while True:
            data = read_verified(path, self.signing_key)
            release = json.loads(data)
            if self.witness is None:
                return release
            try:
                self.witness.witness(data, int(release.get("sequence", 0)))
                return release
            except RollbackError as exc:
                # A promotion that wrote its release and its record after this read is no
                # rollback: the store's file has moved on since, so read it again. A release
                # put back stays as it is, and is refused.
                if path.read_bytes() == data:
                    raise ModelIntegrityError(str(exc)) from None

    def current_version(self, name: str) -> str | None:
        return self.release()["models"].get(name)

    def exists(self, name: str) -> bool:
        """Whether ``name`` has a current (promoted) version."""
        return self.current_version(name) is not None

    def promote(self, versions: dict[str, str], ensemble: str | None = None, note: dict | None = None, horizon: int | None = None) -> dict:
        """Make ``versions`` (and the ensemble built on them) current in one step, after checking
        each carries its own validation, whose leakage audit passed, and (given the ensemble's
        ``horizon``) was trained and validated at that horizon: runs at the same time can cross
        these. Returns the new release."""
        for name, version in versions.items():
            config, metadata, _ = self.read(name, version)
            validation = metadata.get("validation")
            if not validation:
                raise NotPromotableError(f"{name} version {version} has not been validated: not promoted")
            audit = validation.get("audit") or {}
            if not audit.get("passed"):
                findings = "; ".join(audit.get("findings") or ["no audit recorded"])
                raise NotPromotableError(f"{name} version {version} failed the leakage audit ({findings}): not promoted")
            for done, at in (("trained", config.get("horizon")), ("validated", validation.get("horizon"))):
                if horizon is not None and at is not None and int(at) != int(horizon):
                    raise NotPromotableError(f"{name} version {version} was {done} at horizon {at}, the ensemble is at {horizon}: not promoted")
            if validation.get("model_version") not in (None, version):
                raise NotPromotableError(f"{name} version {version} carries the validation of version {validation['model_version']}: not promoted")
        return self.set_current(versions, ensemble, note)

    def set_current(self, versions: dict[str, str], ensemble: str | None = None, note: dict | None = None) -> dict:
        """Switch the release to ``versions`` (merged over the current ones) and ``ensemble``,
        without the checks ``promote`` makes; one atomic rename, so readers see the old release
        or the new one."""
        for name, version in versions.items():
            if not (self.version_folder(name, version) / METADATA_FILE).is_file():
                raise ModelNotFoundError(f"{name}: no version {version} in {self._versions(name)}")
        with self.witness.locked() if self.witness is not None else nullcontext():
            previous = self.release()
            seen = self.witness.seen() if self.witness is not None else 0
            release = {
                **(note or {}),
                "models": {**previous["models"], **versions},
                "ensemble": ensemble if ensemble is not None else previous.get("ensemble"),
                "promoted_at": utc_now(),
                # one above the last, so a release put back later is seen to be older
                "sequence": max(int(previous.get("sequence", 0)), seen) + 1,
            }
            self.root.mkdir(parents=True, exist_ok=True)
            data = json_bytes(release)
            write_signed(self.root / RELEASE_FILE, data, self.signing_key)
            fsync_dir(self.root)
            if self.witness is not None:
                self.witness.witness(data, release["sequence"])
        for name, version in release["models"].items():
            self._point_to(name, self._versions(name) / version)
            self._prune(name)
        return release

    # -- versions ---------------------------------------------------------------------------

    def save(self, model: CandleModel, config: dict, metadata: dict) -> StoredModel:
        """Write ``model`` as a new candidate version (``promote`` makes it current)."""
        name = model.name
        now = datetime.now(timezone.utc)
        version = f"{now:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:6]}"
        versions = self._versions(name)
        versions.mkdir(parents=True, exist_ok=True)
        staging = versions / f".{version}.partial"
        staging.mkdir()
        config = jsonable(config)
        try:
            files = model.save_files(staging)
            (staging / CONFIG_FILE).write_bytes(json_bytes(config))
            files.append(CONFIG_FILE)
            for f in files:
                with open(staging / f, "rb") as fh:
                    os.fsync(fh.fileno())
            metadata = {
                **metadata,
                "name": name,
                "version": version,
                "created_at": now.isoformat(timespec="seconds"),
                "updated_at": now.isoformat(timespec="seconds"),
                "files": {f: sha256_file(staging / f) for f in files},
            }
            write_signed(staging / METADATA_FILE, json_bytes(metadata), self.signing_key)
            fsync_dir(staging)
            final = versions / version
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._prune(name)
        return StoredModel(model, config, jsonable(metadata), final)

    def _point_to(self, name: str, target: Path) -> None:
        link = self.folder(name)
        if os.path.relpath(target, self.root) == (os.readlink(link) if link.is_symlink() else None):
            return
        if link.exists() and not link.is_symlink():
            # A plain folder from an older layout or a copy: keep it as a version.
            stamp = datetime.now(timezone.utc)
            os.rename(link, self._versions(name) / f"{stamp:%Y%m%dT%H%M%S%fZ}-legacy")
        replace_symlink(link, os.path.relpath(target, self.root))

    def _prune(self, name: str) -> None:
        """Remove all but the newest KEEP_VERSIONS versions, never a released one."""
        folder = self._versions(name)
        if not folder.is_dir():
            return
        # The version the browsing link points to is kept too: with release.json lost, it is
        # the only record of what was released.
        link = self.folder(name)
        kept = {self.current_version(name), Path(os.readlink(link)).name if link.is_symlink() else None}
        versions = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
        now = time.time()
        for old in versions[:-KEEP_VERSIONS]:
            try:
                fresh = now - old.stat().st_mtime < FRESH_VERSION_SECONDS
            except FileNotFoundError:  # another process pruned it
                continue
            if old.name not in kept and not fresh:
                shutil.rmtree(old, ignore_errors=True)
        # Staging folders of saves that were killed before they finished (never read by anyone).
        for partial in folder.glob(".*.partial"):
            try:
                stale = now - partial.stat().st_mtime > STALE_PARTIAL_SECONDS
            except FileNotFoundError:  # another process just finished (renamed) it
                continue
            if stale:
                shutil.rmtree(partial, ignore_errors=True)

    def _locate(self, name: str, version: str | None) -> tuple[dict, Path]:
        """metadata.json and the folder of the current (or a given) version."""
        if version is None:
            version = self.current_version(name)
            if version is None:
                raise ModelNotFoundError(
                    f"no promoted model '{name}' in {self.root.resolve()} (its {RELEASE_FILE} names none): "
                    f"materialize '{name}' with its validation and ensemble_config (e.g. make run); a model "
                    "becomes current only once validated"
                )
        folder = self.version_folder(name, version)
        if not (folder / METADATA_FILE).is_file():
            raise ModelNotFoundError(
                f"no trained model '{name}' version {version} in {self.root.resolve()} (expected {folder}/{METADATA_FILE})"
            )
        path = folder / METADATA_FILE
        if path.is_symlink():
            raise ModelIntegrityError(f"{name} version {version}: {path} is a symbolic link, not a file of the store: refused")
        metadata = json.loads(read_verified(path, self.signing_key))
        # A signed metadata.json copied into another version's folder is still signed: it must
        # name the folder it is in, or an unvalidated candidate could be served as the release.
        legacy = version.endswith("-legacy")  # a plain folder of an older layout, renamed when found
        if metadata.get("name") != name or (metadata.get("version") != version and not legacy):
            raise ModelIntegrityError(
                f"{path} describes {metadata.get('name')!r} version {metadata.get('version')!r}, not {name!r} version "
                f"{version!r}: the folder was copied or moved; refused"
            )
        return metadata, folder

    def read(self, name: str, version: str | None = None) -> tuple[dict, dict, Path]:
        """config.json and metadata.json of the current (or a given) version, without loading
        the model; config.json is checked against its recorded SHA-256."""
        metadata, folder = self._locate(name, version)
        self._check_file(name, metadata, folder, CONFIG_FILE)
        with open(folder / CONFIG_FILE) as fh:
            return json.load(fh), metadata, folder

    def _check_file(self, name: str, metadata: dict, folder: Path, file: str) -> None:
        expected = metadata.get("files", {}).get(file)
        path = folder / file
        if expected is None:
            raise ModelIntegrityError(f"{name} version {metadata['version']}: {file} is not listed in {METADATA_FILE}")
        if not path.is_file() or path.is_symlink():
            raise ModelIntegrityError(f"{name} version {metadata['version']}: {file} is missing or not a plain file")
        actual = sha256_file(path)
        if actual != expected:
            raise ModelIntegrityError(
                f"{name} version {metadata['version']}: {file} has SHA-256 {actual[:12]}..., "
                f"recorded {expected[:12]}...; the file was changed or truncated after saving"
            )

    def load(self, name: str, version: str | None = None) -> StoredModel:
        """The model, its config and metadata, after checking that the folder holds exactly
        the files metadata.json lists, each with its recorded SHA-256. The files are checked
        on every load; a model already read from the same checked bytes in this process is
        copied rather than deserialized again (storage/loaded_models.py)."""
        metadata, folder = self._locate(name, version)
        listed = set(metadata.get("files", {}))
        present = {p.name for p in folder.iterdir()} - {METADATA_FILE, METADATA_FILE + SUFFIX}
        if present - listed:
            raise ModelIntegrityError(
                f"{name} version {metadata['version']}: {sorted(present - listed)} in {folder} not listed in {METADATA_FILE}; refused"
            )
        for file in sorted(listed):
            self._check_file(name, metadata, folder, file)
        with open(folder / CONFIG_FILE) as fh:
            config = json.load(fh)
        if config.get("name") != name:
            raise ModelIntegrityError(f"{folder}: config.json names model {config.get('name')!r}, not {name!r}")
        key = (name, tuple(sorted(metadata["files"].items())))  # the digests just checked
        model = loaded_models.LOADED.get(key)
        if model is None:
            try:
                model = model_class(name).load_files(folder, config["hyperparameters"], config["fitted"])
            except Exception as exc:  # skops' refusals, a tree that fails its check, XGBoost's own errors
                raise ModelIntegrityError(
                    f"{name} version {metadata['version']}: the files in {folder} could not be read as the model "
                    f"({brief(exc)}); refused"
                ) from exc
            loaded_models.LOADED.put(key, model, sum((folder / file).stat().st_size for file in listed))
        return StoredModel(copy.deepcopy(model), config, metadata, folder)

    def update_metadata(self, name: str, version: str, updates: dict) -> dict:
        """Merge ``updates`` into metadata.json of one version (e.g. validation results)."""
        metadata, folder = self._locate(name, version)
        metadata.update(updates)
        metadata["updated_at"] = utc_now()
        write_signed(folder / METADATA_FILE, json_bytes(metadata), self.signing_key)
        return metadata
