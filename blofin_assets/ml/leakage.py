"""The leakage audit: figures that are too good to be true on market data.

Three findings fail a model's audit:
- direction accuracy on the held-out period above ``max_direction_accuracy`` (default 0.70):
  markets do not give that; the old pipeline's 1.000 came from labels that saw the future;
- held-out skill far above walk-forward skill: above the walk-forward mean by more than
  ``max_skill_gap`` and more than ``gap_sigmas`` fold standard deviations;
- the shuffled-target control out of its chance bounds: a model retrained on permuted training
  labels (the models with ``shuffled_control``: the direction model) must not call the
  held-out labels better or worse than chance agreement, beyond ``control_sigmas`` standard
  errors, else something besides the labels (features, split,
  scaling) carries the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from blofin_assets.ml.metrics import compare_classification
from blofin_assets.ml.reports import Audit, ShuffledControl, ValidationReport
from blofin_assets.ml.splits import TEST, TRAIN
from blofin_assets.ml.training import build_model

LOOK_AT = (
    "look for features that use candles after t, targets or scales fitted on test rows, "
    "and the purge gap between training and test rows"
)


@dataclass(frozen=True)
class AuditBounds:
    max_direction_accuracy: float = 0.70
    max_skill_gap: float = 0.15
    gap_sigmas: float = 3.0
    control_sigmas: float = 3.0


def shuffled_target_control(
    name: str, params: dict, table: pd.DataFrame, horizon: int, *, sigmas: float = 3.0, seed: int = 0
) -> ShuffledControl:
    """Retrain classifier ``name`` on permuted training labels and score the real test labels."""
    rng = np.random.default_rng(seed)
    model = build_model(name, params, horizon)
    target = model.target
    train = table[table["split"] == TRAIN].copy()
    test = table[table["split"] == TEST]
    # Permute within each symbol: keeps each symbol's class balance, destroys any X -> y link.
    train[target] = train.groupby("symbol")[target].transform(lambda s: rng.permutation(s.to_numpy()))
    model.fit(train, train[target].to_numpy())
    y = test[target].to_numpy()
    comparison = compare_classification(y, model.predict(test))
    accuracy, chance = comparison["model"]["accuracy"], comparison["baseline"]["accuracy"]
    # A blind predictor's accuracy is chance agreement give or take its noise: labels overlap
    # ``horizon`` rows, so n / horizon of them are effectively independent.
    margin = sigmas * float(np.sqrt(chance * (1.0 - chance) / max(1.0, len(y) / horizon)))
    return {
        "accuracy": accuracy,
        "chance": chance,
        "skill": comparison["skill"],
        "chance_low": chance - margin,
        "chance_high": chance + margin,
        "within": bool(chance - margin <= accuracy <= chance + margin),
        "n_test": int(len(y)),
    }


def audit(report: ValidationReport, bounds: AuditBounds = AuditBounds()) -> Audit:
    """Findings for one validation report (with walk_forward and, where run, the control)."""
    findings = []
    metric = report.get("direction_metric")
    direction_accuracy = report["pooled"]["model"][metric] if metric else None
    if direction_accuracy is not None and direction_accuracy > bounds.max_direction_accuracy:
        findings.append(
            f"held-out direction accuracy {direction_accuracy:.3f} is above {bounds.max_direction_accuracy:.2f}, "
            f"implausible on market data: {LOOK_AT}"
        )
    walk_forward = report.get("walk_forward")
    holdout_skill = report["pooled"]["skill"]
    gap = None
    if walk_forward and holdout_skill is not None and walk_forward["summary"]["skill"]["mean"] is not None:
        mean, std = walk_forward["summary"]["skill"]["mean"], walk_forward["summary"]["skill"]["std"]
        gap = holdout_skill - mean
        limit = max(bounds.max_skill_gap, bounds.gap_sigmas * std)
        if gap > limit:
            findings.append(
                f"held-out skill {holdout_skill:.3f} is far above walk-forward skill {mean:.3f} +- {std:.3f}: "
                f"the held-out period may leak or differ from the rest; {LOOK_AT}"
            )
    control = report.get("shuffled_control")
    if control and not control["within"]:
        findings.append(
            f"a model trained on shuffled labels scored {control['accuracy']:.3f} on the held-out "
            f"period, outside chance [{control['chance_low']:.3f}, {control['chance_high']:.3f}]: "
            f"something besides the labels carries the answer; {LOOK_AT}"
        )
    return {
        "passed": not findings,
        "findings": findings,
        "direction_accuracy": direction_accuracy,
        "holdout_skill": holdout_skill,
        "skill_gap": gap,
        "bounds": bounds.__dict__,
    }
