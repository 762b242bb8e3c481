"""The model classes and their registry. Each follows scikit-learn's estimator API:
hyperparameters in ``__init__``, ``fit(X, y)`` returns self, fitted state ends in an underscore,
``predict(X)`` returns an array; ``predict_outputs(X)`` gives the user-facing columns.

A new model is one module with a subclass of ``CandleClassifier`` or ``CandleRegressor`` (see
base.py for the class attributes it sets) plus its ``register_model`` line below.
"""

# scikit-learn's OpenMP runtime must load before XGBoost's: the other way round, every
# HistGradientBoosting fit in the process runs about 7x slower (measured 1.1 s against 0.16 s
# for the same fit). Importing a submodule runs this file first, so this covers every path.
import sklearn.ensemble  # noqa: F401, I001  (before xgboost)

from blofin_assets.ml.models.base import CandleModel
from blofin_assets.ml.models.direction import DirectionPredictor
from blofin_assets.ml.models.meta import MetaLabeler
from blofin_assets.ml.models.momentum import MomentumClassifier
from blofin_assets.ml.models.price import PricePredictor
from blofin_assets.ml.models.registry import MODEL_CLASSES, model_class, model_names, register_model, unregister_model
from blofin_assets.ml.models.risk import RiskScorer
from blofin_assets.ml.models.tasks import CandleClassifier, CandleRegressor
from blofin_assets.ml.models.volatility import VolatilityRegressor

register_model(DirectionPredictor)
register_model(RiskScorer)
register_model(PricePredictor)
register_model(MomentumClassifier)
register_model(VolatilityRegressor)
register_model(MetaLabeler)

__all__ = [
    "MODEL_CLASSES",
    "CandleClassifier",
    "CandleModel",
    "CandleRegressor",
    "DirectionPredictor",
    "MetaLabeler",
    "MomentumClassifier",
    "PricePredictor",
    "RiskScorer",
    "VolatilityRegressor",
    "model_class",
    "model_names",
    "register_model",
    "unregister_model",
]
