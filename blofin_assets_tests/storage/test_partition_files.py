"""Per-symbol partitions as Parquet: what was written comes back, and no file runs code."""

import pickle

import pandas as pd
import pytest

from blofin_assets.market.features import compute_features
from blofin_assets.ml.dataset import build_targets
from blofin_assets.storage.partition_files import decode_part, encode_part


def test_candles_features_and_targets_come_back_as_they_were(small_candles):
    candles = small_candles[small_candles["symbol"] == "BTC-USDT"].reset_index(drop=True)
    features = compute_features(candles)
    targets = build_targets(candles, features, horizon=5)
    for frame in (candles, features):
        pd.testing.assert_frame_equal(decode_part(encode_part(frame)), frame)
    back = decode_part(encode_part(targets))
    pd.testing.assert_frame_equal(back.frame, targets.frame)
    assert back.scales == targets.scales and back.horizon == targets.horizon and back.holdout == targets.holdout
    assert str(back.frame["timestamp"].dt.tz) == "UTC"


class Planted:
    """A pickle that creates a file when it is loaded (as the old pickle partitions would)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_pickle_in_place_of_a_partition_is_refused_without_running(tmp_path):
    pickle.loads(pickle.dumps(Planted(tmp_path / "control")))
    assert (tmp_path / "control").exists()  # the payload is live
    marker = tmp_path / "code-ran"
    with pytest.raises(Exception, match="Parquet magic bytes not found"):
        decode_part(pickle.dumps(Planted(marker)))
    assert not marker.exists()
