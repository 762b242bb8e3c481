"""Which fit a model's progress lines belong to: folds fitted side by side in threads write
their epochs into one log, and without a label the lines of two folds cannot be told apart."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

_LABEL: ContextVar[str] = ContextVar("fit_label", default="")


@contextmanager
def fit_label(label: str):
    """Label the progress lines of fits made inside (in this thread): e.g. "fold 2/4"."""
    token = _LABEL.set(label)
    try:
        yield
    finally:
        _LABEL.reset(token)


def labelled(name: str) -> str:
    """``name`` with the current fit's label, if any: "price_predictor (fold 2/4)"."""
    label = _LABEL.get()
    return f"{name} ({label})" if label else name
