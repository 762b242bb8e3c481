"""The ensemble: one trading signal (UP/DOWN with a confidence) from the five models' outputs.

See members.py for the common scale, predictor.py for the three ways of combining, stacking.py
for the meta-learner and build.py for how the ensemble_config asset builds and chooses.
"""

from blofin_assets.ml.ensemble.members import MEMBER_COLUMNS, SIGNAL_COLUMNS, member_outputs
from blofin_assets.ml.ensemble.predictor import (
    ENSEMBLE_TYPES,
    EnsemblePredictor,
    EnsembleVersionError,
    evaluate_direction,
    skill_weights,
)

__all__ = [
    "ENSEMBLE_TYPES",
    "EnsemblePredictor",
    "EnsembleVersionError",
    "MEMBER_COLUMNS",
    "SIGNAL_COLUMNS",
    "evaluate_direction",
    "member_outputs",
    "skill_weights",
]
