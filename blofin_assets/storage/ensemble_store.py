"""The ensemble's files, beside the models, each named by its content and confined to
``<models>/ensemble/``: ``config-<version>.json`` (type, members with their weights and the model
versions they were built on, the evaluation, the SHA-256 of the files below), the stacking
meta-learner (skops, safe types only) and the applicability gate (plain arrays, ``.npz``).

An ensemble's version is the digest of its config: it changes with any member version, weight,
type, meta-learner or gate. ``save`` writes a candidate; ``promote`` makes it current together
with its members' versions (the model store's release), so the current ensemble is always the
one built on the current models. ``config.json`` is a link to the current config, for people to
browse; loading goes through the release and refuses a config whose digest is not its version.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
from pathlib import Path

import numpy as np

from blofin_assets.ml import skops_files
from blofin_assets.ml.applicability import ApplicabilityGate
from blofin_assets.ml.ensemble import EnsemblePredictor, EnsembleVersionError, stacking_features
from blofin_assets.ml.ensemble.stacking import META_LEARNER_TYPES
from blofin_assets.storage.files import json_bytes, replace_symlink, sha256_file, write_bytes_atomic
from blofin_assets.storage.model_store import ModelIntegrityError, ModelStore, utc_now
from blofin_assets.storage.signing import read_verified, write_signed

CONFIG_FILE = "config.json"  # the browsing link
STALE_SECONDS = 3600  # a file no current config has named for this long is removed
VERSION_PATTERN = re.compile(r"[0-9a-f]{16}")


def config_name(version: str) -> str:
    return f"config-{version}.json"


class EnsembleStore:
    """The ensemble saved beside the models of ``models``.

    Parameters
    ----------
    models : ModelStore
        The store whose current models the ensemble combines.
    """

    def __init__(self, models: ModelStore):
        self.models = models
        self.folder = models.root / "ensemble"

    def save(self, ensemble: EnsemblePredictor, record: dict | None = None) -> str:
        """Write a candidate config (and the meta-learner and gate, if fitted); ``record`` is kept
        in the config (how it was chosen, its evaluation). Returns its version."""
        self.folder.mkdir(parents=True, exist_ok=True)
        config = {
            **(record or {}),
            "created_at": utc_now(),
            "ensemble_type": ensemble.ensemble_type,
            "weights": {name: ensemble.weights[name] for name in ensemble.signal_members},
            "members": [
                {
                    "name": name,
                    "weight": ensemble.weights[name],
                    "version": ensemble.versions.get(name),
                    "role": "signal" if model.signal_column is not None else "context",
                    "columns": list(model.ensemble_columns),
                }
                for name, model in ensemble.members.items()
            ],
            "stacking_features": ensemble.stacking_features_ or None,
            "meta_learner": self._save_meta(ensemble.meta_learner_) if ensemble.meta_learner_ is not None else None,
            "applicability_gate": self._save_gate(ensemble.gate_) if ensemble.gate_ is not None else None,
        }
        data = json_bytes(config)
        version = hashlib.sha256(data).hexdigest()[:16]
        write_signed(self.folder / config_name(version), data, self.models.signing_key)
        return version

    def promote(self, version: str, note: dict | None = None) -> dict:
        """Make the candidate ``version`` and the model versions it was built on current in
        one step (``ModelStore.promote``: only if every one passed validation, at the ensemble's horizon)."""
        config = self._config(version)
        members = {m["name"]: m["version"] for m in config["members"]}
        release = self.models.promote(members, version, note, config.get("horizon"))
        self._point_link(version)
        self._prune(version, config)
        return release

    def _point_link(self, version: str) -> None:
        replace_symlink(self.folder / CONFIG_FILE, config_name(version))

    def _save_gate(self, gate: ApplicabilityGate) -> dict:
        buffer = io.BytesIO()
        np.savez(buffer, **gate.to_arrays())
        data = buffer.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        name = f"applicability-{digest[:16]}.npz"
        write_bytes_atomic(self.folder / name, data)
        return {"file": name, "sha256": digest}

    def _save_meta(self, meta_learner) -> dict:
        data = skops_files.dumps(meta_learner)  # a logistic regression: skops' safe types only
        digest = hashlib.sha256(data).hexdigest()
        name = f"meta_learner-{digest[:16]}.skops"
        write_bytes_atomic(self.folder / name, data)
        return {"file": name, "sha256": digest}

    def _prune(self, version: str, current: dict) -> None:
        """Remove content-named files the current config does not name, once they are old enough
        that no run still building or promoting a candidate can need them."""
        keep = {config_name(version)}
        keep |= {current[k]["file"] for k in ("meta_learner", "applicability_gate") if current.get(k)}
        for pattern in ("config-*.json", "config-*.json.hmac", "meta_learner-*.skops", "applicability-*.npz"):
            for path in self.folder.glob(pattern):
                if path.name.removesuffix(".hmac") in keep:
                    continue
                try:
                    if time.time() - path.stat().st_mtime > STALE_SECONDS:
                        path.unlink(missing_ok=True)
                except FileNotFoundError:
                    pass

    def _checked(self, record: dict, what: str) -> Path:
        path = (self.folder / record["file"]).resolve()
        if path.parent != self.folder.resolve():  # a name, never a path out of the folder
            raise ModelIntegrityError(f"ensemble {what} {record['file']!r} is not a file of {self.folder}")
        if not path.is_file() or sha256_file(path) != record["sha256"]:
            raise ModelIntegrityError(f"ensemble {what} {path} is missing or does not match its recorded SHA-256")
        return path

    def read_config(self, version: str | None = None) -> dict:
        """The current ensemble's config (or a given version's)."""
        return self._config(version or self.version())

    def _config(self, version: str) -> dict:
        if not VERSION_PATTERN.fullmatch(str(version)):
            raise ModelIntegrityError(f"{version!r} is not an ensemble version")
        path = self.folder / config_name(version)
        if not path.is_file() or path.is_symlink():
            raise FileNotFoundError(f"no ensemble config {path}: materialize the 'ensemble_config' asset")
        raw = read_verified(path, self.models.signing_key)
        if hashlib.sha256(raw).hexdigest()[:16] != version:
            raise ModelIntegrityError(f"{path} does not match its version (its digest): it was changed after saving")
        return json.loads(raw)

    def version(self, release: dict | None = None) -> str:
        """The current ensemble's version (the digest of its config), from the release."""
        version = (release or self.models.release()).get("ensemble")
        if version is None:
            raise FileNotFoundError(
                f"no ensemble has been promoted in {self.models.root}: materialize 'ensemble_config' (e.g. make run); "
                "an ensemble becomes current once its models pass validation"
            )
        return version

    def load(self, ensemble_type: str | None = None) -> EnsemblePredictor:
        """The current ensemble (its chosen type, or ``ensemble_type``) over the current
        models; refuses if any member's version differs from the one the ensemble was built on."""
        release = self.models.release()  # read once: a promotion meanwhile changes nothing here
        version = self.version(release)
        config = self._config(version)
        ensemble = EnsemblePredictor(ensemble_type or config["ensemble_type"])
        ensemble.version_ = version
        ensemble.horizon_ = int(config["horizon"]) if "horizon" in config else None
        for member in config["members"]:
            current = release["models"].get(member["name"])
            if member["version"] is not None and current != member["version"]:
                raise EnsembleVersionError(
                    f"{member['name']}: the ensemble was built on version {member['version']}, but the current "
                    f"model is version {current}; rebuild the ensemble (materialize 'ensemble_config')"
                )
            stored = self.models.load(member["name"], current)
            ensemble.add_model(stored.model, member["weight"], stored.version)
        gate = config.get("applicability_gate")
        if gate:
            with np.load(self._checked(gate, "applicability gate"), allow_pickle=False) as arrays:
                ensemble.gate_ = ApplicabilityGate.from_arrays(arrays)
        meta = config.get("meta_learner")
        if meta:
            ensemble.meta_learner_ = skops_files.load(self._checked(meta, "meta-learner"), trusted=list(META_LEARNER_TYPES))
            ensemble.stacking_features_ = config.get("stacking_features") or stacking_features(ensemble.members.values())
        elif ensemble.ensemble_type == "stacking":
            raise RuntimeError(f"{self.folder / config_name(version)} has no meta-learner, so it cannot be loaded as stacking")
        return ensemble
