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
from blofin_assets.ml.dataset import TargetSet, model_table
from blofin_assets.ml.store import ModelRef
from blofin_assets.ml.training import train_model
from blofin_assets.resources import ModelStoreResource


def train_and_store(
    context: dg.AssetExecutionContext,
    name: str,
    config: ModelConfig,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
) -> dg.Output[ModelRef]:
    table = model_table(features, targets)
    trained = train_model(name, table, targets.horizon, config.params())
    stored = model_store.get().save(trained.model, trained.config, {"training": trained.training})
    context.log.info(f"{name}: {trained.config['estimator_used']} on {trained.training['n_train']} rows")
    window = trained.training["data_window"]
    metrics = {f"train_{k}": finite(v) for k, v in trained.training["metrics"].items()}
    return dg.Output(
        stored.ref(),
        metadata={
            "estimator": trained.config["estimator_used"],
            "version": stored.version,
            "path": dg.MetadataValue.path(str(model_store.get().folder(name))),
            "n_train": trained.training["n_train"],
            "train_window": f"{window['start']} .. {window['end']}",
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
) -> dg.Output[ModelRef]:
    return train_and_store(context, "direction_predictor", config, features, targets, model_store)


@dg.asset(group_name="training", kinds={"scikitlearn"}, description="RandomForest regressor: risk 0-100 of the next horizon candles.")
def risk_scorer(
    context: dg.AssetExecutionContext,
    config: RiskConfig,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
) -> dg.Output[ModelRef]:
    return train_and_store(context, "risk_scorer", config, features, targets, model_store)


@dg.asset(group_name="training", kinds={"pytorch"}, description="PyTorch MLP 128-64-32 (dropout 0.2): close in horizon candles.")
def price_predictor(
    context: dg.AssetExecutionContext,
    config: PriceConfig,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
) -> dg.Output[ModelRef]:
    return train_and_store(context, "price_predictor", config, features, targets, model_store)


@dg.asset(group_name="training", kinds={"scikitlearn"}, description="RBF SVM with calibrated probabilities: decelerating/neutral/accelerating.")
def momentum_classifier(
    context: dg.AssetExecutionContext,
    config: MomentumConfig,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
) -> dg.Output[ModelRef]:
    return train_and_store(context, "momentum_classifier", config, features, targets, model_store)


@dg.asset(group_name="training", kinds={"scikitlearn"}, description="GradientBoosting regressor: realized volatility of the next horizon candles.")
def volatility_regressor(
    context: dg.AssetExecutionContext,
    config: VolatilityConfig,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
) -> dg.Output[ModelRef]:
    return train_and_store(context, "volatility_regressor", config, features, targets, model_store)


MODEL_ASSETS = [direction_predictor, risk_scorer, price_predictor, momentum_classifier, volatility_regressor]
