"""EnsemblePredictor: weighted average, voting or stacking of the members' outputs.

- weighted_avg: p_up = sum_i w_i * p_up_i over the directional members (members.py), with
  weights from validation (skill_weights); UP when p_up > 0.5, confidence max(p_up, 1 - p_up).
- voting: each directional member votes UP when its p_up > 0.5; the majority wins; a tie goes
  to the member with the largest weight, then to the first name alphabetically. Confidence is
  the share of votes for the winning side.
- stacking: p_up from a logistic regression over all five members' outputs (stacking.py),
  trained on out-of-fold predictions.

Weights: w_i = max(0, skill_i) / sum_j max(0, skill_j), where skill_i is the member's
directional skill on the held-out period (accuracy lift over the majority class as a share of
what the majority class misses). When no member beats its baseline, weights are equal and the
config says so.

``save(folder)`` writes folder/config.json (type, members with weights and the versions they
were built on, the meta-learner's file, named by its content, and SHA-256); ``load(folder, store)`` refuses to load
when a member's current version in the model store differs from the recorded one.
"""

from __future__ import annotations

import json
import os
import pickle
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from blofin_assets.ml.ensemble.members import MEMBER_COLUMNS, SIGNAL_COLUMNS, member_outputs
from blofin_assets.ml.ensemble.stacking import fit_meta_learner, meta_p_up
from blofin_assets.ml.models.base import CandleModel
from blofin_assets.ml.store import ModelIntegrityError, ModelStore, sha256_file, write_json

ENSEMBLE_TYPES = ("weighted_avg", "voting", "stacking")
CONFIG_FILE = "config.json"
STALE_META_SECONDS = 3600


class EnsembleVersionError(RuntimeError):
    """A member model changed since the ensemble was built on it."""


def skill_weights(skills: dict[str, float | None]) -> tuple[dict[str, float], str]:
    """Weights from validation skill, and a one-line reason for the record."""
    positive = {name: max(0.0, s or 0.0) for name, s in skills.items()}
    total = sum(positive.values())
    if total <= 0:
        equal = 1.0 / len(skills)
        return {name: equal for name in skills}, "no member beat its baseline: equal weights"
    return {name: v / total for name, v in positive.items()}, "weights proportional to positive directional skill"


