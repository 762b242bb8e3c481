"""The ``ensemble_config`` asset: weighted average, voting and stacking built, evaluated on the
held-out period, the best marked for use; saved to models/ensemble/."""

import dagster as dg
import pandas as pd

from blofin_assets.defs.config_bounds import CheckedConfig, check_run_config
from blofin_assets.defs.metadata import md_table
from blofin_assets.defs.resources import ModelStoreResource
from blofin_assets.ml.applicability import ApplicabilityGate
from blofin_assets.ml.dataset import TrainingTable
from blofin_assets.ml.ensemble.build import build_ensembles, chosen_ensemble, pooled_out_of_fold
from blofin_assets.ml.evaluation import Evaluation
from blofin_assets.ml.splits import TRAIN
from blofin_assets.storage.ensemble_store import EnsembleStore, config_name


class EnsembleConfig(CheckedConfig):
    bounds = {"applicability_neighbours": (1, 100), "applicability_quantile": (0.0, 1.0)}
    applicability_neighbours: int = 5
    """The applicability gate: a row's distance is its mean distance to this many nearest
    training rows (standardized features)."""
    applicability_quantile: float = 0.99
    """... and it is turned away above this quantile of the training rows' own distances."""


def ensemble_asset(model_names: tuple[str, ...], config_classes: dict[str, type[dg.Config]]) -> dg.AssetsDefinition:
    @dg.asset(
        name="ensemble_config",
        group_name="ensemble",
        kinds={"scikitlearn", "json"},
        ins={
            "model_comparison": dg.AssetIn("model_comparison"),
            **{f"{name}_validation": dg.AssetIn(f"{name}_validation") for name in model_names},
        },
        description="Weighted-average, voting and stacking ensembles, chosen on out-of-fold outputs and evaluated on the held-out period; promoted with its models once all passed validation.",
    )
    def ensemble_config(
        context: dg.AssetExecutionContext,
        config: EnsembleConfig,
        model_comparison: pd.DataFrame,
        training_table: TrainingTable,
        model_store: ModelStoreResource,
        **validations: Evaluation,
    ) -> dg.Output[dict]:
        check_run_config(context.run.run_config, config_classes)  # nothing promoted in a run bound to fail
        store = model_store.get()
        versions = model_comparison.set_index("model")["version"].to_dict()
        models = {name: store.load(name, versions[name]) for name in model_names}
        oof = pooled_out_of_fold([v.oof for v in validations.values()])
        table = training_table.frame
        ensembles, record, signals_oof = build_ensembles(models, oof, table, training_table.horizon)
        chosen = chosen_ensemble(ensembles, record)
        gate = ApplicabilityGate(k=config.applicability_neighbours, quantile=config.applicability_quantile)
        chosen.gate_ = gate.fit(table[table["split"] == TRAIN])
        saved = EnsembleStore(store)
        version = saved.save(chosen, record)
        # The one promotion step: these model versions and this ensemble serve from now on,
        # if every model passed validation and its leakage audit (else the run fails here and
        # the previous release keeps serving).
        saved.promote(version, {"run_id": context.run.run_id})
        saved_config = saved.read_config(version)
        evaluation = pd.DataFrame([{"signal": k, **v} for k, v in record["evaluation"].items()])
        context.log.info(f"ensemble: {record['ensemble_type']} chosen; weight rule: {record.get('weight_rule')}")
        # The saved config, and every signal's out-of-fold P(UP) on training rows: what the
        # backtest calibrates and chooses its threshold on.
        return dg.Output(
            {**saved_config, "out_of_fold_signals": signals_oof},
            metadata={
                "ensemble_type": saved_config["ensemble_type"],
                "path": dg.MetadataValue.path(str((saved.folder / config_name(version)).relative_to(saved.folder.parents[1]))),
                "weight_rule": record["weight_rule"],
                "chosen_by": record["chosen_by"],
                "out_of_fold_accuracy": dg.MetadataValue.json(record["out_of_fold_accuracy"]),
                **({"type_choice_pbo": record["type_choice_pbo"]["pbo"]} if record["type_choice_pbo"] else {}),
                "stacking": str(record["stacking"]),
                "held_out_accuracy": dg.MetadataValue.md(md_table(evaluation)),
                "beats_best_single_member": record["beats_best_single_member"],
                "ensemble_version": version,
                "promoted": dg.MetadataValue.json({m["name"]: m["version"] for m in saved_config["members"]}),
                "applicability_threshold": gate.threshold_,
                **{f"weight_{k}": float(v) for k, v in saved_config["weights"].items()},
            },
        )

    return ensemble_config
