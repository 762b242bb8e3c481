"""The ``ensemble_config`` asset: how the models combine, saved to models/ensemble/config.json."""

import dagster as dg
import pandas as pd

from blofin_assets.assets.markdown import md_table
from blofin_assets.ml.dataset import TargetSet, model_table
from blofin_assets.ml.ensemble_build import build_ensemble_config
from blofin_assets.ml.store import ModelRef, write_json
from blofin_assets.resources import ModelStoreResource


@dg.asset(
    group_name="ensemble",
    kinds={"json"},
    description="Weighted-average and voting ensembles of the direction signals, weights from validation skill; the better one is marked for use.",
)
def ensemble_config(
    context: dg.AssetExecutionContext,
    model_comparison: pd.DataFrame,
    direction_predictor: ModelRef,
    price_predictor: ModelRef,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
) -> dg.Output[dict]:
    store = model_store.get()
    members = {ref.name: store.load(ref.name, ref.version) for ref in (direction_predictor, price_predictor)}
    config = build_ensemble_config(members, model_comparison, model_table(features, targets), targets.horizon)
    path = store.root / "ensemble" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, config)
    evaluation = pd.DataFrame(
        [{"signal": k, **v} for k, v in config["evaluation"].items()],
    )
    context.log.info(f"ensemble: {config['ensemble_type']} with weights {config['weights']}")
    return dg.Output(
        config,
        metadata={
            "ensemble_type": config["ensemble_type"],
            "path": dg.MetadataValue.path(str(path)),
            "weight_rule": config["weight_rule"],
            "held_out_accuracy": md_table(evaluation),
            **{f"weight_{k}": float(v) for k, v in config["weights"].items()},
        },
    )
