"""Build the three ensembles from validated models, evaluate them on the held-out period beside
each directional member, and mark the most accurate one for use.

The choice is made on the held-out period, so the winner's held-out figure is slightly
optimistic (best of three); each type's own figure is reported beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blofin_assets.ml.dataset import KEY
from blofin_assets.ml.ensemble.members import all_member_outputs, is_member
from blofin_assets.ml.ensemble.predictor import ENSEMBLE_TYPES, EnsemblePredictor, evaluate_direction, skill_weights
from blofin_assets.ml.splits import TEST, TRAIN
from blofin_assets.ml.training import ModelVersion


def pooled_out_of_fold(frames: list[pd.DataFrame | None]) -> pd.DataFrame | None:
    """Every model's out-of-fold outputs side by side, on the rows all of them have (None when
    a model has none: no walk-forward folds)."""
    if not frames or any(frame is None for frame in frames):
        return None
    merged = frames[0]
    for frame in frames[1:]:
        merged = merged.merge(frame, on=KEY, how="inner")
    return merged


def out_of_fold_training_rows(oof: pd.DataFrame | None, table: pd.DataFrame) -> pd.DataFrame:
    """Out-of-fold member outputs on rows of the TRAINING split only (the held-out period is
    for evaluation), with their target_direction."""
    if oof is None or oof.empty:
        return pd.DataFrame()
    labelled = table.loc[table["split"] == TRAIN, KEY + ["target_direction"]]
    return oof.merge(labelled, on=KEY, how="inner")


def build_ensembles(
    models: dict[str, ModelVersion], comparison: pd.DataFrame, oof: pd.DataFrame | None, table: pd.DataFrame, horizon: int
) -> tuple[dict[str, EnsemblePredictor], dict]:
    """(ensembles by type, the config record) over the models that are ensemble members.
    ``oof``: out-of-fold ensemble outputs of every member (symbol, timestamp and each model's
    ensemble columns), or None to skip stacking."""
    members = {name: stored for name, stored in models.items() if is_member(stored.model)}
    signals = {name: m.model.signal_column for name, m in members.items() if m.model.signal_column is not None}
    skills = comparison.set_index("model")["direction_skill"].to_dict()
    weights, weight_rule = skill_weights({name: skills.get(name) for name in signals})
    ensembles: dict[str, EnsemblePredictor] = {}
    for ensemble_type in ENSEMBLE_TYPES:
        ensemble = EnsemblePredictor(ensemble_type)
        for name, stored in members.items():
            ensemble.add_model(stored.model, weights.get(name, 0.0), stored.version)
        ensembles[ensemble_type] = ensemble

    stack_rows = out_of_fold_training_rows(oof, table)
    if len(stack_rows) and stack_rows["target_direction"].nunique() == 2:
        ensembles["stacking"].fit_meta(stack_rows, stack_rows["target_direction"].to_numpy())
        stacking = {"trained_on_rows": int(len(stack_rows)), "source": "out-of-fold walk-forward outputs, training rows only"}
    else:
        del ensembles["stacking"]
        stacking = {"unavailable": "no out-of-fold outputs on training rows (walk-forward folds: 0?)"}

    test = table[table["split"] == TEST]
    y = test["target_direction"].to_numpy()
    majority = int(table.loc[table["split"] == TRAIN, "target_direction"].mode().iloc[0])
    outputs = all_member_outputs([m.model for m in members.values()], test)
    evaluation = {}
    for name, column in signals.items():
        single = pd.DataFrame({"direction": np.where(outputs[column] > 0.5, "UP", "DOWN")})
        evaluation[name] = evaluate_direction(single, y, majority)
    for ensemble_type, ensemble in ensembles.items():
        evaluation[ensemble_type] = evaluate_direction(ensemble.combine(outputs), y, majority)

    best_type = max(ensembles, key=lambda t: (evaluation[t]["accuracy"], -ENSEMBLE_TYPES.index(t)))
    best_single = max(signals, key=lambda n: evaluation[n]["accuracy"])
    record = {
        "ensemble_type": best_type,
        "chosen_by": "held-out direction accuracy (ties: weighted_avg, then voting, then stacking)",
        "output": "direction UP/DOWN with confidence, horizon candles ahead",
        "horizon": horizon,
        "weight_rule": weight_rule,
        "stacking": stacking,
        "evaluation": evaluation,
        "best_single_member": best_single,
        "beats_best_single_member": evaluation[best_type]["accuracy"] > evaluation[best_single]["accuracy"],
    }
    return ensembles, record


def chosen_ensemble(ensembles: dict[str, EnsemblePredictor], record: dict) -> EnsemblePredictor:
    """The ensemble marked for use, carrying the stacking meta-learner whatever type won, so
    the saved ensemble can be loaded as stacking too."""
    chosen = ensembles[record["ensemble_type"]]
    if "stacking" in ensembles:
        chosen.meta_learner_ = ensembles["stacking"].meta_learner_
        chosen.stacking_features_ = ensembles["stacking"].stacking_features_
    return chosen
