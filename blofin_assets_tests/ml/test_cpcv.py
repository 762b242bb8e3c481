"""Combinatorial purged CV: every split purged and embargoed, paths that recombine every group."""

from math import comb

import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.cpcv import backtest_paths, combinatorial_purged_splits


def frame(n_per_symbol=600):
    t = pd.date_range("2024-01-01", periods=n_per_symbol, freq="1h", tz="UTC")
    return pd.DataFrame({"symbol": np.repeat(["A", "B"], n_per_symbol), "timestamp": np.tile(t, 2)}).sample(frac=1, random_state=0)


@pytest.mark.parametrize("n_groups, k_test", [(6, 2), (5, 1), (8, 3)])
def test_no_training_row_lies_within_the_purge_or_embargo_of_a_test_row(n_groups, k_test):
    rows, horizon, embargo_fraction = frame(), 5, 0.02
    splits = combinatorial_purged_splits(rows, horizon=horizon, n_groups=n_groups, k_test=k_test, embargo_fraction=embargo_fraction)
    assert len(splits) == comb(n_groups, k_test)
    embargo = int(np.ceil(embargo_fraction * 600))
    for split in splits:
        assert not set(split.train) & set(split.test)
        for symbol in ("A", "B"):
            mine = rows.iloc[np.arange(len(rows))]
            order = mine["symbol"].to_numpy() == symbol
            # Positions in the symbol's own time order.
            position = pd.Series(np.arange(600), index=mine.loc[order].sort_values("timestamp").index)
            train = position.reindex(rows.index[split.train]).dropna().to_numpy()
            test = position.reindex(rows.index[split.test]).dropna().to_numpy()
            gaps = train[:, None] - test[None, :]
            # Before a test row: at least `horizon` rows away; after: at least horizon + embargo.
            assert not ((gaps < 0) & (gaps >= -horizon)).any()
            assert not ((gaps > 0) & (gaps <= horizon + embargo)).any()


def test_the_paths_take_every_group_once_from_a_split_that_tested_it():
    splits = combinatorial_purged_splits(frame(), horizon=5, n_groups=6, k_test=2)
    paths = backtest_paths(splits, 6)
    assert len(paths) == comb(5, 1)  # C(N-1, k-1)
    for path in paths:
        assert sorted(path) == list(range(6))
        assert all(group in splits[number].test_groups for group, number in path.items())
    # Every split serves each of its test groups in exactly one path.
    used = sorted((number, group) for path in paths for group, number in path.items())
    assert used == sorted((s.number, g) for s in splits for g in s.test_groups)


def test_too_few_rows_or_bad_settings_are_refused():
    with pytest.raises(ValueError, match="too few for 6 groups"):
        combinatorial_purged_splits(frame(40), horizon=5)
    with pytest.raises(ValueError, match="k_test"):
        combinatorial_purged_splits(frame(), horizon=5, n_groups=4, k_test=4)
    with pytest.raises(ValueError, match="purge gap"):
        combinatorial_purged_splits(frame(), horizon=5, purge=2)
