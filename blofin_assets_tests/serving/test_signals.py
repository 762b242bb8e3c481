"""Signals for the newest candle of each symbol."""

import pandas as pd
import pytest

from blofin_assets.market.schema import CandleDataError
from blofin_assets.serving.signals import newest_rows


def test_the_newest_row_of_each_symbol_and_only_the_asked_ones():
    stamps = pd.date_range("2024-01-01", periods=3, freq="1h", tz="UTC")
    features = pd.DataFrame({"symbol": ["B", "A", "B", "A", "B", "A"], "timestamp": stamps.repeat(2), "x": range(6)})
    rows = newest_rows(features)
    assert list(rows["symbol"]) == ["A", "B"] and list(rows["x"]) == [5, 4]
    assert list(newest_rows(features, ["B"])["x"]) == [4]
    with pytest.raises(CandleDataError, match=r"unknown symbol\(s\) \['C'\]; available: \['A', 'B'\]"):
        newest_rows(features, ["C"])


def test_every_signal_says_what_its_p_up_is_and_votings_is_the_share_of_votes(small_table, tmp_path):
    import numpy as np

    from blofin_assets.ml.ensemble import EnsemblePredictor
    from blofin_assets.serving.signals import compute_signals
    from blofin_assets_tests.conftest import store_all_models

    table, _ = small_table
    store = store_all_models(small_table, tmp_path / "models")
    rows = table[table["split"] == "test"].head(20)
    meanings = set()
    for kind in ("weighted_avg", "voting"):
        ensemble = EnsemblePredictor(kind)
        for name in ("direction_predictor", "price_predictor", "meta_labeler", "risk_scorer"):
            stored = store.load(name)
            ensemble.add_model(stored.model, 0.5, stored.version)
        payloads = compute_signals(ensemble, rows, horizon=5, source="test").payloads
        meanings.add(payloads[0]["ensemble"]["p_up_meaning"])
        if kind == "voting":
            assert "share of directional members voting UP" in payloads[0]["ensemble"]["p_up_meaning"]
            voters = ensemble.member_outputs(rows)[list(ensemble.signal_members.values())].to_numpy()
            np.testing.assert_allclose([p["ensemble"]["p_up"] for p in payloads], (voters > 0.5).mean(axis=1))
    assert len(meanings) == 2
