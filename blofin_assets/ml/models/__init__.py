"""The five model classes. Each follows scikit-learn's estimator API: hyperparameters in
``__init__``, ``fit(X, y)`` returns self, fitted state ends in an underscore, ``predict(X)``
returns an array. ``predict_outputs(X)`` gives the user-facing columns (direction and
confidence, risk, ...), vectorised over rows.
"""

# scikit-learn's OpenMP runtime must load before XGBoost's: the other way round, every
# HistGradientBoosting fit in the process runs about 7x slower (measured 1.1 s against 0.16 s
# for the same fit). Importing a submodule runs this file first, so this covers every path.
import sklearn.ensemble  # noqa: F401, I001  (before xgboost)

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
