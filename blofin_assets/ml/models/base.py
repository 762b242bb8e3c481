"""What every model shares: input checks, the feature scaler, estimator choice and files, and
the class attributes through which a model says everything that differs between models."""

from __future__ import annotations

import inspect
import re
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.preprocessing import StandardScaler

from blofin_assets.market.features import MODEL_FEATURES
from blofin_assets.ml import skops_files
from blofin_assets.ml.uniqueness import average_uniqueness

ESTIMATOR_CHOICES = ("auto", "exact", "scalable")


SCALER_FILE = "scaler.skops"
SCALER_TYPES = ("sklearn.preprocessing._data.StandardScaler",)
# Rows scaled at a time when many are (see CandleModel._scale).
SCALE_BLOCK = 65_536


class CandleModel(BaseEstimator):
    """Base of every model: scikit-learn's estimator API over a frame of feature columns.

    A model is a subclass of ``tasks.CandleClassifier`` or ``tasks.CandleRegressor`` that sets
    the class attributes below and implements ``_fit_scaled``, ``_predict_scaled``,
    ``predict_outputs`` and, for an ensemble member, ``_ensemble_scaled``; the rest of the
    pipeline (assets, validation, monitoring, the ensemble, the API) reads everything
    model-specific from them. Hyperparameters are the ``__init__`` parameters, documented in a
    numpydoc ``Parameters`` section, which the UI's launchpad shows.

    Attributes
    ----------
    name : str
        Model and asset name (``models/model_<name>/``).
    target : str
        The target column it learns (see ``market.targets``).
    family : str
        Human name of the estimator family, shown in the UI.
    library : str
        The library it is built on, as a Dagster kind (xgboost, scikitlearn, pytorch).
    summary : str
        One line on what it predicts: the asset's description.
    estimator_file : str
        File name of the fitted estimator in the model folder (``model.skops`` unless the
        library has its own format).
    trusted_types : tuple of str
        Every type beyond skops' safe primitives (numbers, containers, arrays) that the
        estimator's skops file may hold: its estimator classes, their tree structures, this
        package's wrappers. A file holding any other type is refused (ml/skops_files.py), so no
        model file runs code or builds an object the model never uses when it is loaded.
    parameter_bounds : dict of str to dict
        Bounds of ``__init__`` parameters as pydantic ``Field`` keywords (``ge``, ``gt``, ``le``,
        ``lt``, ``min_length``): run config outside them is refused naming the setting.
    default_exact_max_rows : int or None
        Training rows above which ``estimator="auto"`` switches to the scalable estimator.
    ensemble_columns : tuple of str
        Columns of ``ensemble_outputs`` (computed by ``_ensemble_scaled``): what the model
        contributes to the ensemble (empty: no member).
    signal_column : str or None
        The ensemble column holding the model's P(UP), for members that call the direction.
    barrier_columns : tuple of two str, or None
        The ensemble columns holding P(upper barrier first) and P(lower barrier first), for a
        member that predicts which barrier a trade meets first (meta-labeling: a long's and a
        short's chance to reach its profit barrier before its stop).
    stacking_columns : tuple of str
        The ensemble columns the stacking meta-learner learns from.
    direction_metric : str or None
        Key of the held-out metric that is a direction accuracy, for models that imply one.
    shuffled_control : bool
        Whether validation retrains it on shuffled labels as a leakage control.
    runtime_params : tuple of str
        ``__init__`` parameters set by the pipeline, not by run config.
    span_column : str
        The target-table column giving how many candles each row's label spans: the rows'
        sample weights are their average uniqueness over it (ml/uniqueness.py).
    feature_names_in_ : ndarray of str
        Features seen in ``fit``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    scaler_ : StandardScaler
        The feature scaler fitted on the training rows.
    n_effective_ : float
        The training labels' summed uniqueness: how many independent labels they are worth.
    estimator_used_ : str
        The estimator that actually ran (exact or scalable, and its settings).
    """

    name: ClassVar[str]
    target: ClassVar[str]
    task: ClassVar[str]  # set by the task bases; recorded in config.json and reports
    main_metric: ClassVar[str]  # set by the task bases
    family: ClassVar[str]
    library: ClassVar[str]
    summary: ClassVar[str]
    estimator_file: ClassVar[str] = "model.skops"
    trusted_types: ClassVar[tuple[str, ...]] = ()
    # Bounds of __init__ parameters (pydantic's ge/gt/le/lt/min_length), checked where run
    # config sets them, the message naming the setting: nothing nonsensical reaches a library.
    parameter_bounds: ClassVar[dict[str, dict]] = {}
    default_exact_max_rows: ClassVar[int | None] = None
    ensemble_columns: ClassVar[tuple[str, ...]] = ()
    signal_column: ClassVar[str | None] = None
    barrier_columns: ClassVar[tuple[str, str] | None] = None
    stacking_columns: ClassVar[tuple[str, ...]] = ()
    direction_metric: ClassVar[str | None] = None
    shuffled_control: ClassVar[bool] = False
    runtime_params: ClassVar[tuple[str, ...]] = ("horizon", "n_jobs")
    span_column: ClassVar[str] = "target_bars"
    # Whether two fits may run at once in threads of one process (walk-forward folds): not
    # where fitting draws from process-wide random state (torch's), which would make it
    # depend on the other thread.
    fits_in_threads: ClassVar[bool] = True

    @classmethod
    def side_by_side(cls, fits: int) -> AbstractContextManager:
        """Entered while ``fits`` fits of this class run at once in threads: where a library's
        threads are process-wide (torch's), the class shares the cores out here."""
        return nullcontext()

    @classmethod
    def parameter_docs(cls) -> dict[str, str]:
        """Each ``__init__`` parameter's description, from the class's numpydoc Parameters."""
        doc = inspect.getdoc(cls) or ""
        match = re.search(r"^Parameters\n-+\n(.*?)(?:^\S[^\n]*\n-+\n|\Z)", doc, flags=re.M | re.S)
        docs: dict[str, str] = {}
        name = None
        for line in (match.group(1) if match else "").splitlines():
            if line and not line[0].isspace():
                name = line.split(":")[0].strip()
                docs[name] = ""
            elif name and line.strip():
                docs[name] = f"{docs[name]} {line.strip()}".strip()
        return docs

    @classmethod
    def search_space(cls, trial) -> dict:
        """Hyperparameters to try in a tuning run, drawn from an Optuna ``trial`` (the rest keep
        their defaults). A model without one is not tuned."""
        raise NotImplementedError(f"{cls.name} declares no search space")

    @classmethod
    def tunable(cls) -> bool:
        """Whether the class declares a search space."""
        return cls.search_space.__func__ is not CandleModel.search_space.__func__

    # --- inputs -----------------------------------------------------------------------------
    def _features(self) -> list[str]:
        return list(getattr(self, "features", None) or MODEL_FEATURES)

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"{self.name}: X must be a pandas DataFrame of feature columns")
        columns = self._features()
        missing = [c for c in columns if c not in X.columns]
        if missing:
            raise ValueError(f"{self.name}: missing feature column(s) {missing}")
        return self._checked(X[columns].to_numpy(dtype=np.float64))

    def _checked(self, matrix: np.ndarray) -> np.ndarray:
        """``matrix`` (rows x ``_features()``) if every value is finite; else the first bad one, named."""
        if not np.isfinite(matrix).all():
            row, col = np.argwhere(~np.isfinite(matrix))[0]
            raise ValueError(
                f"{self.name}: feature '{self._features()[col]}' is NaN or infinite in row {row} "
                f"({int((~np.isfinite(matrix)).any(axis=1).sum())} such rows); features must be complete"
            )
        return matrix

    def _scaled(self, X: pd.DataFrame) -> np.ndarray:
        self._check_fitted()
        return self._scale(self._matrix(X))

    def _scale(self, matrix: np.ndarray) -> np.ndarray:
        self._check_fitted()
        # StandardScaler.transform's own arithmetic (in float64, then float32), without its
        # input validation: that costs more than the scaling on the one-row predictions of live
        # use. Many rows go a block at a time: whole, a 4M-row walk-forward fold made two
        # float64 temporaries of 480 MB beside the float32 result.
        mean, scale = self.scaler_.mean_, self.scaler_.scale_
        if len(matrix) <= SCALE_BLOCK:
            return ((matrix - mean) / scale).astype(np.float32)
        out = np.empty(matrix.shape, dtype=np.float32)
        for start in range(0, len(matrix), SCALE_BLOCK):
            block = matrix[start : start + SCALE_BLOCK] - mean
            block /= scale
            out[start : start + SCALE_BLOCK] = block
        return out

    def _check_fitted(self) -> None:
        if not hasattr(self, "scaler_"):
            raise RuntimeError(f"{self.name} is not fitted yet: call fit(X, y) first")

    # --- estimator choice -------------------------------------------------------------------
    def _use_scalable(self, n_rows: int) -> bool:
        choice = getattr(self, "estimator", "auto")
        if choice not in ESTIMATOR_CHOICES:
            raise ValueError(f"{self.name}: estimator must be one of {ESTIMATOR_CHOICES}, got {choice!r}")
        if choice != "auto":
            return choice == "scalable"
        limit = getattr(self, "exact_max_rows", None) or self.default_exact_max_rows
        return limit is not None and n_rows > limit

    # --- the estimator API ------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y) -> "CandleModel":
        matrix = self._matrix(X)
        target = np.asarray(y)
        if len(target) != len(matrix):
            raise ValueError(f"{self.name}: X has {len(matrix)} rows but y has {len(target)}")
        if len(matrix) < 2:
            raise ValueError(f"{self.name}: need at least 2 training rows, got {len(matrix)}")
        if not np.isfinite(target.astype(np.float64)).all():
            raise ValueError(f"{self.name}: target has NaN or infinite values")
        self.feature_names_in_ = np.array(self._features(), dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        self.scaler_ = StandardScaler().fit(matrix)
        weight = self._uniqueness(X)
        self.n_effective_ = float(len(matrix) if weight is None else weight.sum())
        # weights of mean 1: the libraries' regularisation keeps its scale
        self._fit_scaled(X, self._scale(matrix), target, None if weight is None else weight / weight.mean())
        return self

    def _uniqueness(self, X: pd.DataFrame) -> np.ndarray | None:
        """The rows' average uniqueness over their label spans, or None for rows that do not
        say (no symbol, timestamp or span column: a frame of features alone)."""
        if not {"symbol", "timestamp", self.span_column} <= set(X.columns):
            return None
        return average_uniqueness(X, X[self.span_column].to_numpy())

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self._predict_scaled(X, self._scaled(X))

    def _fit_scaled(self, X: pd.DataFrame, Xs: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> None:
        """Fit the estimator on the scaled features; ``sample_weight`` (mean 1, or None) where
        the library takes them."""
        raise NotImplementedError

    def _predict_scaled(self, X: pd.DataFrame, Xs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict_outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        """The user-facing columns per row (direction and confidence, risk, ...)."""
        raise NotImplementedError

    def output_record(self, row: pd.Series):
        """One row of ``predict_outputs`` in the API's shape (what ``Predictor.predict`` and
        the predict command give)."""
        return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}

    def ensemble_outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        """The model's contribution to the ensemble (``ensemble_columns``), per row."""
        outputs = self._ensemble_scaled(self._scaled(X))  # _matrix has checked the values
        return pd.DataFrame(outputs, columns=list(self.ensemble_columns), index=X.index)

    def ensemble_array(self, matrix: np.ndarray) -> np.ndarray:
        """``ensemble_outputs`` for rows of the raw feature matrix (columns in ``_features()``
        order), as an array: the numpy path the ensemble's prediction takes, without a frame
        per model (pandas costs more than the models on one row)."""
        return self._ensemble_scaled(self._scale(self._checked(matrix)))

    def _ensemble_scaled(self, Xs: np.ndarray) -> np.ndarray:
        """The ``ensemble_columns`` for scaled feature rows: shape (rows, columns)."""
        if self.ensemble_columns:
            raise NotImplementedError(f"{self.name} declares ensemble_columns but no _ensemble_scaled")
        return np.empty((len(Xs), 0))

    def row_losses(self, X: pd.DataFrame, y: np.ndarray) -> np.ndarray:
        """Each row's loss (set by the task bases): its mean is ``loss``."""
        raise NotImplementedError

    def loss(self, X: pd.DataFrame, y: np.ndarray) -> float:
        """Mean loss on the rows: log loss for classifiers, MAE for regressors."""
        return float(np.mean(self.row_losses(X, y)))

    def direction_score(self, X: pd.DataFrame) -> np.ndarray | None:
        """A score that should rank with the coming return (for the IC), or None if the model
        predicts no direction."""
        return None

    def fitted_summary(self) -> dict:
        """Fitted facts worth recording in config.json (estimator actually used, calibration)."""
        return {"estimator_used": self.estimator_used_}

    # --- files ------------------------------------------------------------------------------
    def save_files(self, folder: Path) -> list[str]:
        """Write the fitted model into ``folder``; returns the file names written. Every file
        is in a format that runs no code on load: skops (with an explicit list of trusted
        types) for scikit-learn objects, the library's own format otherwise."""
        self._check_fitted()
        skops_files.dump(self.scaler_, folder / SCALER_FILE)
        self._save_estimator(folder / self.estimator_file)
        return [self.estimator_file, SCALER_FILE]

    @classmethod
    def load_files(cls, folder: Path, params: dict, fitted: dict) -> "CandleModel":
        model = cls(**params)
        model.scaler_ = skops_files.load(folder / SCALER_FILE, trusted=list(SCALER_TYPES))
        model.feature_names_in_ = np.array(model._features(), dtype=object)
        model.n_features_in_ = len(model.feature_names_in_)
        model.estimator_used_ = fitted["estimator_used"]
        model._load_estimator(folder / cls.estimator_file, fitted)
        return model

    def _save_estimator(self, path: Path) -> None:
        skops_files.dump(self.estimator_, path)

    def _load_estimator(self, path: Path, fitted: dict) -> None:
        self.estimator_ = skops_files.load(path, trusted=list(self.trusted_types))
