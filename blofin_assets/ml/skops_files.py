"""scikit-learn objects to and from skops files, skops imported on first use and trusting only
what the caller names.

skops trusts, beside the types a load names, every scikit-learn estimator, and lists them when
it is imported by importing all of scikit-learn, and torch through it: 4.4 s on top of the
definitions, against 1.5 s with that listing skipped, as here (torch, 2.3 s, then comes only
with the first network). Its blanket trust of scikit-learn is emptied too, so a file loads only if
every type in it is one skops deems safe (numbers, containers, arrays, functions of numpy) or
one that the model class names (``trusted_types``): a pipeline or any estimator the class does
not use is refused. The same holds when something else imported skops first."""

from __future__ import annotations

import sys
from pathlib import Path


def skops_io():
    """skops.io, imported without its listing of scikit-learn, its blanket trust emptied."""
    if "skops.io" not in sys.modules:
        import sklearn.utils

        listing = sklearn.utils.all_estimators
        sklearn.utils.all_estimators = lambda *args, **kwargs: []
        try:
            import skops.io
        finally:
            sklearn.utils.all_estimators = listing
    import skops.io._general

    # Read when each object node is built: empty, the caller's list is the whole trust.
    skops.io._general.SKLEARN_ESTIMATOR_TYPE_NAMES = []
    return sys.modules["skops.io"]


def dump(obj, path: Path) -> None:
    skops_io().dump(obj, path)


def dumps(obj) -> bytes:
    return skops_io().dumps(obj)


def load(path: Path, trusted: list[str]):
    """The object in ``path``; skops refuses (UntrustedTypesFoundException) a file holding a
    type neither its own safe list of primitives nor ``trusted`` names."""
    return skops_io().load(path, trusted=trusted)
