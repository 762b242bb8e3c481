"""Regressors that report a calibrated confidence (price and volatility)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from blofin_assets.ml.models.confidence import ConfidenceCalibrator
from blofin_assets.ml.models.tasks import CandleRegressor
from blofin_assets.ml.splits import calibration_split

DIFFICULTY_FEATURE = "volatility_std"


class CalibratedRegressor(CandleRegressor):
    """Fits on all but the newest ``calibration_fraction`` of each symbol's rows, leaves a purge
    gap of ``horizon`` rows, and learns the confidence map on the newest rows.

    Attributes
    ----------
    calibrator_ : ConfidenceCalibrator
        The confidence map, learned on the calibration rows.
    n_calibration_ : int
        Number of calibration rows.
    """

    def fit(self, X: pd.DataFrame, y) -> "CalibratedRegressor":
        if DIFFICULTY_FEATURE not in X.columns:
            raise ValueError(f"{self.name}: X needs the '{DIFFICULTY_FEATURE}' column for confidence")
        target = np.asarray(y, dtype=np.float64)
        fit_rows, cal_rows = calibration_split(X, horizon=self.horizon, fraction=self.calibration_fraction)
        super().fit(X.iloc[fit_rows], target[fit_rows])
        self._calibrate(X.iloc[cal_rows], target[cal_rows])
        self.n_calibration_ = int(cal_rows.sum())
        return self

    def _calibrate(self, X: pd.DataFrame, y: np.ndarray) -> None:
        self.calibrator_ = ConfidenceCalibrator().fit(X[DIFFICULTY_FEATURE], y, self.predict(X))

    def predict_confidence(self, X: pd.DataFrame) -> np.ndarray:
        self._check_fitted()
        return self.calibrator_.predict(X[DIFFICULTY_FEATURE].to_numpy())

    def fitted_summary(self) -> dict:
        return {**super().fitted_summary(), "confidence": self.calibrator_.to_dict()}

    @classmethod
    def load_files(cls, folder, params, fitted):
        model = super().load_files(folder, params, fitted)
        model.calibrator_ = ConfidenceCalibrator.from_dict(fitted["confidence"])
        return model
