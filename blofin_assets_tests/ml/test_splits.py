import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.splits import BEFORE_WINDOW, PURGE, TEST, TRAIN, calibration_split, holdout_split, walk_forward_splits


def rows(n_per_symbol=(100, 60), shuffle=True):
    parts = [
        pd.DataFrame({"symbol": f"S{i}", "timestamp": pd.date_range("2024", periods=n, freq="1h", tz="UTC")})
        for i, n in enumerate(n_per_symbol)
    ]
    frame = pd.concat(parts, ignore_index=True)
    return frame.sample(frac=1, random_state=0) if shuffle else frame


@pytest.mark.parametrize("horizon, purge", [(1, None), (5, None), (5, 12), (24, None)])
def test_no_training_row_lies_within_the_purge_gap_before_a_test_row(horizon, purge):
    frame = rows()
    labels = holdout_split(frame, horizon=horizon, test_fraction=0.2, purge=purge)
    gap = purge or horizon
    for symbol, group in frame.assign(split=labels).groupby("symbol"):
        order = group.sort_values("timestamp").reset_index(drop=True)
        train_pos = order.index[order["split"] == TRAIN]
        test_pos = order.index[order["split"] == TEST]
        assert train_pos.max() + gap < test_pos.min()
        assert (order["split"] == PURGE).sum() == gap
        # Test rows are the newest rows: everything after the first test row is test.
        assert (order.loc[test_pos.min() :, "split"] == TEST).all()
        assert len(test_pos) == int(np.ceil(0.2 * len(order)))


def test_split_is_per_symbol_whatever_the_row_order():
    shuffled = holdout_split(rows(shuffle=True), horizon=5)
    ordered = holdout_split(rows(shuffle=False), horizon=5)
    assert shuffled.sort_index().equals(ordered.sort_index())


def test_a_rolling_window_leaves_the_older_training_rows_out():
    frame = rows((24 * 10,), shuffle=False)  # ten days of hours
    labels = holdout_split(frame, horizon=5, test_fraction=0.2, train_days=3)
    expanding = holdout_split(frame, horizon=5, test_fraction=0.2)
    train = frame[labels == TRAIN]["timestamp"]
    assert train.max() - train.min() == pd.Timedelta(days=3)  # the newest three days before the gap
    assert (frame.loc[labels == BEFORE_WINDOW, "timestamp"] < train.min()).all()
    # the purge gap and the test rows are as without a window
    assert labels[expanding != TRAIN].equals(expanding[expanding != TRAIN])
    assert set(labels[expanding == TRAIN]) == {TRAIN, BEFORE_WINDOW}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"horizon": 5, "train_days": 0}, "train_days"),
        ({"horizon": 0}, "horizon"),
        ({"horizon": 5, "purge": 3}, "at least the horizon"),
        ({"horizon": 5, "test_fraction": 1.0}, "test_fraction"),
        ({"horizon": 5, "test_days": -1}, "test_days"),
        ({"horizon": 50}, "too few"),
    ],
)
def test_bad_split_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        holdout_split(rows((60,)), **kwargs)


def test_calibration_split_takes_the_newest_rows_after_a_purge():
    frame = rows((200,), shuffle=False)
    fit, cal = calibration_split(frame, horizon=5, fraction=0.1)
    assert cal.sum() == 20 and fit.sum() == 175
    assert np.flatnonzero(fit).max() + 5 < np.flatnonzero(cal).min()


def test_calibration_split_without_keys_uses_row_order():
    fit, cal = calibration_split(pd.DataFrame({"x": range(100)}), horizon=3, fraction=0.1)
    assert cal[-10:].all() and not fit[-13:].any() and fit[:87].all()


@pytest.mark.parametrize("mode", ["expanding", "sliding"])
@pytest.mark.parametrize("n_folds, horizon, embargo", [(4, 5, 0.01), (3, 12, 0.05), (6, 1, 0.0)])
def test_walk_forward_folds_respect_purge_and_embargo_per_symbol(mode, n_folds, horizon, embargo):
    frame = rows((500, 300)).reset_index(drop=True)
    folds = walk_forward_splits(frame, horizon=horizon, n_folds=n_folds, mode=mode, embargo_fraction=embargo)
    assert [f.number for f in folds] == list(range(n_folds))
    for symbol, group in frame.groupby("symbol"):
        n = len(group)
        rank = group["timestamp"].rank(method="first").astype(int).sub(1)  # time position within symbol
        position = pd.Series(rank.to_numpy(), index=group.index)
        embargo_rows = max(1, int(np.ceil(embargo * n))) if embargo else 0
        previous_test_ends = []
        last_test_start = -1
        for fold in folds:
            train = position.reindex(frame.index[fold.train]).dropna().astype(int).to_numpy()
            test = position.reindex(frame.index[fold.test]).dropna().astype(int).to_numpy()
            assert len(test) > 0 and len(train) > 0
            # Folds are in time order: every test block starts after the previous one.
            assert test.min() > last_test_start
            last_test_start = test.min()
            # No training row within `horizon` rows before, or inside, a test block.
            assert train.max() + horizon < test.min()
            # No training row inside the embargo after an earlier test block.
            for end in previous_test_ends:
                assert not np.any((train > end) & (train <= end + embargo_rows))
            previous_test_ends.append(test.max())
        if mode == "sliding":
            sizes = [len(position.reindex(frame.index[f.train]).dropna()) for f in folds]
            assert max(sizes) <= n // (n_folds + 1)


def test_expanding_windows_grow_and_folds_never_overlap():
    frame = rows((400,), shuffle=False)
    folds = walk_forward_splits(frame, horizon=5, n_folds=4)
    sizes = [len(f.train) for f in folds]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    tests = np.concatenate([f.test for f in folds])
    assert len(tests) == len(np.unique(tests))
    assert tests.max() == len(frame) - 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_folds": 0}, "n_folds"),
        ({"mode": "random"}, "mode"),
        ({"embargo_fraction": 0.6}, "embargo_fraction"),
        ({"n_folds": 30}, "too few"),
        ({"purge": 2}, "at least the horizon"),
    ],
)
def test_bad_walk_forward_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        walk_forward_splits(rows((100,)), horizon=5, **kwargs)
