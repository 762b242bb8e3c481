"""Stacking must learn from out-of-fold member outputs: in-sample ones make it optimistic."""

import numpy as np
import pytest

from blofin_assets.market.features import compute_features
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.ml.dataset import build_targets, model_table
from blofin_assets.ml.ensemble.build import out_of_fold_training_rows
from blofin_assets.ml.ensemble.members import all_member_outputs, stacking_features
from blofin_assets.ml.ensemble.stacking import fit_meta_learner, meta_p_up
from blofin_assets.ml.models import model_names
from blofin_assets.ml.training import train_model
from blofin_assets.ml.walk_forward import walk_forward_evaluation

PARAMS = {"price_predictor": {"epochs": 10}}


def accuracy(p_up, y):
    return float(np.mean((p_up > 0.5) == np.asarray(y)))


@pytest.fixture(scope="module")
def stacked():
    candles = SyntheticMarket(symbols=("BTC-USDT", "SOL-USDT"), candles_per_symbol=3000, seed=11).generate()
    features = compute_features(candles)
    table = model_table(features, build_targets(candles, features))
    train, test = table[table["split"] == "train"], table[table["split"] == "test"]
    members = [train_model(name, table, 5, PARAMS.get(name)).model for name in model_names()]
    in_sample = all_member_outputs(members, train)
    held_out = all_member_outputs(members, test)
    # Out-of-fold: walk-forward over the training rows only; each row scored by fold models
    # that never trained on it.
    oof = None
    for name in model_names():
        fold_outputs = walk_forward_evaluation(name, PARAMS.get(name, {}), train, 5, n_folds=3).oof
        oof = fold_outputs if oof is None else oof.merge(fold_outputs, on=["symbol", "timestamp"])
    oof = out_of_fold_training_rows(oof, table)
    return train, test, in_sample, held_out, oof, stacking_features(members)


def test_in_sample_stacking_is_optimistic_and_out_of_fold_stacking_is_not(stacked):
    train, test, in_sample, held_out, oof, columns = stacked
    naive = fit_meta_learner(in_sample, train["target_direction"], columns)
    honest = fit_meta_learner(oof, oof["target_direction"], columns)
    naive_estimate = accuracy(meta_p_up(naive, in_sample, columns), train["target_direction"])
    naive_real = accuracy(meta_p_up(naive, held_out, columns), test["target_direction"])
    honest_estimate = accuracy(meta_p_up(honest, oof, columns), oof["target_direction"])
    honest_real = accuracy(meta_p_up(honest, held_out, columns), test["target_direction"])
    # In-sample member outputs are near-memorised labels: the meta-learner trusts them and
    # promises an accuracy the held-out period does not give.
    assert naive_estimate - naive_real > 0.2
    assert abs(honest_estimate - honest_real) < 0.06
    # It learned to lean on the overfit direction member far more than the honest one does.
    weight = columns.index("p_up")
    assert naive[-1].coef_[0, weight] > 3 * abs(honest[-1].coef_[0, weight])


def test_out_of_fold_rows_are_training_rows_only(stacked):
    train, test, _, _, oof, _ = stacked
    assert len(oof) > 0
    assert oof["timestamp"].max() <= train["timestamp"].max()
    assert not set(zip(oof["symbol"], oof["timestamp"])) & set(zip(test["symbol"], test["timestamp"]))


def test_stacking_needs_every_member_and_both_classes(stacked):
    _, _, in_sample, _, _, columns = stacked
    with pytest.raises(ValueError, match="stacking needs the outputs"):
        fit_meta_learner(in_sample.drop(columns=["risk"]), np.ones(len(in_sample)), columns)
    with pytest.raises(ValueError, match="both UP and DOWN"):
        fit_meta_learner(in_sample, np.ones(len(in_sample)), columns)
