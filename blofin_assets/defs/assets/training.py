"""The model assets, one per registered model class: each trains on the training rows and saves
a candidate version under models/.versions/<name>/, current only once promoted."""

import dagster as dg
import pandas as pd

from blofin_assets.defs import run_tags
from blofin_assets.defs.config_bounds import check_run_config
from blofin_assets.defs.freshness import DAILY
from blofin_assets.defs.metadata import finite, present
from blofin_assets.defs.model_config import ModelConfig, model_config_class
from blofin_assets.defs.resources import ModelStoreResource, ResultsDatabase
from blofin_assets.ml.dataset import TrainingTable
from blofin_assets.ml.models import CandleModel
from blofin_assets.ml.retraining import retrain
from blofin_assets.ml.training import train_model
from blofin_assets.storage.model_store import ModelRef, ModelStore, StoredModel
from blofin_assets.storage.retrain_log import record_retrain_events
from blofin_assets.storage.tuning_store import TuningStore


def champion_params(model_config: dict) -> dict:
    return {k: v for k, v in model_config["hyperparameters"].items() if k not in ("features", "horizon")}


def challenge(
    context: dg.AssetExecutionContext,
    name: str,
    config: ModelConfig,
    params: dict,
    table: pd.DataFrame,
    horizon: int,
    store: ModelStore,
    results_db: ResultsDatabase,
) -> tuple[StoredModel, str]:
    """Train a challenger and keep whichever of it and the current model is better on the same
    held-out rows; the decision goes to the retrain log. (stored model, decision)"""
    champion = store.load(name)
    sensor_retrain = context.run.tags.get(run_tags.RETRAIN) == "true"
    # A retraining run the sensor started carries no run config: it keeps the champion's
    # hyperparameters (its features are re-selected from their importance).
    params = champion_params(champion.config) if sensor_retrain else params
    outcome = retrain(champion, table, horizon, params, min_importance_share=config.min_importance_share)
    trained = outcome.challenger
    stored = store.save(trained.model, trained.config, {"training": trained.training}) if outcome.accepted else champion
    event = {**outcome.record, "run_id": context.run.run_id, "new_version": stored.version}
    event["trigger"] = {k: v for k, v in context.run.tags.items() if k.startswith("blofin/")}
    db = results_db.get()
    try:
        record_retrain_events(store.root, db, [event])
    finally:
        db.dispose()
    context.log.info(f"{name}: {outcome.record['reason']}; {outcome.record['decision']}")
    return stored, outcome.record["decision"]


def model_metadata(stored: StoredModel) -> dict:
    training = stored.metadata["training"]
    window = training["data_window"]
    return present(
        {
            "estimator": stored.config["estimator_used"],
            "version": stored.version,
            # from the models folder's name on: the absolute path ran past the UI's panel
            "path": dg.MetadataValue.path(str(stored.folder.relative_to(stored.folder.parents[3]))),
            "n_train": training["n_train"],
            "n_effective": training.get("n_effective"),
            "n_features": len(stored.config["features"]),
            "train_window": f"{window['start']} .. {window['end']}",
            **{f"train_{k}": finite(v) for k, v in training["metrics"].items()},
        }
    )


def model_asset(cls: type[CandleModel], config_classes: dict[str, type[dg.Config]]) -> dg.AssetsDefinition:
    """The asset that trains ``cls`` and saves a candidate version (ensemble_config promotes it
    once validated); in a retraining run (or with champion_challenger), only if it beats the
    current model on the same held-out rows, else the current version goes on."""
    name = cls.name

    @dg.asset(name=name, group_name="training", kinds={cls.library}, deps=["tuning"], freshness_policy=DAILY, description=cls.summary)
    def _train(
        context: dg.AssetExecutionContext,
        config: model_config_class(cls),
        training_table: TrainingTable,
        model_store: ModelStoreResource,
        results_db: ResultsDatabase,
    ) -> dg.Output[ModelRef]:
        # Before any training: every asset's settings in this run, and the results database
        # (validation records there), so a bad value or a database that is down costs seconds.
        check_run_config(context.run.run_config, config_classes)
        results_db.check_writable()
        store = model_store.get()
        table = training_table.frame
        extra = {}
        params = config.params()
        adopted = TuningStore(store).adopted(name) if config.use_tuned_params else None
        if adopted:
            params = {**params, **adopted["params"]}
            extra["tuned_params"] = f"{adopted['params']} (adopted {adopted['adopted_at']})"
        sensor_retrain = context.run.tags.get(run_tags.RETRAIN) == "true"
        if (sensor_retrain or config.champion_challenger) and store.exists(name):
            stored, extra["champion_challenger"] = challenge(context, name, config, params, table, training_table.horizon, store, results_db)
        else:
            trained = train_model(name, table, training_table.horizon, params)
            stored = store.save(trained.model, trained.config, {"training": trained.training})
        context.log.info(f"{name}: {stored.config['estimator_used']} on {stored.metadata['training']['n_train']} rows")
        return dg.Output(stored.ref(), metadata={**model_metadata(stored), **extra})

    return _train
