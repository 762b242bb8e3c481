"""Persistence: the model store, the ensemble's files, the results database, the retrain log
and the file helpers they share (atomic writes, JSON, checksums). Knows nothing of Dagster.

The names below are imported on first use: the ensemble's files need scikit-learn (its gate),
which a command that only reads settings or errors from here (``blofin symbols``) should not
wait 2 s for."""

from importlib import import_module

_WHERE = {
    "EnsembleStore": "ensemble_store",
    "ModelIntegrityError": "model_store",
    "ModelNotFoundError": "model_store",
    "ModelRef": "model_store",
    "ModelStore": "model_store",
    "StoredModel": "model_store",
    "ResultsDB": "results",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
