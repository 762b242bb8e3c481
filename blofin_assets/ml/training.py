"""Train a registered model on the training rows of the model table."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pandas as pd

from blofin_assets.ml.models import CandleModel, model_class
from blofin_assets.ml.splits import TRAIN


@dataclass
class TrainedModel:
    """A freshly trained model: what its config.json and metadata.json["training"] will hold."""

    model: CandleModel
    config: dict  # -> config.json
    training: dict  # -> metadata.json["training"]


@dataclass
class ModelVersion:
    """A model as saved: the fitted model with its config.json and metadata.json."""

    model: CandleModel
    config: dict
    metadata: dict

    @property
    def version(self) -> str:
        return self.metadata["version"]


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
    cls = model_class(name)
    accepted = inspect.signature(cls.__init__).parameters
    params = dict(params or {})
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ValueError(f"{name}: unknown hyperparameter(s) {unknown}; accepted: {sorted(p for p in accepted if p != 'self')}")
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
    in_sample = model.metrics(y, model.predict(rows))
    config = {
        "name": name,
        "class": type(model).__name__,
        "family": model.family,
        "task": model.task,
        "target": model.target,
        "features": list(model.feature_names_in_),
        "horizon": horizon,
        "hyperparameters": model.get_params(),
        "estimator_used": model.estimator_used_,
        "fitted": model.fitted_summary(),
    }
    training = {
        "n_train": int(len(rows)),
        "n_effective": round(model.n_effective_, 1),  # labels' summed uniqueness (ml/uniqueness.py)
        "metrics": in_sample,
        "data_window": data_window(rows),
        "class_balance": model.class_balance(y),
    }
    return TrainedModel(model, config, training)
