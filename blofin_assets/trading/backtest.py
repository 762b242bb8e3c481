"""The costed, sized backtest of a signal per symbol, beside buy-and-hold, and the choice of its
threshold on out-of-fold training rows.

For each symbol the ledger runs twice on the same target sizes: with fees, slippage and
funding (net) and without (gross); buy-and-hold (long 1x from the first close to the last)
likewise. The pooled figures are those of equal capital in every symbol. The threshold
(``min_edge``: flat where the calibrated |P(UP) - 0.5| is at most it) is chosen on out-of-fold
P(UP) of the training rows, where the ensemble's own choices were made, and the held-out period
only reports it; every candidate counts as a trial in the deflated Sharpe ratio.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from blofin_assets.trading.costs import CostModel, funding_per_bar
from blofin_assets.trading.ledger import Ledger, run_ledger
from blofin_assets.trading.report import curve_figures, deflated, performance, pooled_curve, signal_quality
from blofin_assets.trading.sizing import Calibration, SizingRule

# min_edge candidates, in calibrated probability: trade everything, then ever larger edges.
EDGE_CANDIDATES = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05)
NO_FUNDING = "no funding data: rate 0 assumed"


@dataclass
class SymbolBars:
    """One symbol's rows to trade, in time order: candle open ``times`` of bars of length
    ``bar``, ``close``, ``atr`` (ATR / close), the funding rates settled during each bar (n - 1),
    the signal's ``p_up`` and ``abstain``, the ``forward_return`` ln(close[t+h] / close[t]),
    and, where decided already (the replay, period by period), the ``target`` positions."""

    symbol: str
    times: pd.DatetimeIndex
    bar: pd.Timedelta
    close: np.ndarray
    atr: np.ndarray
    funding: np.ndarray
    funding_source: str
    p_up: np.ndarray
    abstain: np.ndarray
    forward_return: np.ndarray
    target: np.ndarray | None = None

    @property
    def close_times(self) -> pd.DatetimeIndex:
        return self.times + self.bar


def symbol_bars(rows: pd.DataFrame, p_up, abstain, funding: pd.DataFrame | None, target=None) -> list[SymbolBars]:
    """Per symbol, the rows (symbol, timestamp, close, atr, target_price) with their signal (and
    target positions, if decided) and the funding rates of ``funding`` (symbol, timestamp, rate,
    source) settled over each bar."""
    frame = rows[["symbol", "timestamp", "close", "atr", "target_price"]].assign(
        p_up=np.asarray(p_up, dtype=np.float64),
        abstain=np.broadcast_to(np.asarray(abstain, dtype=bool), (len(rows),)),
        target=np.nan if target is None else np.asarray(target, dtype=np.float64),
    )
    out = []
    for symbol, group in frame.groupby("symbol", sort=True):
        group = group.sort_values("timestamp")
        times = pd.DatetimeIndex(group["timestamp"])
        bar = pd.Series(times).diff().median() if len(times) > 1 else pd.Timedelta("1h")
        rates = funding[funding["symbol"] == symbol] if funding is not None else pd.DataFrame()
        settlements = pd.Series(rates["rate"].to_numpy(dtype=np.float64), index=pd.DatetimeIndex(rates["timestamp"])) if len(rates) else pd.Series(dtype=np.float64)
        source = "; ".join(sorted(set(rates["source"]))) if len(rates) else NO_FUNDING
        close = group["close"].to_numpy(dtype=np.float64)
        out.append(
            SymbolBars(
                symbol=str(symbol),
                times=times,
                bar=bar,
                close=close,
                atr=group["atr"].to_numpy(dtype=np.float64),
                funding=funding_per_bar(times + bar, settlements),
                funding_source=source,
                p_up=group["p_up"].to_numpy(),
                abstain=group["abstain"].to_numpy(),
                forward_return=np.log(group["target_price"].to_numpy(dtype=np.float64) / close),
                target=None if target is None else group["target"].to_numpy(),
            )
        )
    return out


def targets_of(rule: SizingRule, calibration: Calibration, p_up, abstain) -> np.ndarray:
    """Target positions from P(UP): calibrated, then sized (the backtest's and the replay's)."""
    return rule.sizes(calibration.apply(p_up), abstain)


def ledgers(bars: SymbolBars, rule: SizingRule, costs: CostModel, calibration: Calibration) -> dict[str, Ledger]:
    """The strategy's and buy-and-hold's ledgers, with costs (net) and without (gross): its
    targets decided already, or sized now from the calibrated P(UP)."""
    target = bars.target if bars.target is not None else targets_of(rule, calibration, bars.p_up, bars.abstain)
    hold = np.ones(len(bars.close))
    free = np.zeros(len(bars.funding))
    slippage = costs.slippage(bars.atr)
    return {
        "net": run_ledger(bars.close, target, fee=costs.fee, slippage=slippage, funding=bars.funding),
        "gross": run_ledger(bars.close, target, fee=0.0, slippage=0.0, funding=free),
        "hold_net": run_ledger(bars.close, hold, fee=costs.fee, slippage=slippage, funding=bars.funding),
        "hold_gross": run_ledger(bars.close, hold, fee=0.0, slippage=0.0, funding=free),
    }


def _curve(bars: SymbolBars, ledger: Ledger) -> pd.Series:
    """The ledger's equity by time: 1 just before the first close, then after each close."""
    index = pd.DatetimeIndex([bars.close_times[0] - pd.Timedelta(1, "ns"), *bars.close_times])
    return pd.Series(ledger.curve, index=index)


