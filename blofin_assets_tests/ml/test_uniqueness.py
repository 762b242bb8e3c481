"""Sample uniqueness against hand computations, and as the models' sample weights."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.training import train_model
from blofin_assets.ml.uniqueness import average_uniqueness


def rows(hours, symbol="A"):
    return pd.DataFrame({"symbol": symbol, "timestamp": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(hours, unit="h")})


def test_three_overlapping_labels_by_hand():
    # labels at candles 0, 1, 2 spanning 3, 3 and 2 candles: 1-3, 2-4, 3-4.
    # candles 1..4 are spanned by 1, 2, 3 and 2 labels
    expected = [(1 + 1 / 2 + 1 / 3) / 3, (1 / 2 + 1 / 3 + 1 / 2) / 3, (1 / 3 + 1 / 2) / 2]
    assert average_uniqueness(rows([0, 1, 2]), [3, 3, 2]) == pytest.approx(expected, abs=1e-15)


def test_labels_across_a_gap_or_of_another_symbol_do_not_overlap():
    # two pairs of neighbours, ten hours apart: each pair overlaps within, not across
    assert average_uniqueness(rows([0, 1, 10, 11]), [3, 3, 3, 3]) == pytest.approx([2 / 3] * 4)
    both = pd.concat([rows([0, 1]), rows([0, 1], "B")], ignore_index=True)
    assert average_uniqueness(both, [2, 2, 2, 2]) == pytest.approx([0.75, 0.75, 0.75, 0.75])


def test_labels_every_candle_of_horizon_h_are_worth_one_in_h():
    u = average_uniqueness(rows(np.arange(1000)), np.full(1000, 5))
    assert u[10:-10] == pytest.approx(np.full(980, 0.2)) and u.sum() == pytest.approx(1000 / 5, rel=0.01)
    with pytest.raises(ValueError, match="at least one candle"):
        average_uniqueness(rows([0]), [0])


def test_models_train_on_uniqueness_weights_and_report_the_effective_number_of_labels(small_table):
    table, targets = small_table
    trained = train_model("direction_predictor", table, targets.horizon, {"n_estimators": 20})
    n_train = trained.training["n_train"]
    # 5-candle labels every candle: about one fifth as many independent labels as rows
    assert trained.training["n_effective"] == pytest.approx(n_train / targets.horizon, rel=0.02)
    # labels of uneven span weigh unevenly, and the trees follow the weights
    uneven = table.assign(target_direction_bars=np.where(np.arange(len(table)) % 3 == 0, 1, 5))
    reweighted = train_model("direction_predictor", uneven, targets.horizon, {"n_estimators": 20})
    assert reweighted.training["n_effective"] > trained.training["n_effective"]
    booster = lambda t: t.model.estimator_.get_booster().get_dump()  # noqa: E731
    assert booster(reweighted) != booster(trained)
