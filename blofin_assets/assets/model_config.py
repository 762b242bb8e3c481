"""Run config for the five model assets. Defaults are read from the model classes, so the
launchpad shows the real defaults (the original pipeline's hyperparameters)."""

import inspect
from typing import Optional

import dagster as dg

from blofin_assets.ml.models import (
    DirectionPredictor,
    MomentumClassifier,
    PricePredictor,
    RiskScorer,
    VolatilityRegressor,
)


def _default(cls, param: str):
    value = inspect.signature(cls).parameters[param].default
    return list(value) if isinstance(value, tuple) else value


class ModelConfig(dg.Config):
    features: Optional[list[str]] = None
    """Feature columns to learn from; default: every scale-free feature."""
    random_state: int = 0
    champion_challenger: bool = False
    """Keep the current model unless the new one is at least as good (always on in retraining
    runs started by drift_sensor)."""
    min_importance_share: float = 0.01
    """When challenging: drop features whose importance is below this share of the largest."""

    def params(self) -> dict:
        """The model's hyperparameters (the pipeline settings above excluded)."""
        return self.model_dump(exclude={"champion_challenger", "min_importance_share"})


class DirectionConfig(ModelConfig):
    max_depth: int = _default(DirectionPredictor, "max_depth")
    learning_rate: float = _default(DirectionPredictor, "learning_rate")
    n_estimators: int = _default(DirectionPredictor, "n_estimators")
    subsample: float = _default(DirectionPredictor, "subsample")


class ScalableConfig(ModelConfig):
    estimator: str = "auto"
    """auto: the exact estimator up to exact_max_rows training rows, the scalable one above;
    or force 'exact' / 'scalable'."""
    exact_max_rows: Optional[int] = None
    """Row count where auto switches; default: the model's measured limit."""


class RiskConfig(ScalableConfig):
    n_estimators: int = _default(RiskScorer, "n_estimators")
    max_depth: int = _default(RiskScorer, "max_depth")
    min_samples_leaf: int = _default(RiskScorer, "min_samples_leaf")
    scalable_samples: int = _default(RiskScorer, "scalable_samples")


class PriceConfig(ScalableConfig):
    hidden_sizes: list[int] = _default(PricePredictor, "hidden_sizes")
    dropout: float = _default(PricePredictor, "dropout")
    epochs: int = _default(PricePredictor, "epochs")
    learning_rate: float = _default(PricePredictor, "learning_rate")
    batch_size: int = _default(PricePredictor, "batch_size")
    scalable_epochs: int = _default(PricePredictor, "scalable_epochs")
    scalable_batch_size: int = _default(PricePredictor, "scalable_batch_size")
    scalable_sample_passes: int = _default(PricePredictor, "scalable_sample_passes")
    calibration_fraction: float = _default(PricePredictor, "calibration_fraction")
    device: str = _default(PricePredictor, "device")


class MomentumConfig(ScalableConfig):
    C: float = _default(MomentumClassifier, "C")
    gamma: Optional[float] = None
    """RBF kernel width; default 'scale' = 1 / (n_features * variance)."""
    n_components: int = _default(MomentumClassifier, "n_components")
    sgd_epochs: int = _default(MomentumClassifier, "sgd_epochs")
    scalable_max_rows: int = _default(MomentumClassifier, "scalable_max_rows")
    calibration_fraction: float = _default(MomentumClassifier, "calibration_fraction")

    def params(self) -> dict:
        params = super().params()
        params["gamma"] = "scale" if self.gamma is None else self.gamma
        return params


class VolatilityConfig(ScalableConfig):
    n_estimators: int = _default(VolatilityRegressor, "n_estimators")
    learning_rate: float = _default(VolatilityRegressor, "learning_rate")
    max_depth: int = _default(VolatilityRegressor, "max_depth")
    calibration_fraction: float = _default(VolatilityRegressor, "calibration_fraction")
