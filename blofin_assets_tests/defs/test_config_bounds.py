"""Every setting is checked where it is declared: a nonsensical value fails with its name."""

import dagster as dg
import pytest

from blofin_assets.defs.assets.backtest import BacktestConfig
from blofin_assets.defs.assets.data import CandlesConfig
from blofin_assets.defs.assets.ensemble import EnsembleConfig
from blofin_assets.defs.assets.evaluation import ValidationConfig
from blofin_assets.defs.assets.features import TargetsConfig
from blofin_assets.defs.assets.live import OutcomesConfig, PredictionsConfig
from blofin_assets.defs.assets.replay import ReplayConfig
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
    (ReplayConfig, "retrain_on", "weekly", "must be one of schedule, drift"),
    (ReplayConfig, "drift_check_days", 0.0, "must be >= 0.25 and <= 366"),
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


NAN, INF = float("nan"), float("inf")
# NaN passes every comparison (each is false) and inf is no setting's value: both refused.
NOT_FINITE = [
    (CandlesConfig, "gap_tolerance_bars", NAN),
    (ValidationConfig, "max_direction_accuracy", NAN),
    (BacktestConfig, "taker_fee", NAN),
    (BacktestConfig, "min_edge", NAN),
    (TargetsConfig, "train_days", INF),
    (OutcomesConfig, "max_drop", NAN),
    (DriftConfig, "psi_threshold", INF),
]


@pytest.mark.parametrize("config, setting, value", NOT_FINITE, ids=[f"{c.__name__}.{s}={v}" for c, s, v in NOT_FINITE])
def test_a_setting_that_is_not_a_finite_number_is_refused_by_name(config, setting, value):
    with pytest.raises(ValueError) as err:
        config(**{setting: value})
    assert f"setting {setting} = {value!r} must be a finite number" in str(err.value)


# Settings that scale work: each has a ceiling, so a typo fails at once, naming the setting,
# instead of growing to the kernel's out-of-memory kill or training forever.
ENDLESS = [
    (ValidationConfig, "folds", 10**9, "<= 20"),
    (TuningConfig, "folds", 10**9, "<= 20"),
    (TuningConfig, "n_trials", 10**9, "<= 1000"),
    (TargetsConfig, "horizon", 10**12, "<= 500"),
    (TargetsConfig, "purge", 10**9, "<= 10000"),
    (EnsembleConfig, "applicability_neighbours", 10**12, "<= 100"),
    (CandlesConfig, "min_candles", 10**12, "<= 1e+07"),
    (OutcomesConfig, "last_n", 10**12, "<= 1e+06"),
]


@pytest.mark.parametrize("config, setting, value, rule", ENDLESS, ids=[f"{c.__name__}.{s}" for c, s, _, _ in ENDLESS])
def test_a_setting_that_scales_work_has_a_ceiling(config, setting, value, rule):
    with pytest.raises(ValueError) as err:
        config(**{setting: value})
    assert f"setting {setting} = {value!r}" in str(err.value) and rule in str(err.value)


@pytest.mark.parametrize(
    "model, settings",
    [
        ("price_predictor", {"epochs": 10**9, "patience": 0}),
        ("price_predictor", {"learning_rate": INF}),
        ("direction_predictor", {"learning_rate": NAN}),
        ("risk_scorer", {"n_estimators": 10**9}),
        ("momentum_classifier", {"sgd_epochs": 10**9}),
    ],
    ids=["epochs", "mlp-lr-inf", "xgb-lr-nan", "trees", "sgd-epochs"],
)
def test_a_model_parameter_that_is_endless_or_not_finite_is_refused(model, settings):
    with pytest.raises(ValueError) as err:
        model_config_class(model_class(model))(**settings)
    assert any(name in str(err.value) for name in settings)


@pytest.mark.parametrize(
    "op, settings, named",
    [
        ("signal_backtest", {"signal": "bogus_model"}, "signal"),
        ("ensemble_config", {"applicability_neighbours": 10**12}, "applicability_neighbours"),
        ("targets", {"horizon": 10**12}, "horizon"),
        ("direction_predictor", {"learning_rate": INF}, "learning_rate"),
        ("candles", {"gap_tolerance_bars": NAN}, "gap_tolerance_bars"),
    ],
)
def test_the_steps_that_train_refuse_the_whole_run_config_first(op, settings, named):
    """What used to fail only after a release was promoted (signal: bogus_model) or after
    training is refused by the check every training step makes before it trains."""
    from blofin_assets.defs.assets import run_config_classes
    from blofin_assets.defs.config_bounds import check_run_config
    from blofin_assets.ml.models import model_names

    classes = run_config_classes([model_class(n) for n in model_names()])
    with pytest.raises(dg.Failure) as err:
        check_run_config({"ops": {op: {"config": settings}}}, classes)
    assert f"{op}: " in err.value.description and named in err.value.description
    check_run_config({"ops": {"signal_backtest": {"config": {"signal": "direction_predictor"}}}}, classes)  # a real one


@pytest.mark.parametrize("setting, value", [("candles_per_symbol", 10**9), ("history_days", NAN), ("shift_volatility", INF)])
def test_the_candle_source_refuses_endless_or_not_finite_settings(setting, value):
    from blofin_assets.defs.resources import CandleSourceResource

    with pytest.raises(Exception) as err:
        CandleSourceResource(**{setting: value})
    assert f"setting {setting} = {value!r}" in str(err.value)
    CandleSourceResource()
