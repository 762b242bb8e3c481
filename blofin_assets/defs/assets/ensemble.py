"""The ``ensemble_config`` asset: weighted average, voting and stacking built, evaluated on the
held-out period, the best marked for use; saved to models/ensemble/."""

import dagster as dg
import pandas as pd

from blofin_assets.defs.metadata import md_table
from blofin_assets.defs.resources import ModelStoreResource
from blofin_assets.ml.dataset import TargetSet, model_table
from blofin_assets.ml.ensemble.build import build_ensembles, chosen_ensemble, pooled_out_of_fold
from blofin_assets.ml.evaluation import Evaluation
from blofin_assets.storage.ensemble_store import EnsembleStore


def ensemble_asset(model_names: tuple[str, ...]) -> dg.AssetsDefinition:
    @dg.asset(
        name="ensemble_config",
        group_name="ensemble",
        kinds={"scikitlearn", "json"},
        ins={
            "model_comparison": dg.AssetIn("model_comparison"),
            **{f"{name}_validation": dg.AssetIn(f"{name}_validation") for name in model_names},
        },
        description="Weighted-average, voting and stacking ensembles, evaluated on the held-out period; the most accurate is marked for use.",
    )
    def ensemble_config(
        context: dg.AssetExecutionContext,
        model_comparison: pd.DataFrame,
        features: pd.DataFrame,
        targets: TargetSet,
        model_store: ModelStoreResource,
        **validations: Evaluation,
    ) -> dg.Output[dict]:
        store = model_store.get()
        versions = model_comparison.set_index("model")["version"].to_dict()
        models = {name: store.load(name, versions[name]) for name in model_names}
        oof = pooled_out_of_fold([v.oof for v in validations.values()])
        ensembles, record = build_ensembles(models, model_comparison, oof, model_table(features, targets), targets.horizon)
        saved = EnsembleStore(store)
        path = saved.save(chosen_ensemble(ensembles, record), record)
        config = saved.read_config()
        evaluation = pd.DataFrame([{"signal": k, **v} for k, v in record["evaluation"].items()])
        context.log.info(f"ensemble: {record['ensemble_type']} chosen; weights {record.get('weight_rule')}")
        return dg.Output(
            config,
            metadata={
                "ensemble_type": config["ensemble_type"],
                "path": dg.MetadataValue.path(str(path)),
                "weight_rule": record["weight_rule"],
                "stacking": str(record["stacking"]),
                "held_out_accuracy": dg.MetadataValue.md(md_table(evaluation)),
                "beats_best_single_member": record["beats_best_single_member"],
                **{f"weight_{k}": float(v) for k, v in config["weights"].items()},
            },
        )

    return ensemble_config
