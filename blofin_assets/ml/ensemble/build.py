"""Build the ensembles from validated models, choose one on out-of-fold outputs of the training
rows, and evaluate all of them on the held-out period beside each directional member.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blofin_assets.ml.cpcv import combinatorial_purged_splits
from blofin_assets.ml.dataset import KEY
from blofin_assets.ml.ensemble.members import all_member_outputs, is_member
from blofin_assets.ml.ensemble.predictor import ENSEMBLE_TYPES, EnsemblePredictor, evaluate_direction, skill_weights
from blofin_assets.ml.ensemble.stacking import fit_meta_learner, meta_p_up
from blofin_assets.ml.metrics import compare_classification, skill_standard_error
from blofin_assets.ml.models import CandleModel
from blofin_assets.ml.overfitting import probability_of_backtest_overfitting
from blofin_assets.ml.splits import TEST, TRAIN
from blofin_assets.ml.training import ModelVersion

DEFAULT_TYPE = "weighted_avg"
# Voting means something with three voters or more: with two, every disagreement is a tie
# that the heavier member breaks, so it is that member's call.
MIN_VOTERS = 3


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


def direction_skill(p_up: np.ndarray, y: np.ndarray, horizon: int) -> tuple[float | None, float]:
    """(skill over chance, its standard error) of calling UP when P(UP) > 0.5."""
    comparison = compare_classification(np.asarray(y), (np.asarray(p_up) > 0.5).astype(int))
    accuracy, chance = comparison["model"]["accuracy"], comparison["baseline"]["accuracy"]
    return comparison["skill"], skill_standard_error(accuracy, chance, comparison["n"], horizon)


def cross_validated_stacking(stack_rows: pd.DataFrame, columns: list[str], horizon: int, groups: int = 5) -> np.ndarray:
    """P(UP) of a meta-learner for every out-of-fold row, each from a meta-learner that did not
    train on it (purged K-fold over time per symbol: combinatorial purged CV testing one group)."""
    p_up = np.full(len(stack_rows), np.nan)
    for split in combinatorial_purged_splits(stack_rows, horizon=horizon, n_groups=groups, k_test=1):
        train = stack_rows.iloc[split.train]
        learner = fit_meta_learner(train, train["target_direction"].to_numpy(), columns)
        p_up[split.test] = meta_p_up(learner, stack_rows.iloc[split.test], columns)
    return p_up


def choose_type(correct: dict[str, np.ndarray], horizon: int) -> tuple[str, dict[str, float]]:
    """(chosen type, standard error of each candidate's lead): weighted_avg unless another
    candidate's out-of-fold accuracy is above it by more than the standard error of that paired
    difference on the same rows (labels overlapping ``horizon`` rows count once); of several
    such, the one furthest ahead. Accuracies within their noise of each other never decide."""
    base = correct[DEFAULT_TYPE].astype(np.float64)
    effective = max(1.0, len(base) / horizon)
    leads, errors = {}, {}
    for name, hits in correct.items():
        if name == DEFAULT_TYPE:
            continue
        difference = hits.astype(np.float64) - base
        leads[name] = float(difference.mean())
        errors[name] = float(difference.std(ddof=1) / np.sqrt(effective)) if len(difference) > 1 else float("inf")
    ahead = {name: lead for name, lead in leads.items() if lead > errors[name]}
    return (max(ahead, key=ahead.get) if ahead else DEFAULT_TYPE), errors


def choose_on_out_of_fold(
    members: dict[str, CandleModel], stack_rows: pd.DataFrame, horizon: int, versions: dict[str, str] | None = None
) -> tuple[dict[str, EnsemblePredictor], dict, pd.DataFrame]:
    """(ensembles by type, the choice's record, every signal's out-of-fold P(UP)) from
    out-of-fold member outputs on training rows (``stack_rows``: the members' ensemble columns
    and target_direction). The signals frame has symbol, timestamp, one column per type (the
    chosen one also as ``ensemble``) and one per directional member, named by it.

    The directional members' weights come from their out-of-fold skill over chance and its
    standard error (skill_weights); the type is weighted_avg unless another candidate is more
    accurate out of fold beyond noise (choose_type; stacking's accuracy there from
    meta-learners that did not see the row; voting a candidate with three voters or more)."""
    versions = versions or {}
    signals = {name: m.signal_column for name, m in members.items() if m.signal_column is not None}
    usable = len(stack_rows) > 0 and stack_rows["target_direction"].nunique() == 2
    y = stack_rows["target_direction"].to_numpy() if usable else None
    skills = {name: direction_skill(stack_rows[column].to_numpy(), y, horizon) for name, column in signals.items()} if usable else {}
    weights, weight_rule = skill_weights({name: skills.get(name, (None, float("inf"))) for name in signals})
    ensembles: dict[str, EnsemblePredictor] = {}
    for ensemble_type in ENSEMBLE_TYPES:
        ensemble = EnsemblePredictor(ensemble_type)
        for name, model in members.items():
            ensemble.add_model(model, weights.get(name, 0.0), versions.get(name))
        ensembles[ensemble_type] = ensemble
    voting = "a candidate" if len(signals) >= MIN_VOTERS else (
        f"not a candidate: with {len(signals)} directional member(s) it is the heavier member's call"
    )
    record = {
        "weight_rule": weight_rule,
        "out_of_fold_skill": {name: {"skill": s, "standard_error": se} for name, (s, se) in skills.items()},
        "voting": voting,
    }
    if not usable:
        del ensembles["stacking"]
        return ensembles, {
            **record,
            "ensemble_type": DEFAULT_TYPE,
            "chosen_by": "no out-of-fold outputs to choose on: weighted average",
            "out_of_fold_accuracy": {},
            "type_choice_pbo": None,
            "stacking": {"unavailable": "no out-of-fold outputs on training rows (walk-forward folds: 0?)"},
        }, pd.DataFrame(columns=KEY)
    ensembles["stacking"].fit_meta(stack_rows, y)
    combined = {t: ensembles[t].combine(stack_rows) for t in ("weighted_avg", "voting")}
    p_up = {t: c["p_up"].to_numpy() for t, c in combined.items()}
    p_up["stacking"] = cross_validated_stacking(stack_rows, ensembles["stacking"].stacking_features_, horizon)
    correct = {t: c["direction"].eq("UP").to_numpy() == y for t, c in combined.items()}
    correct["stacking"] = (p_up["stacking"] > 0.5) == y
    candidates = {t: c for t, c in correct.items() if t != "voting" or len(signals) >= MIN_VOTERS}
    best_type, errors = choose_type(candidates, horizon)
    matrix = np.column_stack([correct[t].astype(np.float64) for t in ENSEMBLE_TYPES])
    signals_oof = stack_rows[KEY].assign(
        **p_up, ensemble=p_up[best_type], **{name: stack_rows[column].to_numpy() for name, column in signals.items()}
    )
    return ensembles, {
        **record,
        "ensemble_type": best_type,
        "chosen_by": (
            f"out-of-fold direction accuracy on training rows: {DEFAULT_TYPE} unless a candidate leads it by more "
            "than the standard error of the paired difference"
        ),
        "out_of_fold_accuracy": {t: float(c.mean()) for t, c in correct.items()},
        "lead_standard_error": errors,
        "type_choice_pbo": probability_of_backtest_overfitting(matrix, n_blocks=min(10, len(matrix) // 2 * 2)),
        "stacking": {"trained_on_rows": int(len(stack_rows)), "source": "out-of-fold walk-forward outputs, training rows only"},
    }, signals_oof


def build_ensembles(
    models: dict[str, ModelVersion], oof: pd.DataFrame | None, table: pd.DataFrame, horizon: int
) -> tuple[dict[str, EnsemblePredictor], dict, pd.DataFrame]:
    """(ensembles by type, the config record, the signals' out-of-fold P(UP) on training rows:
    choose_on_out_of_fold's) over the models that are ensemble members.
    ``oof``: out-of-fold ensemble outputs of every member (symbol, timestamp and each model's
    ensemble columns), or None when there are none (no walk-forward folds).

    Every choice is made on the out-of-fold outputs of training rows (choose_on_out_of_fold).
    The held-out period is only evaluated, for each type and member, so its figures stay
    untouched by the choice."""
    members = {name: stored for name, stored in models.items() if is_member(stored.model)}
    stack_rows = out_of_fold_training_rows(oof, table).reset_index(drop=True)
    ensembles, choice, signals_oof = choose_on_out_of_fold(
        {name: m.model for name, m in members.items()}, stack_rows, horizon, {name: m.version for name, m in members.items()}
    )
    signals = {name: m.model.signal_column for name, m in members.items() if m.model.signal_column is not None}
    test = table[table["split"] == TEST]
    y = test["target_direction"].to_numpy()
    outputs = all_member_outputs([m.model for m in members.values()], test)
    evaluation = {}
    for name, column in signals.items():
        single = pd.DataFrame({"direction": np.where(outputs[column] > 0.5, "UP", "DOWN")})
        evaluation[name] = evaluate_direction(single, y)
    for ensemble_type, ensemble in ensembles.items():
        evaluation[ensemble_type] = evaluate_direction(ensemble.combine(outputs), y)

    best_type = choice["ensemble_type"]
    # By skill over chance: of two members on the same rows, the one calling the period's more
    # frequent direction more often has the higher accuracy without knowing more.
    best_single = max(signals, key=lambda n: _or_floor(evaluation[n]["skill"]))
    record = {
        **choice,
        "output": "direction UP/DOWN with confidence, horizon candles ahead",
        "horizon": horizon,
        "evaluation": evaluation,
        "best_single_member": best_single,
        "beats_best_single_member": _or_floor(evaluation[best_type]["skill"]) > _or_floor(evaluation[best_single]["skill"]),
    }
    return ensembles, record, signals_oof


def _or_floor(skill: float | None) -> float:
    return -np.inf if skill is None else skill


def chosen_ensemble(ensembles: dict[str, EnsemblePredictor], record: dict) -> EnsemblePredictor:
    """The ensemble marked for use, carrying the stacking meta-learner whatever type won, so
    the saved ensemble can be loaded as stacking too."""
    chosen = ensembles[record["ensemble_type"]]
    if "stacking" in ensembles:
        chosen.meta_learner_ = ensembles["stacking"].meta_learner_
        chosen.stacking_features_ = ensembles["stacking"].stacking_features_
    return chosen