def pooled_net_sharpe(bars: list[SymbolBars], rule: SizingRule, costs: CostModel, calibration: Calibration) -> float | None:
    """The Sharpe ratio of equal capital in every symbol, with costs: what a threshold is
    chosen by."""
    curves = {}
    for b in bars:
        target = targets_of(rule, calibration, b.p_up, b.abstain)
        curves[b.symbol] = _curve(b, run_ledger(b.close, target, fee=costs.fee, slippage=costs.slippage(b.atr), funding=b.funding))
    return curve_figures(pooled_curve(curves), bars[0].bar)["sharpe"]


def choose_min_edge(bars: list[SymbolBars], rule: SizingRule, costs: CostModel, calibration: Calibration) -> tuple[SizingRule, list[dict]]:
    """The rule with the ``min_edge`` of EDGE_CANDIDATES whose pooled net Sharpe ratio on
    ``bars`` (out-of-fold training rows) is highest; flat for good (min_edge inf) when none
    is above 0: on the rows it could learn from, no threshold paid its costs."""
    tried = [
        {"min_edge": edge, "net_sharpe": pooled_net_sharpe(bars, dataclasses.replace(rule, min_edge=edge), costs, calibration)}
        for edge in EDGE_CANDIDATES
    ]
    scored = [t for t in tried if t["net_sharpe"] is not None]
    best = max(scored, key=lambda t: t["net_sharpe"], default=None)
    edge = best["min_edge"] if best is not None and best["net_sharpe"] > 0 else float("inf")
    return dataclasses.replace(rule, min_edge=edge), tried


