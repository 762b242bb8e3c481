"""Hyperparameter search that counts every trial and judges its best one for luck.

The search (Optuna, TPE sampler seeded, median pruner) draws each model's hyperparameters from
its class's ``search_space``. A trial is scored on TRAINING rows only, by purged cross-validation
(the walk-forward folds, or combinatorial purged CV): its score is the mean skill over the
folds, and its out-of-fold rows give a gain series (each row's improvement over the naive
baseline, scaled so its mean is the skill; see independent_gains for why rows are averaged in
runs of ``horizon``). The held-out period is never seen.

The verdict on the best trial:
- deflated Sharpe ratio of its gain series, against the best Sharpe ratio expected from as many
  trials of zero skill as were run (all of them, pruned and failed included), with their
  spread (see overfitting.py);
- probability of backtest overfitting of choosing the best of the completed trials, by
  combinatorially symmetric cross-validation on their gain series.
Its parameters are adopted only when PBO is below ``max_pbo`` and the deflated Sharpe's
probability is at least ``min_probability``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import optuna
import pandas as pd

from blofin_assets.ml.cpcv import combinatorial_purged_splits
from blofin_assets.ml.models import model_class
from blofin_assets.ml.overfitting import deflated_sharpe, probability_of_backtest_overfitting, sharpe
from blofin_assets.ml.splits import TRAIN, walk_forward_splits
from blofin_assets.ml.training import build_model

log = logging.getLogger(__name__)
CV_SCHEMES = ("walk_forward", "cpcv")


@dataclass
class TrialRecord:
    number: int
    params: dict
    fold_scores: list[float]
    score: float | None
    seconds: float
    state: str  # complete, pruned or failed
    error: str | None = None


@dataclass
class TuningResult:
    model: str
    trials: list[TrialRecord]
    best: TrialRecord | None
    verdict: dict
    adopted: bool
    gains: dict[int, np.ndarray] = field(default_factory=dict)


def cv_folds(rows: pd.DataFrame, horizon: int, scheme: str, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) positional indices of the purged folds of ``rows``."""
    if scheme == "walk_forward":
        return [(f.train, f.test) for f in walk_forward_splits(rows, horizon=horizon, n_folds=folds)]
    if scheme == "cpcv":
        return [(s.train, s.test) for s in combinatorial_purged_splits(rows, horizon=horizon, n_groups=folds, k_test=2)]
    raise ValueError(f"cv must be one of {CV_SCHEMES}, got {scheme!r}")


# Rows per run of gains, in horizons (see independent_gains).
RUN_HORIZONS = 4


def independent_gains(rows: pd.DataFrame, tested: list[np.ndarray], parts: list[np.ndarray], horizon: int) -> np.ndarray:
    """A trial's out-of-fold row gains (``parts``, for the rows at positions ``tested`` of
    ``rows``) as a series of nearly independent values: each row's gain (averaged where
    several splits test it, as CPCV's do), then per symbol in time order the mean of each run
    of RUN_HORIZONS x ``horizon`` rows.

    Neighbouring labels share h - 1 of their h candles, so row gains are correlated up to lag
    h - 1 and, taken as independent, overstate the certainty of their Sharpe ratio: on a
    random walk (h = 5) their autocorrelation was 0.22, 0.10, 0.05, 0.02 at lags 1-4 and nil
    beyond, and the t statistic of the same gains 1.40 row by row, 1.17 in runs of h, 1.09 of
    2h, 1.07 of 4h and 1.04 of 8h. Runs of 4h leave the boundary between runs as their only
    shared evidence (a few per cent of a run's variance)."""
    gains = pd.Series(np.concatenate(parts)).groupby(np.concatenate(tested)).mean()
    frame = rows.iloc[gains.index][["symbol", "timestamp"]].assign(gain=gains.to_numpy()).sort_values(["symbol", "timestamp"])
    run = frame.groupby("symbol").cumcount().to_numpy() // (RUN_HORIZONS * horizon)
    return frame.groupby([frame["symbol"].to_numpy(), run], sort=True)["gain"].mean().to_numpy()


