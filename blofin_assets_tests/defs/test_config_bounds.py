"""Every setting is checked where it is declared: a nonsensical value fails with its name."""

import pytest

from blofin_assets.defs.assets.backtest import BacktestConfig
from blofin_assets.defs.assets.data import CandlesConfig
from blofin_assets.defs.assets.ensemble import EnsembleConfig
from blofin_assets.defs.assets.evaluation import ValidationConfig
from blofin_assets.defs.assets.features import TargetsConfig
from blofin_assets.defs.assets.live import OutcomesConfig, PredictionsConfig
from blofin_assets.defs.assets.monitoring import DriftConfig, PerformanceConfig
from blofin_assets.defs.assets.tuning import TuningConfig
from blofin_assets.defs.model_config import model_config_class
from blofin_assets.ml.models import model_class

CASES = [
    (BacktestConfig, "taker_fee", -0.0006, "must be >= 0"),
    (BacktestConfig, "min_edge", 0.7, "must be >= 0 and <= 0.5"),
    (BacktestConfig, "max_leverage", 0.0, "must be >= 0.01 and <= 20"),
    (ValidationConfig, "folds", -1, "must be >= 0"),
    (ValidationConfig, "mode", "rolling", "must be one of expanding, sliding"),
    (ValidationConfig, "embargo_fraction", 0.9, "<= 0.5"),
    (CandlesConfig, "gap_tolerance_bars", -2.0, "must be >= 1"),
    (CandlesConfig, "min_candles", -5, "must be >= 1"),
    (CandlesConfig, "calendar", "nyse", "must be one of auto, 24/7, weekdays"),
    (TargetsConfig, "horizon", 0, "must be >= 1"),
    (TargetsConfig, "test_fraction", 1.5, "<= 0.9"),
    (TuningConfig, "cv", "kfold", "must be one of walk_forward, cpcv"),
    (TuningConfig, "folds", 1, "must be >= 2"),
    (EnsembleConfig, "applicability_quantile", 2.0, "<= 1"),
    (PerformanceConfig, "max_drop", -0.1, ">= 0"),
    (DriftConfig, "recent_rows", 0, ">= 1"),
    (PredictionsConfig, "max_abstain_share", 1.5, "<= 1"),
    (OutcomesConfig, "max_ece", -1.0, ">= 0"),
]


@pytest.mark.parametrize("config, setting, value, rule", CASES, ids=[f"{c.__name__}.{s}" for c, s, _, _ in CASES])
def test_a_setting_outside_its_range_is_refused_by_name(config, setting, value, rule):
    with pytest.raises(ValueError) as err:
        config(**{setting: value})
    assert f"setting {setting} = {value!r}" in str(err.value) and rule in str(err.value)
    config()  # the defaults hold


MODEL_CASES = [
    ("price_predictor", "dropout", 1.5),
    ("price_predictor", "epochs", 0),
    ("price_predictor", "hidden_sizes", []),
    ("risk_scorer", "n_estimators", 0),
    ("volatility_regressor", "n_estimators", 0),
    ("direction_predictor", "subsample", 0.0),
    ("momentum_classifier", "C", -1.0),
]


@pytest.mark.parametrize("model, setting, value", MODEL_CASES)
def test_a_model_parameter_outside_its_bounds_is_refused_by_name(model, setting, value):
    config = model_config_class(model_class(model))
    with pytest.raises(ValueError) as err:
        config(**{setting: value})
    assert setting in str(err.value) and "sklearn" not in str(err.value)
    config()
