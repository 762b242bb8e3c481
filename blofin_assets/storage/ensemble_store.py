"""The ensemble's files, beside the models: ``<models>/ensemble/config.json`` (type, members with
their weights and the model versions they were built on, the evaluation), the stacking
meta-learner (skops, safe types only) and the applicability gate (plain arrays, ``.npz``), each
named by its content (and confined to the folder) so a
config never points at a file another save rewrites.

Loading refuses when a member's current version in the model store differs from the one the
ensemble was built on. The ensemble's version is a digest of its config.json: it changes with
any member version, weight, type, meta-learner or gate.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from pathlib import Path

import numpy as np
import skops.io

from blofin_assets.ml.applicability import ApplicabilityGate
from blofin_assets.ml.ensemble import EnsemblePredictor, EnsembleVersionError, stacking_features
from blofin_assets.storage.files import sha256_file, write_bytes_atomic, write_json
from blofin_assets.storage.model_store import ModelIntegrityError, ModelStore, utc_now

CONFIG_FILE = "config.json"
STALE_META_SECONDS = 3600  # a meta-learner no config has named for this long is removed


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

    def save(self, ensemble: EnsemblePredictor, record: dict | None = None) -> Path:
        """Write config.json (and the meta-learner, if fitted); ``record`` is kept in the config
        (how it was chosen, its evaluation)."""
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
        write_json(self.folder / CONFIG_FILE, config)  # last: readers see the old config or the new one
        self._prune({"meta_learner-*.skops": config["meta_learner"], "applicability-*.npz": config["applicability_gate"]})
        return self.folder / CONFIG_FILE

    def _save_gate(self, gate: ApplicabilityGate) -> dict:
        buffer = io.BytesIO()
        np.savez(buffer, **gate.to_arrays())
        data = buffer.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        name = f"applicability-{digest[:16]}.npz"
        write_bytes_atomic(self.folder / name, data)
        return {"file": name, "sha256": digest}

    def _save_meta(self, meta_learner) -> dict:
        data = skops.io.dumps(meta_learner)  # a logistic regression: skops' safe types only
        digest = hashlib.sha256(data).hexdigest()
        name = f"meta_learner-{digest[:16]}.skops"
        write_bytes_atomic(self.folder / name, data)
        return {"file": name, "sha256": digest}

    def _prune(self, current: dict[str, dict | None]) -> None:
        """Remove content-named files no config has named for a while."""
        for pattern, record in current.items():
            keep = record["file"] if record else None
            for path in self.folder.glob(pattern):
                if path.name != keep and time.time() - path.stat().st_mtime > STALE_META_SECONDS:
                    path.unlink(missing_ok=True)

    def _checked(self, record: dict, what: str) -> Path:
        path = (self.folder / record["file"]).resolve()
        if path.parent != self.folder.resolve():  # a name, never a path out of the folder
            raise ModelIntegrityError(f"ensemble {what} {record['file']!r} is not a file of {self.folder}")
        if not path.is_file() or sha256_file(path) != record["sha256"]:
            raise ModelIntegrityError(f"ensemble {what} {path} is missing or does not match its recorded SHA-256")
        return path

    def read_config(self) -> dict:
        return json.loads(self._config_bytes())

    def _config_bytes(self) -> bytes:
        path = self.folder / CONFIG_FILE
        if not path.exists():
            raise FileNotFoundError(f"no ensemble config at {path}: materialize the 'ensemble_config' asset first")
        return path.read_bytes()

    def version(self) -> str:
        """The saved ensemble's version: a digest of its config."""
        return hashlib.sha256(self._config_bytes()).hexdigest()[:16]

    def load(self, ensemble_type: str | None = None) -> EnsemblePredictor:
        """The saved ensemble (its chosen type, or ``ensemble_type``) over the CURRENT models;
        refuses if any member's version differs from the one the ensemble was built on."""
        raw = self._config_bytes()
        config = json.loads(raw)
        ensemble = EnsemblePredictor(ensemble_type or config["ensemble_type"])
        ensemble.version_ = hashlib.sha256(raw).hexdigest()[:16]
        ensemble.horizon_ = int(config["horizon"]) if "horizon" in config else None
        for member in config["members"]:
            stored = self.models.load(member["name"])
            if member["version"] is not None and stored.version != member["version"]:
                raise EnsembleVersionError(
                    f"{member['name']}: the ensemble was built on version {member['version']}, but the current "
                    f"model is version {stored.version}; rebuild the ensemble (materialize 'ensemble_config')"
                )
            ensemble.add_model(stored.model, member["weight"], stored.version)
        gate = config.get("applicability_gate")
        if gate:
            with np.load(self._checked(gate, "applicability gate"), allow_pickle=False) as arrays:
                ensemble.gate_ = ApplicabilityGate.from_arrays(arrays)
        meta = config.get("meta_learner")
        if meta:
            ensemble.meta_learner_ = skops.io.load(self._checked(meta, "meta-learner"), trusted=[])
            ensemble.stacking_features_ = config.get("stacking_features") or stacking_features(ensemble.members.values())
        elif ensemble.ensemble_type == "stacking":
            raise RuntimeError(f"{self.folder / CONFIG_FILE} has no meta-learner, so it cannot be loaded as stacking")
        return ensemble
