"""The ensemble: one trading signal (UP/DOWN with a confidence) from the models' outputs.

Common scale: every signal member gives p_up, the probability that the close is higher in
``horizon`` candles.
- direction_predictor: its class probability P(UP).
- price_predictor: Phi(mu / s), mu the predicted log return and s the spread of realized
  around predicted returns on its calibration rows (a Gaussian forecast distribution).
The momentum classifier predicts a change of momentum, not a direction, and the risk and
volatility models measure how rough the path will be: they are recorded as context for
position rules (e.g. "flat when risk > 50"), not averaged into p_up.

Weights come from validation: weight_i = max(0, skill_i) / sum_j max(0, skill_j), where skill
is the model's directional skill on the held-out period (accuracy lift over the majority
class, as a share of what the majority class misses). When no member beats its baseline, all
get equal weights and the config says so.

- weighted_avg: p_up = sum_i weight_i * p_up_i; UP when p_up > 0.5, confidence max(p, 1-p).
- voting: each member votes UP when its p_up > 0.5; the majority wins; a tie goes to the
  member with the largest weight (then the first name alphabetically). Confidence is the
  share of votes for the winning side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blofin_assets.ml.models.base import CandleModel

SIGNAL_MEMBERS = ("direction_predictor", "price_predictor")
CONTEXT_MEMBERS = ("momentum_classifier", "risk_scorer", "volatility_regressor")
ENSEMBLE_TYPES = ("weighted_avg", "voting")


def member_p_up(model: CandleModel, X: pd.DataFrame) -> np.ndarray:
    if model.name == "direction_predictor":
        return model.predict_proba(X)[:, 1]
    if model.name == "price_predictor":
        return model.predict_up_probability(X)
    raise ValueError(f"{model.name} gives no direction; signal members are {SIGNAL_MEMBERS}")


def skill_weights(skills: dict[str, float | None]) -> tuple[dict[str, float], str]:
    """Weights from validation skill, and a one-line reason for the record."""
    positive = {name: max(0.0, s or 0.0) for name, s in skills.items()}
    total = sum(positive.values())
    if total <= 0:
        equal = 1.0 / len(skills)
        return {name: equal for name in skills}, "no member beat its baseline: equal weights"
    return {name: v / total for name, v in positive.items()}, "weights proportional to positive directional skill"


class EnsemblePredictor:
    def __init__(self, ensemble_type: str = "weighted_avg"):
        if ensemble_type not in ENSEMBLE_TYPES:
            raise ValueError(f"ensemble_type must be one of {ENSEMBLE_TYPES}, got {ensemble_type!r}")
        self.ensemble_type = ensemble_type
        self.members: dict[str, CandleModel] = {}
        self.weights: dict[str, float] = {}

    def add_model(self, model: CandleModel, weight: float) -> "EnsemblePredictor":
        if model.name not in SIGNAL_MEMBERS:
            raise ValueError(f"{model.name} gives no direction; signal members are {SIGNAL_MEMBERS}")
        if weight < 0:
            raise ValueError(f"weight must be >= 0, got {weight}")
        self.members[model.name] = model
        self.weights[model.name] = float(weight)
        return self

    def member_probabilities(self, X: pd.DataFrame) -> pd.DataFrame:
        if not self.members:
            raise RuntimeError("the ensemble has no members: add_model() first")
        return pd.DataFrame({name: member_p_up(m, X) for name, m in self.members.items()}, index=X.index)

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """direction (UP/DOWN), confidence and p_up (for voting: the share of UP votes)."""
        probs = self.member_probabilities(X)
        if self.ensemble_type == "weighted_avg":
            w = np.array([self.weights[n] for n in probs.columns])
            w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
            p_up = probs.to_numpy() @ w
            up = p_up > 0.5
            confidence = np.maximum(p_up, 1.0 - p_up)
        else:
            p_up = (probs.to_numpy() > 0.5).mean(axis=1)
            leader = sorted(probs.columns, key=lambda n: (-self.weights[n], n))[0]
            up = np.where(p_up == 0.5, probs[leader].to_numpy() > 0.5, p_up > 0.5)
            confidence = np.maximum(p_up, 1.0 - p_up)
        return pd.DataFrame(
            {"direction": np.where(up, "UP", "DOWN"), "confidence": confidence, "p_up": p_up}, index=X.index
        )

    def config(self) -> dict:
        return {"ensemble_type": self.ensemble_type, "weights": dict(self.weights), "members": list(self.members)}


def evaluate_direction(signal: pd.DataFrame, y_true: np.ndarray, majority: int) -> dict:
    """Accuracy of an UP/DOWN signal against target_direction, beside the majority class."""
    predicted = (signal["direction"].to_numpy() == "UP").astype(int)
    accuracy = float(np.mean(predicted == y_true))
    baseline = float(np.mean(y_true == majority))
    skill = None if baseline >= 1 else (accuracy - baseline) / (1 - baseline)
    return {"accuracy": accuracy, "baseline_accuracy": baseline, "skill": skill, "n": int(len(y_true))}


def ensemble_from_config(config: dict, models: dict[str, CandleModel]) -> EnsemblePredictor:
    """The ensemble a saved config describes, over the given (loaded) member models."""
    ensemble = EnsemblePredictor(config["ensemble_type"])
    for member in config["members"]:
        ensemble.add_model(models[member["name"]], member["weight"])
    return ensemble
