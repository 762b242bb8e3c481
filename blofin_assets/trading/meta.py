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

The replay (trading/replay.py) adds each period's meta-labeling columns (``meta_columns``) and
compares the primary alone with meta-labeled trading (``meta_comparison``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blofin_assets.trading.backtest import backtest, stitched_bars
from blofin_assets.trading.costs import CostModel
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


def meta_columns(ensemble, rows: pd.DataFrame, p_up, abstain, before: pd.DataFrame | None, rule: SizingRule, min_history: int) -> dict:
    """Per row: the primary's side, the meta-labeling member's P(win) for it, whether its profit
    barrier came first (``success``) and whether a barrier was met at all, and the positions of
    two alternatives to the primary's own sizing: always acting on its side (full size), and
    meta-labeled (sized from P(win) calibrated on earlier periods' rows that met a barrier).
    None yet (the first period): no bet. No meta-labeling member: no columns."""
    meta = next((m for m in ensemble.members.values() if m.barrier_columns), None)
    if meta is None:
        return {}
    side = sides(p_up)
    outputs = meta.ensemble_outputs(rows)
    p_win = win_probability(side, *(outputs[c].to_numpy() for c in meta.barrier_columns))
    success = succeeded(side, rows["target_first"].to_numpy())
    met = rows["target_first"].to_numpy() != 0
    if before is None or int(before["met"].sum()) < min_history:
        always = meta_target = np.zeros(len(rows))
    else:
        known = before[before["met"]]
        calibration = Calibration.fit(known["p_win"].to_numpy(), known["success"].to_numpy())
        meta_target = meta_targets(rule, calibration, side, p_win, abstain)
        always = np.where(np.asarray(abstain, dtype=bool), 0.0, side * rule.max_leverage)
    return {"side": side, "p_win": p_win, "success": success, "met": met, "always_target": always, "meta_target": meta_target}


META_STRATEGIES = {"primary, always acting": "always_target", "primary, sized from P(UP)": "target", "meta-labeled": "meta_target"}


def meta_comparison(rows: pd.DataFrame, funding: pd.DataFrame | None, rule: SizingRule, costs: CostModel, n_trials: int) -> dict | None:
    """The primary signal alone (always acting on its side; sized from its calibrated P(UP))
    beside meta-labeled, after the first period: precision, recall and F1 of the bets taken,
    and the net figures of each."""
    if "meta_target" not in rows.columns:
        return None
    later = rows[rows["period"] > rows["period"].min()]
    if later.empty:
        return None
    comparison = {}
    for name, column in META_STRATEGIES.items():
        traded = backtest(stitched_bars(later.assign(target=later[column]), funding), rule, costs, n_trials=n_trials)["pooled"]
        net = traded["net"]
        comparison[name] = {
            **trade_precision(later[column].to_numpy() != 0, later["success"].to_numpy()),
            "net_sharpe": net["sharpe"],
            "net_total_return": net["total_return"],
            "trades": net["trades"],
            "deflated_sharpe_p": traded["deflated_sharpe"]["probability"],
        }
    return comparison
