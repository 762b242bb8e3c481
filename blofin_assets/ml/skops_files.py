"""scikit-learn objects to and from skops files, skops imported on first use.

Importing ``skops.io`` imports every scikit-learn estimator to list its trusted types: 0.7-1.1 s
on top of the 3.9-4.4 s the definitions took to load then. Imported here when a file is first
written or read, a process that touches none (the UI's code location, a sensor tick,
``blofin symbols``) starts that much sooner."""

from __future__ import annotations

from pathlib import Path


def dump(obj, path: Path) -> None:
    import skops.io

    skops.io.dump(obj, path)


def dumps(obj) -> bytes:
    import skops.io

    return skops.io.dumps(obj)


def load(path: Path, trusted: list[str]):
    """The object in ``path``; skops refuses (UntrustedTypesFoundException) a file holding a
    type neither its own safe list nor ``trusted`` names."""
    import skops.io

    return skops.io.load(path, trusted=trusted)
