"""Thin Dagster assets, by stage: read inputs, call domain code, return values with metadata.
The per-model ones are made from the registered model classes (``graph_assets``)."""

import dagster as dg

from blofin_assets.defs.assets import backtest, data, ensemble, evaluation, features, live, monitoring, training, tuning
from blofin_assets.ml.models import CandleModel


def graph_assets(model_classes: list[type[CandleModel]]) -> list[dg.AssetsDefinition]:
    """Every asset of the graph, for the given models."""
    names = tuple(cls.name for cls in model_classes)
    return [
        data.candles,
        features.features,
        features.targets,
        tuning.tuning,
        *(training.model_asset(cls) for cls in model_classes),
        *(evaluation.validation_asset(cls) for cls in model_classes),
        evaluation.comparison_asset(names),
        ensemble.ensemble_asset(names),
        backtest.signal_backtest,
        live.predictions,
        live.prediction_outcomes,
        *monitoring.monitoring_assets(names),
    ]
