"""The five model assets: each trains on the training rows and saves models/model_<name>/."""

import dagster as dg
import pandas as pd

from blofin_assets.assets.markdown import finite
from blofin_assets.assets.model_config import (
    DirectionConfig,
    ModelConfig,
    MomentumConfig,
    PriceConfig,
    RiskConfig,
    VolatilityConfig,
)
from blofin_assets import run_tags
from blofin_assets.assets.retrain_events import log_retrain_events
from blofin_assets.ml.dataset import TargetSet, model_table
from blofin_assets.ml.retraining import retrain
from blofin_assets.ml.store import ModelRef
from blofin_assets.ml.training import train_model
from blofin_assets.resources import ModelStoreResource, ResultsDatabase


def champion_params(model_config: dict) -> dict:
    return {k: v for k, v in model_config["hyperparameters"].items() if k not in ("features", "horizon")}


def train_and_store(
    context: dg.AssetExecutionContext,
    name: str,
    config: ModelConfig,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
) -> dg.Output[ModelRef]:
    """Train model ``name`` and make it current; in a retraining run (or with
    champion_challenger), only if it beats the current model on the same held-out rows."""
    store = model_store.get()
    table = model_table(features, targets)
    sensor_retrain = context.run.tags.get(run_tags.RETRAIN) == "true"
    challenge = (sensor_retrain or config.champion_challenger) and store.exists(name)
    if challenge:
        champion = store.load(name)
        # A retraining run the sensor started carries no run config: it keeps the champion's
        # hyperparameters (its features are re-selected from their importance).
        params = champion_params(champion.config) if sensor_retrain else config.params()
        outcome = retrain(champion, table, targets.horizon, params, min_importance_share=config.min_importance_share)
        trained = outcome.challenger
        stored = (
            store.save(trained.model, trained.config, {"training": trained.training}) if outcome.accepted else champion
        )
        event = {**outcome.record, "run_id": context.run.run_id, "new_version": stored.version}
        event["trigger"] = {k: v for k, v in context.run.tags.items() if k.startswith("blofin/")}
        log_retrain_events(model_store, results_db, [event])
        context.log.info(f"{name}: {outcome.record['reason']}; {outcome.record['decision']}")
    else:
        trained = train_model(name, table, targets.horizon, config.params())
        stored = store.save(trained.model, trained.config, {"training": trained.training})
    context.log.info(f"{name}: {trained.config['estimator_used']} on {trained.training['n_train']} rows")
    window = stored.metadata["training"]["data_window"]
    metrics = {f"train_{k}": finite(v) for k, v in stored.metadata["training"]["metrics"].items()}
    extra = {"champion_challenger": outcome.record["decision"]} if challenge else {}
    return dg.Output(
        stored.ref(),
        metadata={
            "estimator": stored.config["estimator_used"],
            "version": stored.version,
            "path": dg.MetadataValue.path(str(store.folder(name))),
            "n_train": stored.metadata["training"]["n_train"],
            "n_features": len(stored.config["features"]),
            "train_window": f"{window['start']} .. {window['end']}",
            **extra,
            **{k: v for k, v in metrics.items() if v is not None},
        },
    )


@dg.asset(group_name="training", kinds={"xgboost"}, description="XGBoost classifier: UP/DOWN over the next horizon candles.")
def direction_predictor(
    context: dg.AssetExecutionContext,
    config: DirectionConfig,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
) -> dg.Output[ModelRef]:
    return train_and_store(context, "direction_predictor", config, features, targets, model_store, results_db)


@dg.asset(group_name="training", kinds={"scikitlearn"}, description="RandomForest regressor: risk 0-100 of the next horizon candles.")
def risk_scorer(
    context: dg.AssetExecutionContext,
    config: RiskConfig,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
) -> dg.Output[ModelRef]:
    return train_and_store(context, "risk_scorer", config, features, targets, model_store, results_db)


@dg.asset(group_name="training", kinds={"pytorch"}, description="PyTorch MLP 128-64-32 (dropout 0.2): close in horizon candles.")
def price_predictor(
    context: dg.AssetExecutionContext,
    config: PriceConfig,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
) -> dg.Output[ModelRef]:
    return train_and_store(context, "price_predictor", config, features, targets, model_store, results_db)


@dg.asset(group_name="training", kinds={"scikitlearn"}, description="RBF SVM with calibrated probabilities: decelerating/neutral/accelerating.")
def momentum_classifier(
    context: dg.AssetExecutionContext,
    config: MomentumConfig,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
) -> dg.Output[ModelRef]:
    return train_and_store(context, "momentum_classifier", config, features, targets, model_store, results_db)


@dg.asset(group_name="training", kinds={"scikitlearn"}, description="GradientBoosting regressor: realized volatility of the next horizon candles.")
def volatility_regressor(
    context: dg.AssetExecutionContext,
    config: VolatilityConfig,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
) -> dg.Output[ModelRef]:
    return train_and_store(context, "volatility_regressor", config, features, targets, model_store, results_db)


MODEL_ASSETS = [direction_predictor, risk_scorer, price_predictor, momentum_classifier, volatility_regressor]
