"""Persistence: the model store, the ensemble's files, the results database, the retrain log
and the file helpers they share (atomic writes, JSON, checksums). Knows nothing of Dagster."""

from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.model_store import ModelIntegrityError, ModelNotFoundError, ModelRef, ModelStore, StoredModel
from blofin_assets.storage.results import ResultsDB

__all__ = [
    "EnsembleStore",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelRef",
    "ModelStore",
    "ResultsDB",
    "StoredModel",
]
