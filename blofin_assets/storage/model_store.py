"""The model store: one folder per model, written so that a reader never sees half a model.

Layout (what users and the original pipeline expect)::

    models/model_<name>/            -> a symlink to the current version folder
        model.json | model.skops | model.pt, scaler.skops, config.json, metadata.json
    models/.versions/<name>/<version>/   every version kept (the newest KEEP_VERSIONS)

A save writes a new version folder completely (files fsynced), then switches the
``model_<name>`` link to it with one atomic rename. A crash before the switch leaves the
previous model in place; two concurrent saves each write their own folder and the last switch
wins, so neither can corrupt the other. metadata.json records the SHA-256 of each model file
and of config.json, checked before anything is deserialized.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from blofin_assets.ml.models import CandleModel, model_class
from blofin_assets.ml.training import ModelVersion
from blofin_assets.storage.files import fsync_dir, sha256_file, write_json
from blofin_assets.storage.jsonsafe import jsonable

KEEP_VERSIONS = 3
STALE_PARTIAL_SECONDS = 3600  # a staging folder this old belongs to a save that died
CONFIG_FILE, METADATA_FILE = "config.json", "metadata.json"


class ModelNotFoundError(FileNotFoundError):
    pass


class ModelIntegrityError(RuntimeError):
    """A model file does not match the checksum recorded when it was saved."""


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
    """Model folders under ``root``, each version written whole before it becomes current.

    Parameters
    ----------
    root : path
        The models folder (``models/`` or $BLOFIN_MODELS_DIR).
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def folder(self, name: str) -> Path:
        return self.root / f"model_{name}"

    def _versions(self, name: str) -> Path:
        return self.root / ".versions" / name

    def exists(self, name: str) -> bool:
        return (self.folder(name) / METADATA_FILE).exists()

    def save(self, model: CandleModel, config: dict, metadata: dict) -> StoredModel:
        """Write ``model`` as a new version and make it current. Returns the stored record."""
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
            write_json(staging / CONFIG_FILE, config)
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
            write_json(staging / METADATA_FILE, metadata)
            fsync_dir(staging)
            final = versions / version
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._point_to(name, final)
        self._prune(name)
        return StoredModel(model, config, jsonable(metadata), final)

    def _point_to(self, name: str, target: Path) -> None:
        link = self.folder(name)
        if link.exists() and not link.is_symlink():
            # A plain folder from an older layout or a copy: keep it as a version.
            stamp = datetime.now(timezone.utc)
            os.rename(link, self._versions(name) / f"{stamp:%Y%m%dT%H%M%S%fZ}-legacy")
        tmp_link = self.root / f".model_{name}.{uuid.uuid4().hex}.link"
        os.symlink(os.path.relpath(target, self.root), tmp_link)
        os.replace(tmp_link, link)  # atomic on POSIX: readers see the old or the new version
        fsync_dir(self.root)

    def _prune(self, name: str) -> None:
        current = self.folder(name).resolve()
        versions = sorted(
            (p for p in self._versions(name).iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.name,
        )
        for old in versions[:-KEEP_VERSIONS]:
            if old.resolve() != current:
                shutil.rmtree(old, ignore_errors=True)
        # Staging folders of saves that were killed before they finished (never read by anyone).
        now = time.time()
        for partial in self._versions(name).glob(".*.partial"):
            try:
                stale = now - partial.stat().st_mtime > STALE_PARTIAL_SECONDS
            except FileNotFoundError:  # another process just finished (renamed) it
                continue
            if stale:
                shutil.rmtree(partial, ignore_errors=True)

    def _locate(self, name: str, version: str | None) -> tuple[dict, Path]:
        """metadata.json and the pinned folder of the current (or a given) version."""
        folder = self.folder(name) if version is None else self._versions(name) / version
        if not (folder / METADATA_FILE).exists():
            wanted = f"'{name}'" if version is None else f"'{name}' version {version}"
            raise ModelNotFoundError(
                f"no trained model {wanted} in {self.root.resolve()} (expected {folder}/{METADATA_FILE}); "
                f"materialize the '{name}' asset first"
            )
        folder = folder.resolve()  # pin the version: a concurrent save may switch the link
        with open(folder / METADATA_FILE) as fh:
            return json.load(fh), folder

    def read(self, name: str, version: str | None = None) -> tuple[dict, dict, Path]:
        """config.json and metadata.json of the current (or a given) version, without loading
        the model (nor checking its files)."""
        metadata, folder = self._locate(name, version)
        with open(folder / CONFIG_FILE) as fh:
            return json.load(fh), metadata, folder

    def load(self, name: str, version: str | None = None) -> StoredModel:
        """The model, its config and metadata, after checking every recorded file's SHA-256."""
        metadata, folder = self._locate(name, version)
        for file, expected in metadata.get("files", {}).items():
            path = folder / file
            if not path.exists():
                raise ModelIntegrityError(f"{name} version {metadata['version']}: {file} is missing")
            actual = sha256_file(path)
            if actual != expected:
                raise ModelIntegrityError(
                    f"{name} version {metadata['version']}: {file} has SHA-256 {actual[:12]}..., "
                    f"recorded {expected[:12]}...; the file was changed or truncated after saving"
                )
        with open(folder / CONFIG_FILE) as fh:
            config = json.load(fh)
        model = model_class(config["name"]).load_files(folder, config["hyperparameters"], config["fitted"])
        return StoredModel(model, config, metadata, folder)

    def update_metadata(self, name: str, version: str, updates: dict) -> dict:
        """Merge ``updates`` into metadata.json of one version (e.g. validation results)."""
        folder = self._versions(name) / version
        if not folder.is_dir():
            raise ModelNotFoundError(f"{name}: no version {version} in {self._versions(name)}")
        with open(folder / METADATA_FILE) as fh:
            metadata = json.load(fh)
        metadata.update(updates)
        metadata["updated_at"] = utc_now()
        write_json(folder / METADATA_FILE, metadata)
        return metadata
