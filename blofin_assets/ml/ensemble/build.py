"""Build the three ensembles from validated models, choose one on out-of-fold outputs of the
training rows, and evaluate all of them on the held-out period beside each directional member.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blofin_assets.ml.cpcv import combinatorial_purged_splits
from blofin_assets.ml.dataset import KEY
from blofin_assets.ml.ensemble.members import all_member_outputs, is_member
from blofin_assets.ml.ensemble.predictor import ENSEMBLE_TYPES, EnsemblePredictor, evaluate_direction, skill_weights
from blofin_assets.ml.ensemble.stacking import fit_meta_learner, meta_p_up
from blofin_assets.ml.overfitting import probability_of_backtest_overfitting
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


def direction_skill(p_up: np.ndarray, y: np.ndarray) -> float | None:
    """Skill of calling UP when P(UP) > 0.5, over the majority class of the same rows."""
    accuracy = float(np.mean((p_up > 0.5) == y))
    baseline = float(max(y.mean(), 1 - y.mean()))
    return None if baseline >= 1 else (accuracy - baseline) / (1 - baseline)


def cross_validated_stacking(stack_rows: pd.DataFrame, columns: list[str], horizon: int, groups: int = 5) -> np.ndarray:
    """P(UP) of a meta-learner for every out-of-fold row, each from a meta-learner that did not
    train on it (purged K-fold over time per symbol: combinatorial purged CV testing one group)."""
    p_up = np.full(len(stack_rows), np.nan)
    for split in combinatorial_purged_splits(stack_rows, horizon=horizon, n_groups=groups, k_test=1):
        train = stack_rows.iloc[split.train]
        learner = fit_meta_learner(train, train["target_direction"].to_numpy(), columns)
        p_up[split.test] = meta_p_up(learner, stack_rows.iloc[split.test], columns)
    return p_up


def build_ensembles(
    models: dict[str, ModelVersion], oof: pd.DataFrame | None, table: pd.DataFrame, horizon: int
) -> tuple[dict[str, EnsemblePredictor], dict]:
    """(ensembles by type, the config record) over the models that are ensemble members.
    ``oof``: out-of-fold ensemble outputs of every member (symbol, timestamp and each model's
    ensemble columns), or None when there are none (no walk-forward folds).

    Every choice is made on the out-of-fold outputs of training rows: the members' weights
    (their out-of-fold directional skill) and the ensemble type (the most accurate out of fold;
    stacking's accuracy there from meta-learners that did not see the row). The held-out period
    is only evaluated, for each type and member, so its figures stay untouched by the choice."""
    members = {name: stored for name, stored in models.items() if is_member(stored.model)}
    signals = {name: m.model.signal_column for name, m in members.items() if m.model.signal_column is not None}
    stack_rows = out_of_fold_training_rows(oof, table).reset_index(drop=True)
    usable = len(stack_rows) > 0 and stack_rows["target_direction"].nunique() == 2
    y_oof = stack_rows["target_direction"].to_numpy() if usable else None
    skills = {name: direction_skill(stack_rows[column].to_numpy(), y_oof) for name, column in signals.items()} if usable else {}
    weights, weight_rule = skill_weights({name: skills.get(name) for name in signals})
    ensembles: dict[str, EnsemblePredictor] = {}
    for ensemble_type in ENSEMBLE_TYPES:
        ensemble = EnsemblePredictor(ensemble_type)
        for name, stored in members.items():
            ensemble.add_model(stored.model, weights.get(name, 0.0), stored.version)
        ensembles[ensemble_type] = ensemble

    selection: dict = {}
    if usable:
        ensembles["stacking"].fit_meta(stack_rows, y_oof)
        stacking = {"trained_on_rows": int(len(stack_rows)), "source": "out-of-fold walk-forward outputs, training rows only"}
        correct = {t: ensembles[t].combine(stack_rows)["direction"].eq("UP").to_numpy() == y_oof for t in ("weighted_avg", "voting")}
        stacked = cross_validated_stacking(stack_rows, ensembles["stacking"].stacking_features_, horizon)
        correct["stacking"] = (stacked > 0.5) == y_oof
        selection = {t: float(c.mean()) for t, c in correct.items()}
        best_type = max(ENSEMBLE_TYPES, key=lambda t: (selection[t], -ENSEMBLE_TYPES.index(t)))
        chosen_by = "out-of-fold direction accuracy on training rows (ties: weighted_avg, then voting, then stacking)"
        matrix = np.column_stack([correct[t].astype(np.float64) for t in ENSEMBLE_TYPES])
        type_pbo = probability_of_backtest_overfitting(matrix, n_blocks=min(10, len(matrix) // 2 * 2))
    else:
        del ensembles["stacking"]
        stacking = {"unavailable": "no out-of-fold outputs on training rows (walk-forward folds: 0?)"}
        best_type, chosen_by, type_pbo = "weighted_avg", "no out-of-fold outputs to choose on: weighted average", None

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

    best_single = max(signals, key=lambda n: evaluation[n]["accuracy"])
    record = {
        "ensemble_type": best_type,
        "chosen_by": chosen_by,
        "out_of_fold_accuracy": selection,
        "type_choice_pbo": type_pbo,
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
