"""The ``ensemble_config`` asset: weighted average, voting and stacking built, evaluated on the
held-out period, the best marked for use; saved to models/ensemble/."""

import dagster as dg
import pandas as pd

from blofin_assets.assets.markdown import md_table
from blofin_assets.ml.dataset import TargetSet, model_table
from blofin_assets.ml.ensemble.build import KEY, build_ensembles
from blofin_assets.ml.evaluation import Evaluation
from blofin_assets.ml.models import MODEL_NAMES
from blofin_assets.resources import ModelStoreResource


def _out_of_fold(validations: dict[str, Evaluation]) -> pd.DataFrame | None:
    """All members' out-of-fold outputs side by side, on the rows every member has."""
    frames = [v.oof for v in validations.values()]
    if any(frame is None for frame in frames):
        return None
    merged = frames[0]
    for frame in frames[1:]:
        merged = merged.merge(frame, on=KEY, how="inner")
    return merged


@dg.asset(
    group_name="ensemble",
    kinds={"scikitlearn", "json"},
    ins={
        "model_comparison": dg.AssetIn("model_comparison"),
        **{f"{name}_validation": dg.AssetIn(f"{name}_validation") for name in MODEL_NAMES},
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
    members = {name: store.load(name, versions[name]) for name in MODEL_NAMES}
    ensembles, record = build_ensembles(
        members, model_comparison, _out_of_fold(validations), model_table(features, targets), targets.horizon
    )
    chosen = ensembles[record["ensemble_type"]]
    if "stacking" in ensembles:
        # Saved whatever type wins, so a user can load the ensemble as stacking too.
        chosen.meta_learner_ = ensembles["stacking"].meta_learner_
    folder = store.root / "ensemble"
    path = chosen.save(folder, extra=record)
    config = chosen.read_config(folder)
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
