"""Positions from probabilities: how long or short to be, given a calibrated P(UP).

Bet size (López de Prado, *Advances in Financial Machine Learning*, ch. 10): with p the
probability of an up move, z = (p - 0.5) / sqrt(p (1 - p)) is the edge in standard deviations
of a coin with that probability, and m = 2 Phi(z) - 1 in (-1, 1) the size: 0 at p = 0.5,
0.08 at 0.55, 0.16 at 0.6, 0.55 at 0.8, 0.82 at 0.9 (and the mirror below 0.5: short). Sizes are rounded to multiples of ``step``
(so that noise in the fourth digit of p does not trade), scaled by ``max_leverage`` (the
largest position, as a multiple of equity), and set to flat where |p - 0.5| is at most
``min_edge`` or the signal abstains (a row unlike the training rows).

P(UP) is calibrated first (``Calibration``): the ensemble's probabilities come from members
whose own are not probabilities of the outcome (XGBoost's are overconfident out of sample),
and a size read off an overconfident p is too large.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit, ndtr
from sklearn.linear_model import LogisticRegression

EDGE = 1e-9  # p is kept inside (EDGE, 1 - EDGE): z is finite


def bet_size(p_up) -> np.ndarray:
    """m = 2 Phi(z) - 1 with z = (p - 0.5) / sqrt(p (1 - p)): the size for a probability."""
    p = np.clip(np.asarray(p_up, dtype=np.float64), EDGE, 1.0 - EDGE)
    return 2.0 * ndtr((p - 0.5) / np.sqrt(p * (1.0 - p))) - 1.0


@dataclass(frozen=True)
class SizingRule:
    """Target positions (multiples of equity; positive long, negative short) from P(UP).

    Parameters
    ----------
    max_leverage : float
        The largest position, as a multiple of equity.
    step : float
        Sizes are multiples of this share of ``max_leverage`` (0.1: ten sizes a side).
    min_edge : float
        Flat where |P(UP) - 0.5| is at most this (inf: never trades).
    """

    max_leverage: float = 1.0
    step: float = 0.1
    min_edge: float = 0.0

    def __post_init__(self):
        if not (np.isfinite(self.max_leverage) and self.max_leverage > 0):
            raise ValueError(f"max_leverage must be a positive number, got {self.max_leverage}")
        if not (np.isfinite(self.step) and 0 < self.step <= 1):
            raise ValueError(f"step must be in (0, 1], got {self.step}")
        if np.isnan(self.min_edge) or self.min_edge < 0:
            raise ValueError(f"min_edge must be >= 0, got {self.min_edge}")

    def sizes(self, p_up, abstain=None) -> np.ndarray:
        """The target position for each probability (flat where ``abstain``)."""
        p = np.asarray(p_up, dtype=np.float64)
        m = bet_size(p)
        # half away from zero, so a size and its mirror round alike
        m = np.sign(m) * np.floor(np.abs(m) / self.step + 0.5) * self.step
        m[np.abs(p - 0.5) <= self.min_edge] = 0.0
        if abstain is not None:
            m[np.asarray(abstain, dtype=bool)] = 0.0
        return m * self.max_leverage

    def describe(self) -> str:
        edge = "never trades" if np.isinf(self.min_edge) else f"flat when |P(UP) - 0.5| <= {self.min_edge:g}"
        return f"size 2 Phi(z) - 1 in steps of {self.step:g}, max leverage {self.max_leverage:g}, {edge}"


@dataclass(frozen=True)
class Calibration:
    """P(UP) mapped through a logistic curve on its log-odds (Platt scaling), fitted on
    out-of-fold probabilities of training rows and their outcomes: p' = expit(a logit(p) + b).
    Two numbers, so it cannot memorise; a = 1, b = 0 leaves p as it is. The slope is never
    negative: a signal whose probabilities ranked the outcomes the wrong way round gets a = 0,
    the base rate everywhere (no bet), rather than being turned around."""

    slope: float = 1.0
    intercept: float = 0.0
    fitted_on: int = 0

    @classmethod
    def fit(cls, p_up, outcome) -> "Calibration":
        p = np.clip(np.asarray(p_up, dtype=np.float64), 1e-6, 1 - 1e-6)
        y = np.asarray(outcome, dtype=np.int64)
        if len(np.unique(y)) < 2:
            raise ValueError("calibration needs outcomes of both directions")
        # C large: the plain maximum-likelihood fit of two parameters on thousands of rows
        fitted = LogisticRegression(C=1e6).fit(logit(p)[:, None], y)
        slope = float(fitted.coef_[0, 0])
        if slope <= 0:
            return cls(0.0, float(logit(y.mean())), int(len(y)))
        return cls(slope, float(fitted.intercept_[0]), int(len(y)))

    def describe(self, rows: str = "out-of-fold training rows") -> str:
        if self.fitted_on == 0:
            return "P(UP) as the signal gives it (not calibrated)"
        if self.slope == 0:
            return (
                f"Platt scaling on {self.fitted_on} {rows}, whose P(UP) did not rank the outcomes: "
                f"P(UP) {expit(self.intercept):.3f} (the base rate) everywhere"
            )
        return f"Platt scaling on {self.fitted_on} {rows} (slope {self.slope:.3g}, intercept {self.intercept:.3g})"

    def apply(self, p_up) -> np.ndarray:
        p = np.clip(np.asarray(p_up, dtype=np.float64), 1e-6, 1 - 1e-6)
        return expit(self.slope * logit(p) + self.intercept)
