"""How much of a search's best result is luck: the deflated Sharpe ratio and the probability of
backtest overfitting.

Probabilistic Sharpe ratio (Bailey and López de Prado, 2012): the probability that the true
Sharpe ratio of a strategy is above ``benchmark``, given its observed per-period Sharpe ratio
SR over T returns of skewness g3 and (non-excess) kurtosis g4:

    PSR = Phi( (SR - benchmark) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2) )

Deflated Sharpe ratio (Bailey and López de Prado, 2014): the PSR against the best Sharpe ratio
expected from N trials of zero true skill, whose Sharpe ratios vary with variance V:

    SR0 = sqrt(V) ((1 - e) Phi^-1(1 - 1/N) + e Phi^-1(1 - 1/(N exp(1)))),   e = Euler's 0.5772...

Probability of backtest overfitting (Bailey, Borwein, López de Prado and Zhu, 2015), by
combinatorially symmetric cross-validation: the T x N matrix of per-period performance of N
configurations is cut into S blocks; for every half of the blocks taken as in-sample, the
configuration best in-sample is ranked among all N out-of-sample; PBO is the share of halves
where that rank is at or below the median (logit <= 0).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy.stats import kurtosis, norm, skew

EULER_GAMMA = 0.5772156649015329


def sharpe(returns) -> float:
    """Per-period Sharpe ratio: mean over standard deviation (0 when constant)."""
    returns = np.asarray(returns, dtype=np.float64)
    std = returns.std(ddof=1) if len(returns) > 1 else 0.0
    return float(returns.mean() / std) if std > 0 else 0.0


def probabilistic_sharpe(sr: float, n: int, skewness: float, kurt: float, benchmark: float = 0.0) -> float:
    """P(true Sharpe > benchmark) for an observed per-period Sharpe ``sr`` over ``n`` returns."""
    if n < 2:
        raise ValueError(f"need at least 2 returns, got {n}")
    denominator = 1.0 - skewness * sr + (kurt - 1.0) / 4.0 * sr**2
    if denominator <= 0:
        raise ValueError("the returns' skewness and kurtosis leave no variance for the Sharpe ratio")
    return float(norm.cdf((sr - benchmark) * np.sqrt(n - 1) / np.sqrt(denominator)))


def expected_max_sharpe(n_trials: int, variance: float) -> float:
    """SR0: the best per-period Sharpe ratio expected among ``n_trials`` of zero skill."""
    if n_trials < 1:
        raise ValueError(f"n_trials must be at least 1, got {n_trials}")
    if n_trials == 1:
        return 0.0
    return float(
        np.sqrt(variance)
        * ((1 - EULER_GAMMA) * norm.ppf(1 - 1.0 / n_trials) + EULER_GAMMA * norm.ppf(1 - 1.0 / (n_trials * np.e)))
    )


def deflated_sharpe(returns, n_trials: int, trial_sharpe_variance: float) -> dict:
    """The deflated Sharpe ratio of the selected strategy's per-period ``returns``, after
    ``n_trials`` trials whose Sharpe ratios had variance ``trial_sharpe_variance``."""
    returns = np.asarray(returns, dtype=np.float64)
    sr = sharpe(returns)
    g3 = float(skew(returns)) if returns.std() > 0 else 0.0
    g4 = float(kurtosis(returns, fisher=False)) if returns.std() > 0 else 3.0
    sr0 = expected_max_sharpe(n_trials, trial_sharpe_variance)
    return {
        "sharpe": sr,
        "expected_max_sharpe": sr0,
        "n_trials": int(n_trials),
        "trial_sharpe_variance": float(trial_sharpe_variance),
        "n_returns": int(len(returns)),
        "skewness": g3,
        "kurtosis": g4,
        "probability": probabilistic_sharpe(sr, len(returns), g3, g4, benchmark=sr0),
    }


def probability_of_backtest_overfitting(performance, n_blocks: int = 16) -> dict:
    """PBO of choosing, in-sample, the best of the N columns of ``performance`` (T x N per-period
    results, higher is better; each block's performance is its columns' Sharpe ratio)."""
    matrix = np.asarray(performance, dtype=np.float64)
    rows, configurations = matrix.shape
    if configurations < 2:
        raise ValueError("PBO needs at least two configurations")
    if n_blocks % 2 or n_blocks < 2:
        raise ValueError(f"n_blocks must be even and at least 2, got {n_blocks}")
    if rows < n_blocks:
        raise ValueError(f"{rows} periods are too few for {n_blocks} blocks")
    blocks = np.array_split(np.arange(rows), n_blocks)
    logits = []
    for chosen in combinations(range(n_blocks), n_blocks // 2):
        inside = np.concatenate([blocks[b] for b in chosen])
        outside = np.concatenate([blocks[b] for b in range(n_blocks) if b not in chosen])
        in_sample = np.array([sharpe(matrix[inside, c]) for c in range(configurations)])
        out_sample = np.array([sharpe(matrix[outside, c]) for c in range(configurations)])
        best = int(np.argmax(in_sample))
        # Relative rank of the in-sample best out of sample, in (0, 1); ties share their rank.
        rank = (np.sum(out_sample < out_sample[best]) + 0.5 * (np.sum(out_sample == out_sample[best]) - 1) + 1) / (configurations + 1)
        logits.append(np.log(rank / (1 - rank)))
    logits = np.array(logits)
    return {"pbo": float(np.mean(logits <= 0)), "splits": int(len(logits)), "median_logit": float(np.median(logits))}
