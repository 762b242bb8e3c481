"""The validation report's shape: what a ``<model>_validation`` asset computes, stores in the
model's metadata.json and in ``ml_model_results.metrics_json``, and what the tables read.

The report stays plain JSON (it is stored as such); these types say which keys it has.
"""

from __future__ import annotations

from typing import TypedDict

from typing_extensions import NotRequired


class Figures(TypedDict, total=False):
    """Metrics of one predictor: accuracy, precision, recall, f1 (classifiers) or mae, rmse,
    mape, r2 (regressors), plus model-specific ones (return_r2, directional_accuracy)."""

    name: str  # the baseline's name
    accuracy: float  # a classifier's baseline: chance agreement (ml/metrics.py)
    precision: float
    recall: float
    f1: float
    mae: float
    rmse: float
    mape: float | None
    r2: float | None
    return_r2: float
    directional_accuracy: float


class Comparison(TypedDict):
    """A model beside its naive baseline on the same rows."""

    model: Figures
    baseline: Figures
    skill: float | None  # 1 - error(model) / error(baseline): Cohen's kappa for classifiers
    n: int
    ic: NotRequired[float | None]  # information coefficient, for models with a direction score
    direction_skill: NotRequired[float | None]  # skill over chance of a regressor's implied direction


class Spread(TypedDict):
    mean: float | None
    std: float | None


class WalkForwardFold(TypedDict):
    fold: int
    n_train: int
    n_test: int
    test_start: str
    test_end: str
    pooled: Comparison
    per_symbol: dict[str, Comparison]
    ic: NotRequired[float | None]


class WalkForwardSummary(TypedDict, total=False):
    metric: str
    skill: Spread
    per_symbol_skill: dict[str, Spread]
    ic: Spread
    # also "<metric>" and "baseline_<metric>": Spread


class WalkForwardReport(TypedDict):
    n_folds: int
    mode: str
    embargo_fraction: float
    summary: WalkForwardSummary
    folds: list[WalkForwardFold]


class ShuffledControl(TypedDict):
    accuracy: float
    chance: float  # chance agreement given the labels' and the predictions' class shares
    skill: float | None
    chance_low: float
    chance_high: float
    within: bool
    n_test: int


class Audit(TypedDict):
    passed: bool
    findings: list[str]
    direction_accuracy: float | None
    holdout_skill: float | None
    skill_gap: float | None
    bounds: dict[str, float]


class Window(TypedDict):
    start: str
    end: str
    rows: int
    symbols: dict[str, dict]


class ValidationReport(TypedDict):
    model_name: str
    task: str  # classification or regression
    metric: str  # the main metric: accuracy or mae
    direction_metric: str | None  # the key of a direction accuracy in the figures, if any
    target: str
    n_train: int
    n_effective_train: NotRequired[float | None]  # the training labels' summed uniqueness
    n_test: int
    test_window: Window
    pooled: Comparison
    per_symbol: dict[str, Comparison]
    feature_importance: dict[str, float]
    walk_forward: NotRequired[WalkForwardReport]
    shuffled_control: NotRequired[ShuffledControl]
    audit: NotRequired[Audit]
    model_version: NotRequired[str]
