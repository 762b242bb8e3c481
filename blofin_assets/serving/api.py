"""The Python API: load a trained model and predict, with the outputs the original pipeline gave.

    >>> from blofin_assets.serving.api import load_model
    >>> model = load_model("direction_predictor")          # models/ or $BLOFIN_MODELS_DIR
    >>> model.predict(features.iloc[-1])                   # one row -> one output
    {'direction': 'UP', 'confidence': 0.57}
    >>> model.predict(features.tail(3))                    # a frame -> one output per row

Outputs per model (each model class's ``output_record``):
  direction_predictor   {"direction": "UP"|"DOWN", "confidence": P(predicted class)}
  risk_scorer           int 0-100
  price_predictor       {"predicted_price": float, "confidence": float}
  momentum_classifier   {"state": "decelerating"|"neutral"|"accelerating", "confidence": P(state)}
  volatility_regressor  {"predicted_vol": float, "confidence": float}
Regressor confidence is defined in blofin_assets.ml.models.confidence.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from blofin_assets.settings import models_dir as default_models_dir
from blofin_assets.storage.model_store import ModelStore, StoredModel


def _as_frame(features) -> tuple[pd.DataFrame, bool]:
    """(frame, single): a Series or dict is one row; a DataFrame is many."""
    if isinstance(features, pd.DataFrame):
        return features, False
    if isinstance(features, pd.Series):
        return features.to_frame().T.infer_objects(), True
    if isinstance(features, dict):
        return pd.DataFrame([features]), True
    raise TypeError("features must be a pandas Series or dict (one row) or a DataFrame (rows)")


class Predictor:
    """A loaded model: ``predict`` for the original outputs, ``predict_frame`` for batches.

    Parameters
    ----------
    stored : StoredModel
        A model version read from the model store.

    Attributes
    ----------
    model : CandleModel
        The fitted model.
    name, version : str
        Which model and which version.
    config, metadata : dict
        Its config.json and metadata.json.
    """

    def __init__(self, stored: StoredModel):
        self.stored = stored
        self.model = stored.model
        self.name = stored.model.name
        self.version = stored.version
        self.config = stored.config
        self.metadata = stored.metadata

    def predict_frame(self, features: pd.DataFrame) -> pd.DataFrame:
        return self.model.predict_outputs(features)

    def predict(self, features):
        frame, single = _as_frame(features)
        outputs = self.model.predict_outputs(frame)
        formatted = [self.model.output_record(row) for _, row in outputs.iterrows()]
        return formatted[0] if single else formatted

    def __repr__(self) -> str:
        return f"Predictor({self.name}, version={self.version}, estimator={self.config['estimator_used']!r})"


def load_model(name: str, models_dir: str | os.PathLike | None = None) -> Predictor:
    """Load the current version of model ``name`` from ``models_dir`` (default: settings)."""
    root = Path(models_dir) if models_dir is not None else default_models_dir()
    return Predictor(ModelStore(root).load(name))
