"""The two kinds of model: classifiers and regressors. What differs between them (metrics,
baselines, losses, how monitoring and retraining judge them) lives here, once, so nothing else
in the pipeline asks a model which kind it is."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, RegressorMixin

from blofin_assets.ml.metrics import (
    chance_row_gains,
    classification_metrics,
    classification_skill,
    compare_classification,
    compare_regression,
    regression_metrics,
    skill_drop_is_significant,
)
from blofin_assets.ml.models.base import CandleModel


class CandleClassifier(ClassifierMixin, CandleModel):
    """A model that predicts a class, judged by its skill over chance agreement (Cohen's kappa:
    see ml/metrics.py), which a predictor blind to the label cannot beat in expectation
    whatever the class balance does.

    Attributes
    ----------
    class_labels : tuple of str
        Display name of class 0, 1, ... (charts and outputs).
    """

    task = "classification"
    main_metric = "accuracy"
    class_labels: ClassVar[tuple[str, ...]]

    def metrics(self, y_true, y_pred) -> dict:
        return classification_metrics(y_true, y_pred)

    def compare(self, test: pd.DataFrame, train: pd.DataFrame, predicted: np.ndarray) -> dict:
        """Metrics of ``predicted`` on ``test`` beside chance agreement on the same rows (the
        training rows are not needed: the baseline is a blind predictor's, on these labels)."""
        return compare_classification(test[self.target].to_numpy(), predicted)

    def row_gains(self, test: pd.DataFrame, train: pd.DataFrame, predicted: np.ndarray) -> np.ndarray:
        """Per row, right minus a blind predictor's chance of being right, scaled so the mean
        is the skill (ml.metrics.chance_row_gains)."""
        return chance_row_gains(test[self.target].to_numpy(), np.asarray(predicted))

    def row_losses(self, X: pd.DataFrame, y: np.ndarray) -> np.ndarray:
        """Each row's log loss, -ln P(true class) with P clipped at 1e-9 (permutation
        importance: their mean over rows is ``loss``)."""
        proba = np.clip(self.predict_proba(X), 1e-9, 1.0)
        return -np.log(proba[np.arange(len(proba)), np.asarray(y, dtype=np.int64)])

    def class_balance(self, y) -> dict[str, int] | None:
        return {str(k): int(v) for k, v in zip(*np.unique(y, return_counts=True))}

    def monitored_figure(self, comparison: dict) -> tuple[str, float | None]:
        """(name, value) of the figure monitoring compares with validation: the skill, since
        raw accuracy moves with the class balance of the window it is measured on."""
        return "skill", comparison["skill"]

    def decision_figure(self, y_true, y_pred) -> tuple[str, float]:
        """(name, value) champion and challenger are compared by on the same rows: the skill
        (0 where chance is certain), since of two blind predictors the one calling the
        window's more frequent class more often has the higher accuracy."""
        return "skill", classification_skill(y_true, y_pred) or 0.0

    def performance_drop(self, validation: float, now: float) -> float:
        """How far the skill fell: absolute, as skill is already a share (near a 50/50
        balance, a fall of 0.10 is an accuracy 10% lower)."""
        return validation - now

    def drop_is_significant(self, validation: dict, now: dict, horizon: int) -> bool:
        """Beyond two standard errors of the difference (``validation``, ``now``: ``compare``'s
        records; labels overlapping ``horizon`` rows count once)."""
        return skill_drop_is_significant(validation, now, horizon)

    def at_least_as_good(self, new: float, old: float) -> bool:
        return new >= old


class CandleRegressor(RegressorMixin, CandleModel):
    """A model that predicts a number, judged by MAE beside the symbol's training mean.

    Attributes
    ----------
    chart_unit : str
        What the predicted-against-actual chart's axes show.
    """

    task = "regression"
    main_metric = "mae"
    chart_unit: ClassVar[str]

    def metrics(self, y_true, y_pred) -> dict:
        return regression_metrics(y_true, y_pred)

    baseline_name: ClassVar[str] = "training mean of the symbol"

    def baseline_predictions(self, test: pd.DataFrame, train: pd.DataFrame) -> np.ndarray:
        """The naive forecast for ``test``: each symbol's training mean (a symbol's own average
        is the honest naive bar)."""
        means = train.groupby("symbol")[self.target].mean()
        fallback = float(train[self.target].mean())
        return test["symbol"].map(means).fillna(fallback).to_numpy(dtype=np.float64)

    def compare(self, test: pd.DataFrame, train: pd.DataFrame, predicted: np.ndarray) -> dict:
        """Metrics of ``predicted`` on ``test`` beside the naive forecast."""
        baseline = self.baseline_predictions(test, train)
        return compare_regression(test[self.target].to_numpy(), predicted, baseline, self.baseline_name)

    def row_gains(self, test: pd.DataFrame, train: pd.DataFrame, predicted: np.ndarray) -> np.ndarray:
        """Per row, how much smaller the error than the naive forecast's, scaled so the mean is
        the skill: (|baseline - y| - |predicted - y|) / baseline MAE."""
        y = test[self.target].to_numpy(dtype=np.float64)
        baseline_error = np.abs(self.baseline_predictions(test, train) - y)
        scale = baseline_error.mean()
        gains = baseline_error - np.abs(np.asarray(predicted, dtype=np.float64) - y)
        return gains / scale if scale > 0 else np.zeros(len(y))

    def row_losses(self, X: pd.DataFrame, y: np.ndarray) -> np.ndarray:
        """Each row's absolute error (permutation importance: their mean is the MAE)."""
        return np.abs(self.predict(X) - np.asarray(y, dtype=np.float64))

    def class_balance(self, y) -> dict[str, int] | None:
        return None

    def monitored_figure(self, comparison: dict) -> tuple[str, float | None]:
        """Relative error, MAE / MAE of the naive baseline on the same rows: raw MAE grows with
        price level and volatility, so a volatile fortnight would look like a worse model."""
        baseline = comparison["baseline"]["mae"]
        return "relative_error", (comparison["model"]["mae"] / baseline if baseline else None)

    def decision_figure(self, y_true, y_pred) -> tuple[str, float]:
        """(name, value) champion and challenger are compared by on the same rows: MAE."""
        return "mae", self.metrics(y_true, y_pred)["mae"]

    def performance_drop(self, validation: float, now: float) -> float:
        """How much larger the relative error grew, as a share of validation's."""
        return 0.0 if validation == 0 else (now - validation) / validation

    def drop_is_significant(self, validation: dict, now: dict, horizon: int) -> bool:
        return True

    def at_least_as_good(self, new: float, old: float) -> bool:
        return new <= old

    def chart_values(self, values: np.ndarray, close: np.ndarray) -> np.ndarray:
        """Values on the scale of ``chart_unit`` (identity unless a model says otherwise)."""
        return np.asarray(values, dtype=np.float64)
