"""The ensemble: one trading signal (UP/DOWN with a confidence) from the models' outputs.

See members.py for the common scale, predictor.py for the three ways of combining, stacking.py
for the meta-learner and build.py for how the ensemble_config asset builds and chooses.
Its files are storage.ensemble_store's.
"""

from blofin_assets.ml.ensemble.members import all_member_outputs, is_member, stacking_features
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
    "all_member_outputs",
    "evaluate_direction",
    "is_member",
    "skill_weights",
    "stacking_features",
]
