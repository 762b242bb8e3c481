"""The ensemble's files, beside the models: ``<models>/ensemble/config.json`` (type, members with
their weights and the model versions they were built on, the evaluation) and the stacking
meta-learner, named by its content so a config never points at a file another save rewrites.

Loading refuses when a member's current version in the model store differs from the one the
ensemble was built on.
"""

from __future__ import annotations

import json
import os
import pickle
import time
import uuid
from pathlib import Path

from blofin_assets.ml.ensemble import EnsemblePredictor, EnsembleVersionError, stacking_features
from blofin_assets.storage.files import sha256_file, write_json
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
        }
        write_json(self.folder / CONFIG_FILE, config)  # last: readers see the old config or the new one
        self._prune_meta(config["meta_learner"])
        return self.folder / CONFIG_FILE

    def _save_meta(self, meta_learner) -> dict:
        tmp = self.folder / f".meta_learner.{uuid.uuid4().hex}.tmp"
        with open(tmp, "wb") as fh:
            pickle.dump(meta_learner, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        digest = sha256_file(tmp)
        name = f"meta_learner-{digest[:16]}.pkl"
        os.replace(tmp, self.folder / name)
        return {"file": name, "sha256": digest}

    def _prune_meta(self, current: dict | None) -> None:
        keep = current["file"] if current else None
        for path in self.folder.glob("meta_learner-*.pkl"):
            if path.name != keep and time.time() - path.stat().st_mtime > STALE_META_SECONDS:
                path.unlink(missing_ok=True)

    def read_config(self) -> dict:
        path = self.folder / CONFIG_FILE
        if not path.exists():
            raise FileNotFoundError(f"no ensemble config at {path}: materialize the 'ensemble_config' asset first")
        return json.loads(path.read_text())

    def load(self, ensemble_type: str | None = None) -> EnsemblePredictor:
        """The saved ensemble (its chosen type, or ``ensemble_type``) over the CURRENT models;
        refuses if any member's version differs from the one the ensemble was built on."""
        config = self.read_config()
        ensemble = EnsemblePredictor(ensemble_type or config["ensemble_type"])
        for member in config["members"]:
            stored = self.models.load(member["name"])
            if member["version"] is not None and stored.version != member["version"]:
                raise EnsembleVersionError(
                    f"{member['name']}: the ensemble was built on version {member['version']}, but the current "
                    f"model is version {stored.version}; rebuild the ensemble (materialize 'ensemble_config')"
                )
            ensemble.add_model(stored.model, member["weight"], stored.version)
        meta = config.get("meta_learner")
        if meta:
            path = self.folder / meta["file"]
            if sha256_file(path) != meta["sha256"]:
                raise ModelIntegrityError(f"ensemble meta-learner {path} does not match its recorded SHA-256")
            with open(path, "rb") as fh:
                ensemble.meta_learner_ = pickle.load(fh)
            ensemble.stacking_features_ = config.get("stacking_features") or stacking_features(ensemble.members.values())
        elif ensemble.ensemble_type == "stacking":
            raise RuntimeError(f"{self.folder / CONFIG_FILE} has no meta-learner, so it cannot be loaded as stacking")
        return ensemble
