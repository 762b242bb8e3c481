"""momentum_classifier: will momentum decelerate, hold or accelerate? (SVM, RBF kernel)

The SVM is fitted on all but the newest ``calibration_fraction`` of each symbol's training
rows; its probabilities come from scaling its decision scores (see calibration.py) on those newest rows, after a
purge gap, so they are learned on data the SVM never saw and that lies later in time, as in
deployment. (scikit-learn deprecates SVC(probability=True) from 1.9, and its internal
cross-validation would mix past and future rows.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.svm import SVC

from blofin_assets.market.targets import MOMENTUM_STATES
from blofin_assets.ml.models.calibration import ScoreCalibrated
from blofin_assets.ml.models.kernel import NystroemLinearSVM
from blofin_assets.ml.models.tasks import CandleClassifier
from blofin_assets.ml.splits import calibration_split


class MomentumClassifier(CandleClassifier):
    """Will momentum decelerate, hold or accelerate over the next ``horizon`` candles? An SVM
    with an RBF kernel (exact, or Nystroem features and a linear SVM on many rows), its
    probabilities calibrated on the newest training rows.

    Parameters
    ----------
    C : float
        The SVM's regularisation: larger fits the training rows more closely.
    gamma : float, optional
        RBF kernel width; default ``scale`` = 1 / (n_features * variance).
    estimator : str
        ``auto``: the exact SVM up to ``exact_max_rows`` training rows, the Nystroem
        approximation above; or force ``exact`` / ``scalable``.
    exact_max_rows : int, optional
        Row count where ``auto`` switches; default: the model's measured limit.
    n_components : int
        Nystroem features of the scalable SVM.
    sgd_epochs : int
        Passes of the scalable SVM's SGD.
    scalable_max_rows : int
        Most rows the scalable SVM learns from, evenly spread over time.
    horizon : int
        Candles ahead; the purge gap before the calibration rows.
    calibration_fraction : float
        Newest share of each symbol's training rows that calibrates the probabilities.
    random_state : int
        Seed of the Nystroem sample and the SGD.
    features : list of str, optional
        Feature columns to learn from; default: every scale-free feature.

    Attributes
    ----------
    estimator_ : ScoreCalibrated
        The fitted SVM with its calibrated probabilities.
    n_calibration_ : int
        Number of calibration rows.
    """

    name = "momentum_classifier"
    target = "target_momentum"
    family = "SVM classifier (RBF kernel)"
    library = "scikitlearn"
    summary = "RBF SVM with calibrated probabilities: decelerating/neutral/accelerating."
    trusted_types = (
        "sklearn.svm._classes.SVC",
        "blofin_assets.ml.models.calibration.ScoreCalibrated",
        "blofin_assets.ml.models.kernel.NystroemLinearSVM",
    )
    class_labels = MOMENTUM_STATES
    ensemble_columns = tuple(f"p_{state}" for state in MOMENTUM_STATES)
    # p_neutral is left out of stacking: it is one minus the other two.
    stacking_columns = ("p_decelerating", "p_accelerating")
    # An exact kernel SVM costs O(n^2..n^3) to train (2 s at 5k rows, 4 min at 50k) and, with
    # support vectors growing with n, O(n) per prediction: at the default data (6k rows, ~5.5k
    # support vectors) it scores 6k rows/s, too slow for a 100k rows/s ensemble. Above this
    # many rows the RBF kernel is approximated by 500 Nystroem features and a linear SVM (hinge
    # loss, averaged SGD, regularisation matched to C): 100k+ rows/s, held-out accuracy at the
    # default data 0.546 against the exact SVM's 0.541.
    default_exact_max_rows = 2_000
    # The approximate SVM is linear in rows but holds an n x n_components feature matrix: at
    # 800k rows that is 3.2 GB. It learns from at most this many rows, evenly spread over time.

    parameter_bounds = {"C": {"gt": 0.0, "le": 1_000_000.0}, "gamma": {"gt": 0.0, "le": 1_000_000.0}, "n_components": {"ge": 1, "le": 100_000}, "sgd_epochs": {"ge": 1, "le": 10_000}, "scalable_max_rows": {"ge": 1, "le": 10_000_000}, "calibration_fraction": {"gt": 0.0, "lt": 1.0}}

    def __init__(
        self,
        C: float = 1.0,
        gamma: float | None = None,
        estimator: str = "auto",
        exact_max_rows: int | None = None,
        n_components: int = 500,
        sgd_epochs: int = 5,
        scalable_max_rows: int = 100_000,
        horizon: int = 5,
        calibration_fraction: float = 0.1,
        random_state: int = 0,
        features: tuple[str, ...] | None = None,
    ):
        self.C = C
        self.gamma = gamma
        self.estimator = estimator
        self.exact_max_rows = exact_max_rows
        self.n_components = n_components
        self.sgd_epochs = sgd_epochs
        self.scalable_max_rows = scalable_max_rows
        self.horizon = horizon
        self.calibration_fraction = calibration_fraction
        self.random_state = random_state
        self.features = features

    @classmethod
    def search_space(cls, trial) -> dict:
        return {"C": trial.suggest_float("C", 0.1, 10.0, log=True), "gamma": trial.suggest_float("gamma", 0.005, 0.5, log=True)}

    def _fit_scaled(self, X, Xs, y, sample_weight=None):
        y = y.astype(np.int64)
        if not set(np.unique(y).tolist()) <= {0, 1, 2}:
            raise ValueError(f"{self.name}: target must be 0/1/2, got {np.unique(y).tolist()}")
        fit_rows, cal_rows = calibration_split(X, horizon=self.horizon, fraction=self.calibration_fraction)
        n_fit = int(fit_rows.sum())
        # gamma="scale" as SVC defines it, computed here so both variants use the same kernel.
        gamma = 1.0 / (Xs.shape[1] * Xs[fit_rows].var()) if self.gamma is None else float(self.gamma)
        fit_index = np.flatnonzero(fit_rows)
        if self._use_scalable(n_fit):
            if n_fit > self.scalable_max_rows:
                fit_index = fit_index[np.linspace(0, n_fit - 1, self.scalable_max_rows).astype(int)]
            n_components = min(self.n_components, len(fit_index))
            self.estimator_used_ = f"Nystroem(rbf, {n_components}) + linear SVM (SGD hinge)"
            if len(fit_index) < n_fit:
                self.estimator_used_ += f" on {len(fit_index)} of {n_fit} rows"
            svm = NystroemLinearSVM(gamma, n_components, self.C, self.sgd_epochs, self.random_state)
        else:
            self.estimator_used_ = "sklearn.SVC(rbf)"
            svm = SVC(kernel="rbf", C=self.C, gamma=gamma)
        svm.fit(Xs[fit_index], y[fit_index], sample_weight=None if sample_weight is None else sample_weight[fit_index])
        self.estimator_used_ += ", probabilities calibrated on the newest rows"
        self.estimator_ = ScoreCalibrated(svm).fit(Xs[cal_rows], y[cal_rows])
        self.n_calibration_ = int(cal_rows.sum())

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self._proba(self._scaled(X))

    def _proba(self, Xs: np.ndarray) -> np.ndarray:
        """Probabilities for all three states, in state order, even if a class was unseen."""
        proba = np.zeros((len(Xs), len(MOMENTUM_STATES)))
        proba[:, self.estimator_.classes_] = self.estimator_.predict_proba(Xs)
        return proba

    def _predict_scaled(self, X, Xs):
        return self._proba(Xs).argmax(axis=1)

    def predict_outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        proba = self.predict_proba(X)
        best = proba.argmax(axis=1)
        out = pd.DataFrame(
            {"state": np.asarray(MOMENTUM_STATES)[best], "confidence": proba.max(axis=1)}, index=X.index
        )
        for i, state in enumerate(MOMENTUM_STATES):
            out[f"p_{state}"] = proba[:, i]
        return out

    def output_record(self, row: pd.Series) -> dict:
        return {"state": str(row["state"]), "confidence": float(row["confidence"])}

    def _ensemble_scaled(self, Xs):
        return self._proba(Xs)
