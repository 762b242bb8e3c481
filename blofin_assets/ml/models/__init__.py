"""The five model classes. Each follows scikit-learn's estimator API: hyperparameters in
``__init__``, ``fit(X, y)`` returns self, fitted state ends in an underscore, ``predict(X)``
returns an array. ``predict_outputs(X)`` gives the user-facing columns (direction and
confidence, risk, ...), vectorised over rows.
"""

from blofin_assets.ml.models.direction import DirectionPredictor
from blofin_assets.ml.models.momentum import MomentumClassifier
from blofin_assets.ml.models.price import PricePredictor
from blofin_assets.ml.models.risk import RiskScorer
from blofin_assets.ml.models.volatility import VolatilityRegressor

MODEL_CLASSES = {
    cls.name: cls
    for cls in (DirectionPredictor, RiskScorer, PricePredictor, MomentumClassifier, VolatilityRegressor)
}
MODEL_NAMES = tuple(MODEL_CLASSES)

__all__ = [
    "MODEL_CLASSES",
    "MODEL_NAMES",
    "DirectionPredictor",
    "RiskScorer",
    "PricePredictor",
    "MomentumClassifier",
    "VolatilityRegressor",
]
