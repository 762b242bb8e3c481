"""Adopted hyperparameters, beside the models: ``<models>/tuning/<model>.json`` holds the
parameters the last significant search chose, the verdict that let them in and when. The model
assets train with them (over their defaults) until a later search adopts others."""

from __future__ import annotations

import json
from pathlib import Path

from blofin_assets.storage.files import write_json
from blofin_assets.storage.model_store import ModelStore, utc_now


class TuningStore:
    """Adopted hyperparameters per model.

    Parameters
    ----------
    models : ModelStore
        The store whose models the parameters are for.
    """

    def __init__(self, models: ModelStore):
        self.folder = models.root / "tuning"

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def adopted(self, name: str) -> dict | None:
        """The record of the adopted parameters of ``name`` (params, study, verdict), or None."""
        path = self._path(name)
        return json.loads(path.read_text()) if path.exists() else None

    def adopt(self, name: str, params: dict, study: str, verdict: dict) -> dict:
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"model": name, "params": params, "study": study, "verdict": verdict, "adopted_at": utc_now()}
        write_json(self._path(name), record)
        return record
