"""The models the pipeline runs, by name. Registering a model class is all it takes for the
graph to build its asset, validation, monitoring and ensemble membership and for the API to
load it (``register_model``); ``models/__init__.py`` registers the five built-in ones."""

from __future__ import annotations

from blofin_assets.ml.models.base import CandleModel
from blofin_assets.ml.models.tasks import CandleClassifier, CandleRegressor

MODEL_CLASSES: dict[str, type[CandleModel]] = {}

_REQUIRED = ("name", "target", "family", "library", "summary", "estimator_file")


def register_model(cls: type[CandleModel]) -> type[CandleModel]:
    """Add ``cls`` to the pipeline's models (usable as a decorator). Definitions built after
    this include it."""
    if not issubclass(cls, (CandleClassifier, CandleRegressor)):
        raise TypeError(f"{cls.__name__} must subclass CandleClassifier or CandleRegressor")
    missing = [a for a in _REQUIRED if not isinstance(getattr(cls, a, None), str)]
    if missing:
        raise TypeError(f"{cls.__name__} must set the class attribute(s) {missing}")
    unknown = [c for c in (*cls.stacking_columns, cls.signal_column, *(cls.barrier_columns or ())) if c is not None and c not in cls.ensemble_columns]
    if unknown:
        raise TypeError(f"{cls.__name__}: {unknown} are not among its ensemble_columns {cls.ensemble_columns}")
    taken = MODEL_CLASSES.get(cls.name)
    if taken is not None and taken is not cls:
        raise ValueError(f"a model named {cls.name!r} is already registered ({taken.__name__})")
    MODEL_CLASSES[cls.name] = cls
    return cls


def unregister_model(name: str) -> None:
    """Remove a model registered with ``register_model``."""
    MODEL_CLASSES.pop(name, None)


def model_names() -> tuple[str, ...]:
    """The registered models' names, in registration order."""
    return tuple(MODEL_CLASSES)


def model_class(name: str) -> type[CandleModel]:
    try:
        return MODEL_CLASSES[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {sorted(MODEL_CLASSES)}") from None
