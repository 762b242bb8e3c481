"""The two kinds of model: classifiers and regressors. What differs between them (metrics,
baselines, losses, how monitoring and retraining judge them) lives here, once, so nothing else
in the pipeline asks a model which kind it is."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, RegressorMixin

from blofin_assets.ml.metrics import (
    accuracy_difference_se,
    classification_metrics,
    compare_classification,
    compare_regression,
    regression_metrics,
)
from blofin_assets.ml.models.base import CandleModel


class CandleClassifier(ClassifierMixin, CandleModel):
    """A model that predicts a class, judged by accuracy beside the training majority class.

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

    def baseline_predictions(self, test: pd.DataFrame, train: pd.DataFrame) -> np.ndarray:
        """The naive forecast for ``test``: the majority class of ``train``."""
        return np.full(len(test), int(pd.Series(train[self.target]).mode().iloc[0]))

    def compare(self, test: pd.DataFrame, train: pd.DataFrame, predicted: np.ndarray) -> dict:
        """Metrics of ``predicted`` on ``test`` beside the majority class of ``train``."""
        majority = int(pd.Series(train[self.target]).mode().iloc[0])
        return compare_classification(test[self.target].to_numpy(), predicted, majority)

    def row_gains(self, test: pd.DataFrame, train: pd.DataFrame, predicted: np.ndarray) -> np.ndarray:
        """Per row, how much better than the naive forecast, scaled so the mean is the skill:
        (right - baseline right) / (1 - baseline accuracy)."""
        y = test[self.target].to_numpy()
        right = (np.asarray(predicted) == y).astype(np.float64)
        baseline = (self.baseline_predictions(test, train) == y).astype(np.float64)
        miss = 1.0 - baseline.mean()
        return (right - baseline) / miss if miss > 0 else np.zeros(len(y))

    def row_losses(self, X: pd.DataFrame, y: np.ndarray) -> np.ndarray:
        """Each row's log loss, -ln P(true class) with P clipped at 1e-9 (permutation
        importance: their mean over rows is ``loss``)."""
        proba = np.clip(self.predict_proba(X), 1e-9, 1.0)
        return -np.log(proba[np.arange(len(proba)), np.asarray(y, dtype=np.int64)])

    def class_balance(self, y) -> dict[str, int] | None:
        return {str(k): int(v) for k, v in zip(*np.unique(y, return_counts=True))}

    def monitored_figure(self, comparison: dict) -> tuple[str, float | None]:
        """(name, value) of the figure monitoring compares with validation: accuracy."""
        return "accuracy", comparison["model"]["accuracy"]

    def relative_drop(self, validation: float, now: float) -> float:
        return 0.0 if validation == 0 else (validation - now) / validation

    def drop_is_significant(self, validation: float, n_validation: int, now: float, n_now: int, horizon: int) -> bool:
        """A coin-flip model's accuracy wanders on noise: a drop counts beyond two standard
        errors of the difference (labels overlapping ``horizon`` rows count once)."""
        return validation - now > 2.0 * accuracy_difference_se(validation, n_validation, now, n_now, horizon)

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

    def relative_drop(self, validation: float, now: float) -> float:
        return 0.0 if validation == 0 else (now - validation) / validation

    def drop_is_significant(self, validation: float, n_validation: int, now: float, n_now: int, horizon: int) -> bool:
        return True

    def at_least_as_good(self, new: float, old: float) -> bool:
        return new <= old

    def chart_values(self, values: np.ndarray, close: np.ndarray) -> np.ndarray:
        """Values on the scale of ``chart_unit`` (identity unless a model says otherwise)."""
        return np.asarray(values, dtype=np.float64)