def backtest(bars: list[SymbolBars], rule: SizingRule, costs: CostModel, *, n_trials: int, calibration: Calibration = Calibration()) -> dict:
    """Per symbol and pooled: the signal's IC (of P(UP) as the signal gives it), the
    strategy's (sized from ``calibration`` of it) and buy-and-hold's figures with and without
    costs, the costs, and the deflated Sharpe ratio after ``n_trials`` tries."""
    per_symbol, curves, trades, equity = {}, {kind: {} for kind in ("net", "gross", "hold_net", "hold_gross")}, [], {}
    for b in bars:
        books = ledgers(b, rule, costs, calibration)
        figures = {kind: performance(ledger, b.close, b.bar) for kind, ledger in books.items()}
        for kind, ledger in books.items():
            curves[kind][b.symbol] = _curve(b, ledger)
        trades += books["net"].trades
        per_symbol[b.symbol] = {
            **figures,
            "signal": signal_quality(b.p_up - 0.5, b.forward_return, b.times),
            "funding_source": b.funding_source,
            "start": b.times[0].isoformat(),
            "end": b.times[-1].isoformat(),
            "deflated_sharpe": deflated(books["net"].returns, n_trials),
        }
        equity[b.symbol] = {kind: books[kind].curve.tolist() for kind in ("net", "gross", "hold_net")}
    bar = bars[0].bar
    pooled = {kind: curve_figures(pooled_curve(c), bar) for kind, c in curves.items()}
    net_returns = pooled["net"].pop("returns")
    for figures in pooled.values():
        figures.pop("returns", None)
    symbols = list(per_symbol.values())
    pooled["net"].update(
        {
            "fees": float(np.mean([s["net"]["fees"] for s in symbols])),
            "slippage": float(np.mean([s["net"]["slippage"] for s in symbols])),
            "funding": float(np.mean([s["net"]["funding"] for s in symbols])),
            "trades": int(sum(s["net"]["trades"] for s in symbols)),
            "hit_rate": float(np.mean([t["pnl"] > 0 for t in trades])) if trades else None,
            "exposure": float(np.mean([s["net"]["exposure"] for s in symbols])),
            "turnover_per_day": _mean_of([s["net"]["turnover_per_day"] for s in symbols]),
        }
    )
    everything = pd.concat([pd.DataFrame({"s": b.p_up - 0.5, "f": b.forward_return, "t": b.times}) for b in bars])
    pooled["signal"] = signal_quality(everything["s"], everything["f"], everything["t"])
    pooled["deflated_sharpe"] = deflated(net_returns, n_trials)
    return {
        "rule": dataclasses.asdict(rule),
        "rule_text": rule.describe(),
        "costs": dataclasses.asdict(costs),
        "costs_text": costs.describe(),
        "n_trials": int(n_trials),
        "per_symbol": per_symbol,
        "pooled": pooled,
        "equity": equity,
    }


def _mean_of(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def trade_signal(
    held_out: list[SymbolBars],
    out_of_fold: list[SymbolBars] | None,
    rule: SizingRule,
    costs: CostModel,
    *,
    prior_trials: int,
    min_edge: float | None = None,
    calibrate: bool = True,
) -> dict:
    """The backtest of ``held_out`` with P(UP) calibrated (unless not ``calibrate``), and
    ``min_edge`` chosen (unless given), on the ``out_of_fold`` training rows; ``prior_trials``:
    the tries made before (tuning trials, ensemble types), to which the threshold candidates
    are added."""
    calibration, tried = Calibration(), []
    if out_of_fold and calibrate:
        p = np.concatenate([b.p_up for b in out_of_fold])
        calibration = Calibration.fit(p, np.concatenate([b.forward_return for b in out_of_fold]) > 0)
    if min_edge is not None:
        rule = dataclasses.replace(rule, min_edge=min_edge)
        threshold = "set in run config"
    elif out_of_fold:
        rule, tried = choose_min_edge(out_of_fold, rule, costs, calibration)
        threshold = "the candidate with the best pooled net Sharpe ratio on out-of-fold training rows"
        if not np.isfinite(rule.min_edge):
            threshold += (
                ": no candidate made money after costs there, so the strategy stays flat"
                if any(t["net_sharpe"] is not None for t in tried)
                else ": no candidate traded there (calibrated P(UP) never far enough from 0.5 for the smallest size), so the strategy stays flat"
            )
    else:
        threshold = "no out-of-fold rows to choose it on: every edge trades"
    report = backtest(held_out, rule, costs, n_trials=prior_trials + max(1, len(tried)), calibration=calibration)
    report["calibration"] = {**dataclasses.asdict(calibration), "text": calibration.describe()}
    report["threshold"] = {"chosen_by": threshold, "candidates": tried}
    return report


def stitched_bars(rows: pd.DataFrame | None, funding: pd.DataFrame | None) -> list[SymbolBars]:
    """The periods' rows so far as one series per symbol, with their decided targets."""
    if rows is None or rows.empty:
        return []
    return symbol_bars(rows, rows["p_up"].to_numpy(), rows["abstain"].to_numpy(), funding, rows["target"].to_numpy())
