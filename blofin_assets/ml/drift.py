"""Distribution drift of features between a model's training window and a recent window.

PSI (population stability index): cut the training values at their deciles (10 bins), then
    PSI = sum over bins of (recent share - training share) * ln(recent share / training share)
with shares floored at 1e-4 so an empty bin stays finite. Common reading: < 0.1 stable,
0.1-0.2 moderate, > 0.2 a real shift (the default threshold).
KS: the two-sample Kolmogorov-Smirnov statistic, the largest gap between the two empirical
distribution functions (0 = same, 1 = disjoint).
A model's data has drifted when at least ``drifted_share`` of its features have PSI above the
threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PSI_FLOOR = 1e-4


def psi(expected, actual, bins: int = 10) -> float:
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    if len(expected) == 0 or len(actual) == 0:
        raise ValueError("PSI needs values in both windows")
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1]))
    # side="right": a value equal to an edge falls in the bin above it, in both windows alike.
    expected_share = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=len(edges) + 1) / len(expected)
    actual_share = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=len(edges) + 1) / len(actual)
    expected_share = np.maximum(expected_share, PSI_FLOOR)
    actual_share = np.maximum(actual_share, PSI_FLOOR)
    return float(np.sum((actual_share - expected_share) * np.log(actual_share / expected_share)))


def ks_statistic(expected, actual, *, expected_sorted: bool = False) -> float:
    """The two-sample KS statistic, as scipy's ``ks_2samp`` gives it: between two of the recent
    window's sorted values its distribution function is flat, so the largest gap lies at a
    recent value or just before one, and only those few values are placed in the training
    window. ``ks_2samp`` places every value of both windows in each: at 1M candles it took 7.9
    of feature_drift's 10.5 s. A test compares both."""
    expected = np.asarray(expected, dtype=np.float64).ravel()
    expected = expected if expected_sorted else np.sort(expected)
    actual = np.sort(np.asarray(actual, dtype=np.float64).ravel())
    if len(expected) == 0 or len(actual) == 0:
        raise ValueError("KS needs values in both windows")
    if np.isnan(expected[-1]) or np.isnan(actual[-1]):  # NaN sorts last
        return float("nan")
    n, m = len(expected), len(actual)
    at = np.abs(np.searchsorted(expected, actual, side="right") / n - np.searchsorted(actual, actual, side="right") / m)
    before = np.abs(np.searchsorted(expected, actual, side="left") / n - np.searchsorted(actual, actual, side="left") / m)
    return float(max(at.max(), before.max()))


def feature_drift(
    training: pd.DataFrame,
    recent: pd.DataFrame,
    features: list[str],
    *,
    psi_threshold: float = 0.2,
    drifted_share: float = 0.5,
    measured: dict | None = None,
) -> dict:
    """PSI and KS per feature, and whether the model's data drifted as a whole. ``measured``:
    the (PSI, KS) of features already measured on these same two windows (another model's),
    reused and added to."""
    measured = {} if measured is None else measured
    per_feature = {}
    for feature in features:
        if feature not in measured:
            expected = np.sort(training[feature].to_numpy(dtype=np.float64))  # once, for both figures
            measured[feature] = (psi(expected, recent[feature]), ks_statistic(expected, recent[feature], expected_sorted=True))
        value, ks = measured[feature]
        per_feature[feature] = {"psi": value, "ks": ks, "drifted": value > psi_threshold}
    share = float(np.mean([f["drifted"] for f in per_feature.values()])) if per_feature else 0.0
    return {
        "features": per_feature,
        "drifted_share": share,
        "max_psi": max((f["psi"] for f in per_feature.values()), default=0.0),
        "drifted": share >= drifted_share,
        "psi_threshold": psi_threshold,
        "drifted_share_threshold": drifted_share,
        "n_training": int(len(training)),
        "n_recent": int(len(recent)),
    }
