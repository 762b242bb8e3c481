"""Meta-labeling in the trading layer: the primary signal picks the side, the meta-labeling
model's probability that a trade on that side reaches its profit barrier before its stop
decides whether to act and how large; and the precision of the trades taken.

A row's bet is on the primary's side (long when P(UP) > 0.5, short below). It succeeded when
its profit barrier came first: the upper for a long, the lower for a short (both in one bar,
or neither by the horizon: not a success; see market/targets.py). The bet is judged by the
trades that end at a barrier: P(win) = P(profit barrier first) / (P(upper first) + P(lower
first)), the meta model's odds of the profit barrier against the stop. Calibrated on earlier
rows that met a barrier and what they met, it sizes the bet with the backtest's rule
(2 Phi(z) - 1), and no bet where it is at most 0.5.
"""

from __future__ import annotations

import numpy as np

from blofin_assets.trading.sizing import Calibration, SizingRule


def sides(p_up) -> np.ndarray:
    """The primary's side per row: +1 long, -1 short, 0 at exactly 0.5."""
    return np.sign(np.asarray(p_up, dtype=np.float64) - 0.5)


def win_probability(side, p_upper, p_lower) -> np.ndarray:
    """P(the side's profit barrier before its stop), among trades that meet one: P(upper first)
    over P(upper or lower first) for a long, P(lower first) over it for a short; 0.5 without a side."""
    side, p_upper, p_lower = np.asarray(side), np.asarray(p_upper, dtype=np.float64), np.asarray(p_lower, dtype=np.float64)
    either = np.maximum(p_upper + p_lower, 1e-12)
    return np.where(side > 0, p_upper / either, np.where(side < 0, p_lower / either, 0.5))


def succeeded(side, target_first) -> np.ndarray:
    """Whether the side's profit barrier came first (target_first: 1 upper, 2 lower, 0 neither)."""
    side, first = np.asarray(side), np.asarray(target_first)
    return ((side > 0) & (first == 1)) | ((side < 0) & (first == 2))


def meta_targets(rule: SizingRule, calibration: Calibration, side, p_win, abstain) -> np.ndarray:
    """Positions on the primary's side, sized from the calibrated P(win); flat where that is
    at most 0.5 (the meta model says the trade is not worth taking)."""
    size = np.maximum(rule.sizes(calibration.apply(p_win), abstain), 0.0)
    return np.asarray(side, dtype=np.float64) * size


def trade_precision(acted, success) -> dict:
    """Precision, recall and F1 of the bets taken (``acted``) against the bets that succeeded."""
    acted, success = np.asarray(acted, dtype=bool), np.asarray(success, dtype=bool)
    hits = int((acted & success).sum())
    precision = hits / acted.sum() if acted.any() else None
    recall = hits / success.sum() if success.any() else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    return {"bets": int(acted.sum()), "precision": precision, "recall": recall, "f1": f1, "success_rate": float(success.mean()) if len(success) else None}