def judge_search(trials: list[TrialRecord], gains: dict[int, np.ndarray], *, min_probability: float, max_pbo: float, pbo_blocks: int = 10) -> tuple[TrialRecord | None, dict]:
    """The best completed trial and the verdict on it, counting every trial that was run."""
    complete = [t for t in trials if t.state == "complete"]
    if not complete:
        return None, {"significant": False, "reason": "no trial completed"}
    best = max(complete, key=lambda t: t.score)
    sharpes = [sharpe(gains[t.number]) for t in complete]
    variance = float(np.var(sharpes, ddof=1)) if len(sharpes) > 1 else 0.0
    dsr = deflated_sharpe(gains[best.number], len(trials), variance)
    verdict = {"best_trial": best.number, "best_score": best.score, "n_trials": len(trials), "deflated_sharpe": dsr}
    if len(complete) >= 2:
        matrix = np.column_stack([gains[t.number] for t in complete])
        verdict["pbo"] = probability_of_backtest_overfitting(matrix, n_blocks=min(pbo_blocks, len(matrix) // 2 * 2))
    pbo = verdict.get("pbo", {}).get("pbo")
    reasons = []
    if pbo is None:
        reasons.append("one completed trial: no PBO to judge the choice by")
    elif pbo >= max_pbo:
        reasons.append(f"PBO {pbo:.2f} is at or above {max_pbo:.2f}: the in-sample best is as likely as not below the median out of sample")
    if dsr["probability"] < min_probability:
        reasons.append(
            f"deflated Sharpe probability {dsr['probability']:.3f} is below {min_probability:.2f}: after {len(trials)} "
            f"trials, the best one's skill is within what luck gives"
        )
    verdict["significant"] = not reasons
    verdict["reason"] = "; ".join(reasons) or (
        f"PBO {pbo:.2f} below {max_pbo:.2f} and deflated Sharpe probability {dsr['probability']:.3f} at least {min_probability:.2f}"
    )
    return best, verdict


def tune(
    name: str,
    table: pd.DataFrame,
    horizon: int,
    *,
    n_trials: int,
    timeout_seconds: float | None = None,
    cv: str = "walk_forward",
    folds: int = 4,
    seed: int = 0,
    min_probability: float = 0.95,
    max_pbo: float = 0.5,
    fixed: dict | None = None,
    on_trial: Callable[[TrialRecord], None] | None = None,
) -> TuningResult:
    """Search model ``name``'s hyperparameters on the training rows of ``table`` and judge the
    best trial. ``fixed``: hyperparameters every trial keeps (e.g. fewer epochs)."""
    if n_trials < 1:
        raise ValueError(f"n_trials must be at least 1, got {n_trials}")
    cls = model_class(name)
    rows = table[table["split"] == TRAIN].reset_index(drop=True)
    splits = cv_folds(rows, horizon, cv, folds)
    trials: list[TrialRecord] = []
    gains: dict[int, np.ndarray] = {}

    def objective(trial: optuna.Trial) -> float:
        params = {**(fixed or {}), **cls.search_space(trial)}
        started = time.perf_counter()
        scores, parts = [], []
        for step, (train_idx, test_idx) in enumerate(splits):
            train, test = rows.iloc[train_idx], rows.iloc[test_idx]
            model = build_model(name, params, horizon).fit(train, train[cls.target].to_numpy())
            predicted = model.predict(test)
            part = model.row_gains(test, train, predicted)
            parts.append(part)
            scores.append(float(part.mean()))
            trial.report(float(np.mean(scores)), step)
            if trial.should_prune():
                record = TrialRecord(trial.number, params, scores, None, time.perf_counter() - started, "pruned")
                trials.append(record)
                if on_trial:
                    on_trial(record)
                raise optuna.TrialPruned()
        score = float(np.mean(scores))
        gains[trial.number] = independent_gains(rows, [test for _, test in splits], parts, horizon)
        record = TrialRecord(trial.number, params, scores, score, time.perf_counter() - started, "complete")
        trials.append(record)
        if on_trial:
            on_trial(record)
        log.info("%s trial %d: skill %.4f (%.1f s)", name, trial.number, score, record.seconds)
        return score

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1),
    )
    study.optimize(objective, n_trials=n_trials, timeout=timeout_seconds, catch=(ValueError,))
    for frozen in study.trials:  # failed trials count too
        if frozen.state == optuna.trial.TrialState.FAIL and not any(t.number == frozen.number for t in trials):
            trials.append(TrialRecord(frozen.number, dict(frozen.params), [], None, 0.0, "failed", frozen.system_attrs.get("fail_reason")))
    trials.sort(key=lambda t: t.number)
    best, verdict = judge_search(trials, gains, min_probability=min_probability, max_pbo=max_pbo)
    return TuningResult(name, trials, best, verdict, bool(verdict["significant"]), gains)
