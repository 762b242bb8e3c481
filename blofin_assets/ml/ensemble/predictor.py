"""EnsemblePredictor: weighted average, voting or stacking of the members' outputs.

- weighted_avg: p_up = sum_i w_i * p_up_i over the directional members (members.py), with
  weights from validation (skill_weights); UP when p_up > 0.5, confidence max(p_up, 1 - p_up).
- voting: each directional member votes UP when its p_up > 0.5; the majority wins; a tie goes
  to the member with the largest weight, then to the first name alphabetically. Confidence is
  the share of votes for the winning side. With two voters every disagreement is a tie, so
  voting is the heavier member's call: it is a candidate for the ensemble's type only with
  three voters or more (build.py).
- stacking: p_up from a logistic regression over every member's stacking columns
  (stacking.py), trained on out-of-fold predictions.

Weights (skill_weights): from each directional member's skill over chance on out-of-fold
outputs of the training rows, less two of its standard errors; they change continuously with
that evidence, and a member whose skill is within its noise gets no weight of its own.

Saving and loading (with the member versions it was built on) is storage.ensemble_store's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blofin_assets.ml.ensemble.members import is_member, stacking_features
from blofin_assets.ml.ensemble.stacking import fit_meta_learner, meta_p_up_array
from blofin_assets.ml.metrics import compare_classification
from blofin_assets.ml.models import CandleModel

ENSEMBLE_TYPES = ("weighted_avg", "voting", "stacking")
# What each type's p_up is, said beside it wherever a signal is answered: voting's is a share of
# votes (1.0 when every member leans UP, however slightly), not a probability.
P_UP_MEANING = {
    "weighted_avg": "the members' P(UP), averaged with the ensemble's weights",
    "voting": "the share of directional members voting UP (a vote count, not a probability)",
    "stacking": "P(UP) from the stacking meta-learner over the members' outputs",
}


class EnsembleVersionError(RuntimeError):
    """A member model changed since the ensemble was built on it."""


def skill_weights(skills: dict[str, tuple[float | None, float]], z: float = 2.0) -> tuple[dict[str, float], str]:
    """Weights from each member's (skill, standard error), and a one-line rule for the record.

    A member's evidence is its skill beyond ``z`` standard errors, e_i = max(0, s_i - z se_i):
    none for a skill within its own noise. With S = sum e_i and the noise scale
    tau = z mean(se_i), the weights are e_i / S once S >= tau and, below it, blend from equal
    weights towards that: w_i = e_i / tau + (1 - S / tau) / n. They change continuously with
    the evidence (by at most |change of s| / tau), so a rounding error or a handful of rows
    near P(UP) = 0.5 cannot hand a member all the weight, as max(0, s) with equal weights at
    S = 0 did."""
    names = list(skills)
    excess = {name: max(0.0, s - z * se) if s is not None and np.isfinite(se) else 0.0 for name, (s, se) in skills.items()}
    spreads = [se for s, se in skills.values() if s is not None and np.isfinite(se)]
    tau = z * float(np.mean(spreads)) if spreads else 0.0
    total = sum(excess.values())
    equal = 1.0 / len(names)
    if total > 0 and total >= tau:
        return {n: excess[n] / total for n in names}, f"proportional to out-of-fold skill beyond {z:g} standard errors"
    if total <= 0:
        return {n: equal for n in names}, f"no member's out-of-fold skill is beyond {z:g} standard errors: equal weights"
    return (
        {n: excess[n] / tau + (1.0 - total / tau) * equal for n in names},
        f"out-of-fold skill beyond {z:g} standard errors ({total:.4f} in all) is below the noise scale {tau:.4f}: "
        "blended with equal weights in that proportion",
    )


class EnsemblePredictor:
    """One trading signal (UP/DOWN with a confidence) from the members' outputs.

    Parameters
    ----------
    ensemble_type : str
        ``weighted_avg``, ``voting`` or ``stacking``.

    Attributes
    ----------
    members : dict of str to CandleModel
        The member models, in the order they were added.
    weights : dict of str to float
        Each member's weight (used by the directional members).
    versions : dict of str to str
        The model version each member was built on.
    meta_learner_ : sklearn Pipeline or None
        The stacking meta-learner, once fitted or loaded.
    stacking_features_ : list of str
        The member columns the meta-learner learns from, in its order.
    gate_ : ApplicabilityGate or None
        Turns away rows unlike the training rows (used by live signals, not by ``predict``).
    version_ : str or None
        The saved ensemble's version (a digest of its config), once loaded.
    horizon_ : int or None
        Candles ahead its signal looks, once loaded.
    """

    def __init__(self, ensemble_type: str = "weighted_avg"):
        if ensemble_type not in ENSEMBLE_TYPES:
            raise ValueError(f"ensemble_type must be one of {ENSEMBLE_TYPES}, got {ensemble_type!r}")
        self.ensemble_type = ensemble_type
        self.members: dict[str, CandleModel] = {}
        self.weights: dict[str, float] = {}
        self.versions: dict[str, str] = {}
        self.meta_learner_ = None
        self.stacking_features_: list[str] = []
        self.gate_ = None
        self.version_: str | None = None
        self.horizon_: int | None = None

    def add_model(self, model: CandleModel, weight: float = 0.0, version: str | None = None) -> "EnsemblePredictor":
        if not is_member(model):
            raise ValueError(f"{model.name} is not an ensemble member: its class declares no ensemble_columns")
        if weight < 0:
            raise ValueError(f"weight must be >= 0, got {weight}")
        self.members[model.name] = model
        self.weights[model.name] = float(weight)
        if version is not None:
            self.versions[model.name] = version
        return self

    @property
    def signal_members(self) -> dict[str, str]:
        """Directional members and the column holding each one's P(UP)."""
        return {name: m.signal_column for name, m in self.members.items() if m.signal_column is not None}

    def _needed(self) -> list[str]:
        if self.ensemble_type == "stacking":
            return list(self.members)
        needed = list(self.signal_members)
        if not needed:
            raise RuntimeError("the ensemble has no directional member: add a model with a signal_column")
        return needed

    def member_outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        """The outputs this ensemble type needs, each member run once."""
        return pd.DataFrame(self._member_array(self._feature_matrix(X)), columns=self._output_columns(), index=X.index)

    @property
    def feature_columns(self) -> list[str]:
        """The feature columns the members read, in the order ``predict_matrix`` takes them."""
        return list(dict.fromkeys(f for n in self._needed() for f in self.members[n]._features()))

    def _output_columns(self) -> list[str]:
        return [c for n in self._needed() for c in self.members[n].ensemble_columns]

    def _feature_matrix(self, X: pd.DataFrame) -> np.ndarray:
        features = self.feature_columns
        cached = getattr(self, "_positions", None)
        if cached is not None and cached[0] is X.columns and cached[1] == features:
            positions = cached[2]  # rows of the same frame share one columns index
        else:
            positions = X.columns.get_indexer(features)
            if (positions < 0).any():
                raise ValueError(f"missing feature column(s) {[f for f, p in zip(features, positions) if p < 0]}")
            self._positions = (X.columns, features, positions)
        # by position: a quarter of the cost of X[features] on one row
        return X.iloc[:, positions].to_numpy(dtype=np.float64)

    def _member_array(self, matrix: np.ndarray) -> np.ndarray:
        """The members' ensemble columns side by side, from the matrix of ``feature_columns``."""
        features, parts = self.feature_columns, []
        for name in self._needed():
            model = self.members[name]
            own = model._features()
            parts.append(model.ensemble_array(matrix if own == features else matrix[:, [features.index(f) for f in own]]))
        return np.hstack(parts)

    def fit_meta(self, outputs: pd.DataFrame, y_direction) -> "EnsemblePredictor":
        """Train the stacking meta-learner on OUT-OF-FOLD member outputs (see stacking.py)."""
        self.stacking_features_ = stacking_features(self.members.values())
        self.meta_learner_ = fit_meta_learner(outputs, y_direction, self.stacking_features_)
        return self

    def combine(self, outputs: pd.DataFrame) -> pd.DataFrame:
        """direction, confidence and p_up from member outputs (for voting, p_up is the share
        of UP votes)."""
        if self.ensemble_type == "stacking":
            columns = self.stacking_features_
        else:
            columns = list(self.signal_members.values())
        missing = [c for c in columns if c not in outputs.columns]
        if missing:
            raise ValueError(f"{self.ensemble_type} needs the outputs {missing} of every member")
        p_up, up = self._combine(outputs[columns].to_numpy(dtype=np.float64), columns)
        return direction_frame(p_up, outputs.index, up)

    def _combine(self, values: np.ndarray, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """p_up and UP/DOWN from the member outputs ``values`` whose columns are ``columns``."""
        if self.ensemble_type == "stacking":
            if self.meta_learner_ is None:
                raise RuntimeError("stacking needs a meta-learner: fit_meta() or load it first")
            p_up = meta_p_up_array(self.meta_learner_, values[:, [columns.index(c) for c in self.stacking_features_]])
            return p_up, p_up > 0.5
        signals = self.signal_members
        names = list(signals)
        probs = values[:, [columns.index(signals[n]) for n in names]]
        if self.ensemble_type == "weighted_avg":
            w = np.array([self.weights[n] for n in names])
            w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
            p_up = probs @ w
            return p_up, p_up > 0.5
        p_up = (probs > 0.5).mean(axis=1)
        leader = names.index(sorted(names, key=lambda n: (-self.weights[n], n))[0])
        return p_up, np.where(p_up == 0.5, probs[:, leader] > 0.5, p_up > 0.5)

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        signal = self.predict_matrix(self._feature_matrix(X))
        return pd.DataFrame(signal, index=X.index)

    def signal(self, X: pd.DataFrame) -> pd.DataFrame:
        """What live use acts on, per row: ``predict``'s direction, confidence and p_up, and
        whether the applicability gate turns the row away (``abstain``, with the ``reason``).
        The one call behind the recorded live signals, the HTTP service, the backtest and the
        replay, so each gives what the others would for the same versions and candle."""
        signal = self.predict(X)
        if self.gate_ is None:
            return signal.assign(abstain=False, reason="")
        gate = self.gate_.assess(X)
        return signal.assign(abstain=gate["abstain"].to_numpy(dtype=bool), reason=gate["reason"].to_numpy())

    def predict_matrix(self, matrix: np.ndarray) -> dict[str, np.ndarray]:
        """``predict`` for rows of raw features (columns ``feature_columns``), as arrays: the
        path for callers that hold numbers, not a frame (a frame costs more than the models)."""
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != len(self.feature_columns):
            raise ValueError(f"expected rows of {len(self.feature_columns)} features {self.feature_columns}, got shape {matrix.shape}")
        p_up, up = self._combine(self._member_array(matrix), self._output_columns())
        return direction_arrays(p_up, up)


def direction_arrays(p_up: np.ndarray, up: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """A signal: direction (UP when ``up``, default p_up > 0.5), confidence max(p_up, 1 - p_up)
    and p_up, per row."""
    up = p_up > 0.5 if up is None else up
    return {"direction": np.where(up, "UP", "DOWN"), "confidence": np.maximum(p_up, 1.0 - p_up), "p_up": p_up}


def direction_frame(p_up: np.ndarray, index: pd.Index, up: np.ndarray | None = None) -> pd.DataFrame:
    return pd.DataFrame(direction_arrays(p_up, up), index=index)


def evaluate_direction(signal: pd.DataFrame, y_true: np.ndarray) -> dict:
    """Accuracy of an UP/DOWN signal against target_direction, beside chance agreement (a
    signal blind to the label calling UP as often), with its skill over it (ml/metrics.py)."""
    predicted = (signal["direction"].to_numpy() == "UP").astype(int)
    comparison = compare_classification(np.asarray(y_true), predicted)
    return {
        "accuracy": comparison["model"]["accuracy"],
        "baseline_accuracy": comparison["baseline"]["accuracy"],
        "skill": comparison["skill"],
        "n": comparison["n"],
    }
