"""Build, evaluate and choose the ensemble from validated models."""

from __future__ import annotations

import pandas as pd

from blofin_assets.ml.ensemble import (
    CONTEXT_MEMBERS,
    ENSEMBLE_TYPES,
    SIGNAL_MEMBERS,
    EnsemblePredictor,
    evaluate_direction,
    skill_weights,
)
from blofin_assets.ml.splits import TEST, TRAIN
from blofin_assets.ml.store import StoredModel, utc_now


def build_ensemble_config(
    members: dict[str, StoredModel], comparison: pd.DataFrame, table: pd.DataFrame, horizon: int
) -> dict:
    """Weights from held-out directional skill; both ensemble types evaluated on the held-out
    rows beside each single signal member; the most accurate type is marked for use.

    ``members`` holds the loaded signal members; ``comparison`` (see ml.reporting) gives every
    model's skill and validated version."""
    skills = comparison.set_index("model")["direction_skill"].to_dict()
    versions = comparison.set_index("model")["version"].to_dict()
    weights, weight_rule = skill_weights({name: skills.get(name) for name in SIGNAL_MEMBERS})
    test = table[table["split"] == TEST]
    y = test["target_direction"].to_numpy()
    majority = int(table.loc[table["split"] == TRAIN, "target_direction"].mode().iloc[0])

    evaluation = {}
    for name in SIGNAL_MEMBERS:
        single = EnsemblePredictor("weighted_avg").add_model(members[name].model, 1.0)
        evaluation[name] = evaluate_direction(single.predict(test), y, majority)
    for ensemble_type in ENSEMBLE_TYPES:
        ensemble = EnsemblePredictor(ensemble_type)
        for name in SIGNAL_MEMBERS:
            ensemble.add_model(members[name].model, weights[name])
        evaluation[ensemble_type] = evaluate_direction(ensemble.predict(test), y, majority)

    best_type = max(ENSEMBLE_TYPES, key=lambda t: (evaluation[t]["accuracy"], t == "weighted_avg"))
    best_single = max(SIGNAL_MEMBERS, key=lambda n: evaluation[n]["accuracy"])
    return {
        "ensemble_type": best_type,
        "output": "direction UP/DOWN with confidence, horizon candles ahead",
        "horizon": horizon,
        "weights": weights,
        "weight_rule": weight_rule,
        "members": [
            {"name": n, "role": "signal", "weight": weights[n], "version": members[n].version}
            for n in SIGNAL_MEMBERS
        ],
        "context": [
            {"name": n, "role": "context", "version": versions[n]}
            for n in CONTEXT_MEMBERS
            if n in versions
        ],
        "evaluation": evaluation,
        "best_single_member": best_single,
        "beats_best_single_member": evaluation[best_type]["accuracy"] > evaluation[best_single]["accuracy"],
        "created_at": utc_now(),
    }