class EnsemblePredictor:
    def __init__(self, ensemble_type: str = "weighted_avg"):
        if ensemble_type not in ENSEMBLE_TYPES:
            raise ValueError(f"ensemble_type must be one of {ENSEMBLE_TYPES}, got {ensemble_type!r}")
        self.ensemble_type = ensemble_type
        self.members: dict[str, CandleModel] = {}
        self.weights: dict[str, float] = {}
        self.versions: dict[str, str] = {}
        self.meta_learner_ = None

    def add_model(self, model: CandleModel, weight: float = 0.0, version: str | None = None) -> "EnsemblePredictor":
        if model.name not in MEMBER_COLUMNS:
            raise ValueError(f"{model.name} is not an ensemble member; members are {sorted(MEMBER_COLUMNS)}")
        if weight < 0:
            raise ValueError(f"weight must be >= 0, got {weight}")
        self.members[model.name] = model
        self.weights[model.name] = float(weight)
        if version is not None:
            self.versions[model.name] = version
        return self

    def _needed(self) -> list[str]:
        if self.ensemble_type == "stacking":
            needed = list(MEMBER_COLUMNS)
        else:
            needed = [n for n in SIGNAL_COLUMNS if n in self.members]
            if not needed:
                raise RuntimeError(f"the ensemble has no directional member: add one of {list(SIGNAL_COLUMNS)}")
        missing = [n for n in needed if n not in self.members]
        if missing:
            raise RuntimeError(f"{self.ensemble_type} needs member(s) {missing}: add_model() them first")
        return needed

    def member_outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        """The outputs this ensemble type needs, each member run once."""
        return pd.concat([member_outputs(self.members[n], X) for n in self._needed()], axis=1)

    def fit_meta(self, outputs: pd.DataFrame, y_direction) -> "EnsemblePredictor":
        """Train the stacking meta-learner on OUT-OF-FOLD member outputs (see stacking.py)."""
        self.meta_learner_ = fit_meta_learner(outputs, y_direction)
        return self

    def combine(self, outputs: pd.DataFrame) -> pd.DataFrame:
        """direction, confidence and p_up from member outputs (for voting, p_up is the share
        of UP votes)."""
        if self.ensemble_type == "stacking":
            if self.meta_learner_ is None:
                raise RuntimeError("stacking needs a meta-learner: fit_meta() or load() first")
            p_up = meta_p_up(self.meta_learner_, outputs)
            up = p_up > 0.5
        else:
            names = [n for n in SIGNAL_COLUMNS if n in self.members]
            probs = outputs[[SIGNAL_COLUMNS[n] for n in names]].to_numpy()
            if self.ensemble_type == "weighted_avg":
                w = np.array([self.weights[n] for n in names])
                w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
                p_up = probs @ w
                up = p_up > 0.5
            else:
                p_up = (probs > 0.5).mean(axis=1)
                leader = names.index(sorted(names, key=lambda n: (-self.weights[n], n))[0])
                up = np.where(p_up == 0.5, probs[:, leader] > 0.5, p_up > 0.5)
        return pd.DataFrame(
            {"direction": np.where(up, "UP", "DOWN"), "confidence": np.maximum(p_up, 1.0 - p_up), "p_up": p_up},
            index=outputs.index,
        )

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        return self.combine(self.member_outputs(X))

    # --- files ------------------------------------------------------------------------------
    def save(self, folder: str | Path, extra: dict | None = None) -> Path:
        """Write config.json (and the meta-learner, if fitted) into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            **(extra or {}),
            "ensemble_type": self.ensemble_type,
            "weights": {n: self.weights[n] for n in SIGNAL_COLUMNS if n in self.weights},
            "members": [
                {
                    "name": name,
                    "weight": self.weights[name],
                    "version": self.versions.get(name),
                    "role": "signal" if name in SIGNAL_COLUMNS else "context",
                    "columns": list(MEMBER_COLUMNS[name]),
                }
                for name in self.members
            ],
            "meta_learner": None,
        }
        if self.meta_learner_ is not None:
            config["meta_learner"] = self._save_meta(folder)
        write_json(folder / CONFIG_FILE, config)  # last: readers see the old config or the new one
        self._prune_meta(folder, config["meta_learner"])
        return folder / CONFIG_FILE

    def _save_meta(self, folder: Path) -> dict:
        """Write the meta-learner under a name made from its content, so a config never points
        at a file another save is rewriting."""
        tmp = folder / f".meta_learner.{uuid.uuid4().hex}.tmp"
        with open(tmp, "wb") as fh:
            pickle.dump(self.meta_learner_, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        digest = sha256_file(tmp)
        name = f"meta_learner-{digest[:16]}.pkl"
        os.replace(tmp, folder / name)
        return {"file": name, "sha256": digest}

    @staticmethod
    def _prune_meta(folder: Path, current: dict | None) -> None:
        """Remove meta-learner files no config has pointed at for an hour."""
        keep = current["file"] if current else None
        for path in folder.glob("meta_learner-*.pkl"):
            if path.name != keep and time.time() - path.stat().st_mtime > STALE_META_SECONDS:
                path.unlink(missing_ok=True)

    @staticmethod
    def read_config(folder: str | Path) -> dict:
        path = Path(folder) / CONFIG_FILE
        if not path.exists():
            raise FileNotFoundError(f"no ensemble config at {path}: materialize the 'ensemble_config' asset first")
        return json.loads(path.read_text())

    @classmethod
    def load(cls, folder: str | Path, store: ModelStore, ensemble_type: str | None = None) -> "EnsemblePredictor":
        """The saved ensemble over the CURRENT models in ``store``; refuses if any member's
        version differs from the one the ensemble was built on."""
        folder = Path(folder)
        config = cls.read_config(folder)
        ensemble = cls(ensemble_type or config["ensemble_type"])
        for member in config["members"]:
            stored = store.load(member["name"])
            if member["version"] is not None and stored.version != member["version"]:
                raise EnsembleVersionError(
                    f"{member['name']}: the ensemble was built on version {member['version']}, but the current "
                    f"model is version {stored.version}; rebuild the ensemble (materialize 'ensemble_config')"
                )
            ensemble.add_model(stored.model, member["weight"], stored.version)
        meta = config.get("meta_learner")
        if meta:
            path = folder / meta["file"]
            if sha256_file(path) != meta["sha256"]:
                raise ModelIntegrityError(f"ensemble meta-learner {path} does not match its recorded SHA-256")
            with open(path, "rb") as fh:
                ensemble.meta_learner_ = pickle.load(fh)
        elif ensemble.ensemble_type == "stacking":
            raise RuntimeError(f"{folder / CONFIG_FILE} has no meta-learner, so it cannot be loaded as stacking")
        return ensemble


def evaluate_direction(signal: pd.DataFrame, y_true: np.ndarray, majority: int) -> dict:
    """Accuracy of an UP/DOWN signal against target_direction, beside the majority class."""
    predicted = (signal["direction"].to_numpy() == "UP").astype(int)
    accuracy = float(np.mean(predicted == y_true))
    baseline = float(np.mean(y_true == majority))
    skill = None if baseline >= 1 else (accuracy - baseline) / (1 - baseline)
    return {"accuracy": accuracy, "baseline_accuracy": baseline, "skill": skill, "n": int(len(y_true))}
