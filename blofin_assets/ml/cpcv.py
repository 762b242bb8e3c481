"""Combinatorial purged cross-validation (López de Prado, Advances in Financial Machine Learning,
ch. 12), per symbol.

Each symbol's rows are cut into ``n_groups`` groups in time order. Every combination of
``k_test`` groups is one split: those groups are its test rows; its training rows are all other
rows except the ``purge`` rows (default and minimum: the horizon) on each side of every test
group, whose labels overlap the test period or are overlapped by it, and the ``embargo`` rows
after every test group, whose features were computed from test-period candles. Splits of all
symbols with the same combination are pooled into one.

The C(N, k) splits recombine into C(N-1, k-1) backtest paths: each path takes every group once,
from a split that tested it, so every path is a full out-of-sample history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from blofin_assets.ml.splits import resolve_purge


@dataclass(frozen=True)
class CombinatorialSplit:
    """One split: which groups it tests, and positional row indices into the frame."""

    number: int
    test_groups: tuple[int, ...]
    train: np.ndarray
    test: np.ndarray


def _group_bounds(n: int, n_groups: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, n, n_groups + 1).astype(int)
    return list(zip(edges[:-1], edges[1:]))


def combinatorial_purged_splits(
    frame: pd.DataFrame,
    *,
    horizon: int,
    n_groups: int = 6,
    k_test: int = 2,
    embargo_fraction: float = 0.01,
    purge: int | None = None,
) -> list[CombinatorialSplit]:
    """The C(n_groups, k_test) splits of ``frame`` (columns symbol, timestamp)."""
    if not 1 <= k_test < n_groups:
        raise ValueError(f"k_test must be in [1, n_groups), got k_test={k_test}, n_groups={n_groups}")
    if not 0.0 <= embargo_fraction < 0.5:
        raise ValueError(f"embargo_fraction must be in [0, 0.5), got {embargo_fraction}")
    purge = resolve_purge(horizon, purge)
    combos = list(combinations(range(n_groups), k_test))
    train_parts: list[list[np.ndarray]] = [[] for _ in combos]
    test_parts: list[list[np.ndarray]] = [[] for _ in combos]
    positions = pd.Series(np.arange(len(frame)), index=frame.index)
    for symbol, group in frame.groupby("symbol", sort=True):
        order = positions.loc[group.sort_values("timestamp").index].to_numpy()
        n = len(order)
        bounds = _group_bounds(n, n_groups)
        embargo = max(1, math.ceil(embargo_fraction * n)) if embargo_fraction > 0 else 0
        if min(end - start for start, end in bounds) <= 2 * purge + embargo:
            raise ValueError(
                f"symbol {symbol}: {n} rows are too few for {n_groups} groups with a purge of {purge} "
                f"on each side and an embargo of {embargo}"
            )
        for c, tested in enumerate(combos):
            allowed = np.ones(n, dtype=bool)
            is_test = np.zeros(n, dtype=bool)
            for g in tested:
                start, end = bounds[g]
                is_test[start:end] = True
                allowed[max(0, start - purge) : min(n, end + purge + embargo)] = False
            train_parts[c].append(order[allowed])
            test_parts[c].append(order[is_test])
    return [
        CombinatorialSplit(c, tested, np.sort(np.concatenate(train_parts[c])), np.sort(np.concatenate(test_parts[c])))
        for c, tested in enumerate(combos)
    ]


def backtest_paths(splits: list[CombinatorialSplit], n_groups: int) -> list[dict[int, int]]:
    """The backtest paths: for each path, group -> the split whose test rows supply it."""
    testing = {g: [s.number for s in splits if g in s.test_groups] for g in range(n_groups)}
    n_paths = len(testing[0])
    if any(len(numbers) != n_paths for numbers in testing.values()):
        raise ValueError("splits do not test every group equally often: not a full combinatorial set")
    return [{g: testing[g][p] for g in range(n_groups)} for p in range(n_paths)]
