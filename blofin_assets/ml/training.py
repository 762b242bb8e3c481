"""Train one of the five models on the training rows of the model table."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np
import pandas as pd

from blofin_assets.ml.metrics import classification_metrics, regression_metrics
from blofin_assets.ml.models import MODEL_CLASSES
from blofin_assets.ml.models.base import CandleModel
from blofin_assets.ml.splits import TRAIN
from blofin_assets.storage.jsonsafe import jsonable


@dataclass
class TrainedModel:
    model: CandleModel
    config: dict  # -> config.json
    training: dict  # -> metadata.json["training"]


def data_window(rows: pd.DataFrame) -> dict:
    """First and last timestamp, overall and per symbol, and row counts."""
    def span(frame):
        return {
            "start": frame["timestamp"].min().isoformat(),
            "end": frame["timestamp"].max().isoformat(),
            "rows": int(len(frame)),
        }

    return {**span(rows), "symbols": {str(s): span(g) for s, g in rows.groupby("symbol")}}


def build_model(name: str, params: dict | None = None, horizon: int = 5) -> CandleModel:
    """An unfitted model with ``params`` over its defaults; ``horizon`` goes to the models that
    purge a calibration slice."""
    if name not in MODEL_CLASSES:
        raise KeyError(f"unknown model {name!r}; known: {sorted(MODEL_CLASSES)}")
    cls = MODEL_CLASSES[name]
    accepted = inspect.signature(cls.__init__).parameters
    params = dict(params or {})
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ValueError(f"{name}: unknown hyperparameter(s) {unknown}; accepted: {sorted(accepted)[1:]}")
    if "horizon" in accepted:
        params.setdefault("horizon", horizon)
    return cls(**params)


def train_model(name: str, table: pd.DataFrame, horizon: int, params: dict | None = None) -> TrainedModel:
    """Fit model ``name`` on the rows of ``table`` (see ml.dataset.model_table) marked train."""
    model = build_model(name, params, horizon)
    rows = table[table["split"] == TRAIN]
    if rows.empty:
        raise ValueError(f"{name}: no training rows")
    y = rows[model.target].to_numpy()
    model.fit(rows, y)
    predicted = model.predict(rows)
    if model.task == "classification":
        in_sample = classification_metrics(y, predicted)
    else:
        in_sample = regression_metrics(y, predicted)
    config = {
        "name": name,
        "class": type(model).__name__,
        "family": model.family,
        "task": model.task,
        "target": model.target,
        "features": list(model.feature_names_in_),
        "horizon": horizon,
        "hyperparameters": jsonable(model.get_params()),
        "estimator_used": model.estimator_used_,
        "fitted": jsonable(model.fitted_summary()),
    }
    training = {
        "n_train": int(len(rows)),
        "metrics": in_sample,
        "data_window": data_window(rows),
        "class_balance": (
            {str(k): int(v) for k, v in zip(*np.unique(y, return_counts=True))}
            if model.task == "classification"
            else None
        ),
    }
    return TrainedModel(model, config, training)
