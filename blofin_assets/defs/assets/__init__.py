"""Thin Dagster assets, by stage: read inputs, call domain code, return values with metadata.
The per-model ones are made from the registered model classes (``graph_assets``)."""

import dagster as dg

from blofin_assets.defs.assets import backtest, data, ensemble, evaluation, features, live, monitoring, replay, training, tuning
from blofin_assets.defs.model_config import model_config_class
from blofin_assets.ml.models import CandleModel


def run_config_classes(model_classes: list[type[CandleModel]]) -> dict[str, type[dg.Config]]:
    """Each asset's run config class, by asset name."""
    return {
        "candles": data.CandlesConfig,
        "targets": features.TargetsConfig,
        "tuning": tuning.TuningConfig,
        **{cls.name: model_config_class(cls) for cls in model_classes},
        **{f"{cls.name}_validation": evaluation.ValidationConfig for cls in model_classes},
        "ensemble_config": ensemble.EnsembleConfig,
        "signal_backtest": backtest.config_class(tuple(cls.name for cls in model_classes if cls.signal_column)),
        "signal_replay": replay.ReplayConfig,
        "predictions": live.PredictionsConfig,
        "prediction_outcomes": live.OutcomesConfig,
        "model_performance": monitoring.PerformanceConfig,
        "feature_drift": monitoring.DriftConfig,
    }


def graph_assets(model_classes: list[type[CandleModel]]) -> list[dg.AssetsDefinition]:
    """Every asset of the graph, for the given models."""
    names = tuple(cls.name for cls in model_classes)
    classes = run_config_classes(model_classes)
    return [
        data.candles,
        data.funding,
        features.features,
        features.targets,
        features.training_table,
        tuning.tuning,
        *(training.model_asset(cls, classes) for cls in model_classes),
        *(evaluation.validation_asset(cls) for cls in model_classes),
        evaluation.comparison_asset(names),
        ensemble.ensemble_asset(names, classes),
        backtest.signal_backtest,
        replay.signal_replay,
        live.predictions,
        live.prediction_outcomes,
        *monitoring.monitoring_assets(names),
    ]
