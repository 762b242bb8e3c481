"""How ensemble_config pools the members' out-of-fold outputs and hands on its choice."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.ensemble import EnsemblePredictor
from blofin_assets.ml.ensemble.build import (
    choose_on_out_of_fold,
    choose_type,
    chosen_ensemble,
    out_of_fold_training_rows,
    pooled_out_of_fold,
)


def frame(symbols, stamps, **columns):
    return pd.DataFrame({"symbol": symbols, "timestamp": stamps, **columns})


def test_out_of_fold_outputs_are_pooled_on_the_rows_every_member_has():
    a = frame(["X", "X", "Y"], [1, 2, 1], p_up=[0.1, 0.2, 0.3])
    b = frame(["X", "Y"], [2, 1], risk=[40.0, 60.0])
    pooled = pooled_out_of_fold([a, b])
    assert pooled.to_dict("records") == [
        {"symbol": "X", "timestamp": 2, "p_up": 0.2, "risk": 40.0},
        {"symbol": "Y", "timestamp": 1, "p_up": 0.3, "risk": 60.0},
    ]
    assert pooled_out_of_fold([a, None]) is None and pooled_out_of_fold([]) is None


def test_only_training_rows_are_kept_for_stacking():
    oof = frame(["X", "X"], [1, 2], p_up=[0.4, 0.6])
    table = frame(["X", "X"], [1, 2], split=["train", "test"], target_direction=[1, 0])
    rows = out_of_fold_training_rows(oof, table)
    assert rows.to_dict("records") == [{"symbol": "X", "timestamp": 1, "p_up": 0.4, "target_direction": 1}]


def test_the_chosen_ensemble_carries_the_meta_learner_whatever_type_won():
    ensembles = {t: EnsemblePredictor(t) for t in ("weighted_avg", "voting", "stacking")}
    ensembles["stacking"].meta_learner_, ensembles["stacking"].stacking_features_ = "fitted", ["p_up"]
    chosen = chosen_ensemble(ensembles, {"ensemble_type": "voting"})
    assert chosen is ensembles["voting"] and chosen.meta_learner_ == "fitted" and chosen.stacking_features_ == ["p_up"]


# --- the choice on out-of-fold rows: weights and type that noise cannot flip -----------------

HORIZON = 5
STACKED = ("p_decelerating", "p_accelerating", "risk", "predicted_vol")


class Member:
    """A stand-in member: the choice reads only its name and columns (outputs are given)."""

    def __init__(self, name, signal_column=None, columns=()):
        self.name = name
        self.signal_column = signal_column
        self.ensemble_columns = (signal_column,) if signal_column else tuple(columns)
        self.stacking_columns = self.ensemble_columns


def members(extra_voter: bool = False) -> dict:
    named = {
        "direction_predictor": Member("direction_predictor", "p_up"),
        "price_predictor": Member("price_predictor", "price_p_up"),
        "momentum_classifier": Member("momentum_classifier", columns=STACKED[:2]),
        "risk_scorer": Member("risk_scorer", columns=("risk",)),
        "volatility_regressor": Member("volatility_regressor", columns=("predicted_vol",)),
    }
    if extra_voter:
        named["third_voter"] = Member("third_voter", "third_p_up")
    return named


def out_of_fold_rows(seed: int, direction_lift: float, constant_price: bool = False) -> pd.DataFrame:
    """5,196 out-of-fold training rows with the embedded market's labels (2,622 DOWN, 2,574 UP):
    the direction member's P(UP) moved towards the label by ``direction_lift`` (negative: away);
    the price member's near 0.5 as on that market, all below it when ``constant_price``."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.r_[np.zeros(2622, dtype=int), np.ones(2574, dtype=int)])
    price = rng.normal(0.0, 2e-3, len(y))
    return pd.DataFrame(
        {
            "symbol": "BTC-USDT",
            "timestamp": pd.date_range("2024-01-01", periods=len(y), freq="1h", tz="UTC"),
            "p_up": np.clip(0.5 + rng.normal(0.0, 0.05, len(y)) + direction_lift * (y - 0.5), 0.01, 0.99),
            "price_p_up": 0.5 - np.abs(price) - 1e-6 if constant_price else 0.5 + price,
            "third_p_up": 0.5 + rng.normal(0.0, 0.05, len(y)),
            **{column: rng.random(len(y)) for column in STACKED},
            "target_direction": y,
        }
    )


def test_a_constant_member_has_skill_exactly_zero_and_no_more_weight_than_a_negative_one():
    rows = out_of_fold_rows(0, direction_lift=-0.04, constant_price=True)
    ensembles, record, _ = choose_on_out_of_fold(members(), rows, HORIZON)
    skills = record["out_of_fold_skill"]
    assert skills["price_predictor"]["skill"] == 0.0  # always DOWN: chance, to the last bit
    assert skills["direction_predictor"]["skill"] < 0
    weights = ensembles["weighted_avg"].weights
    assert weights["price_predictor"] <= weights["direction_predictor"]


def _weights_of(ensembles) -> np.ndarray:
    weights = ensembles["weighted_avg"].weights
    return np.array([weights["direction_predictor"], weights["price_predictor"]])


def nudged(rows: pd.DataFrame, column: str, rng) -> pd.DataFrame:
    """One row in a thousand of ``column`` moved by under 1e-3, across 0.5 where it can: the
    rows nearest 0.5 first, as rounding would move them."""
    moved = rows.copy()
    nearest = np.argsort(np.abs(moved[column].to_numpy() - 0.5))[: len(moved) // 1000]
    step = rng.uniform(0.0, 1e-3, len(nearest))
    values = moved[column].to_numpy().copy()
    values[nearest] = values[nearest] + np.where(values[nearest] < 0.5, step, -step)
    moved[column] = values
    return moved


@pytest.mark.parametrize(
    "seed, direction_lift, constant_price",
    [(0, -0.04, True), (1, 0.0, True), (2, 0.035, False), (3, 0.05, False), (4, 0.1, False)],
)
def test_a_nudge_of_a_few_out_of_fold_probabilities_moves_no_weight_far_and_no_type_within_noise(seed, direction_lift, constant_price):
    rows = out_of_fold_rows(seed, direction_lift, constant_price)
    before_ensembles, before, _ = choose_on_out_of_fold(members(), rows, HORIZON)
    rng = np.random.default_rng(seed)
    for column in ("p_up", "price_p_up"):
        after_ensembles, after, _ = choose_on_out_of_fold(members(), nudged(rows, column, rng), HORIZON)
        moved = _weights_of(after_ensembles) - _weights_of(before_ensembles)
        assert np.abs(moved).max() <= 0.05, (column, before["weight_rule"], after["weight_rule"])
        if after["ensemble_type"] != before["ensemble_type"]:
            # only where a candidate leads weighted_avg beyond its noise on one side or the other
            leads = [
                record["out_of_fold_accuracy"][t] - record["out_of_fold_accuracy"]["weighted_avg"] - record["lead_standard_error"][t]
                for record in (before, after)
                for t in record["lead_standard_error"]
            ]
            assert max(leads) > 0


def test_voting_is_a_candidate_only_with_three_voters():
    rows = out_of_fold_rows(5, 0.05)
    _, two, signals = choose_on_out_of_fold(members(), rows, HORIZON)
    assert "not a candidate" in two["voting"] and "voting" not in two["lead_standard_error"]
    # every signal's out-of-fold P(UP), the chosen type's as "ensemble", for the backtest's choices
    assert list(signals.columns) == ["symbol", "timestamp", "weighted_avg", "voting", "stacking", "ensemble", "direction_predictor", "price_predictor"]
    assert (signals["ensemble"] == signals[two["ensemble_type"]]).all() and (signals["direction_predictor"] == rows["p_up"]).all()
    _, three, _ = choose_on_out_of_fold(members(extra_voter=True), rows, HORIZON)
    assert three["voting"] == "a candidate" and "voting" in three["lead_standard_error"]


def test_a_type_leads_only_beyond_the_standard_error_of_the_paired_difference():
    # two types agreeing on 3,000 of 4,000 rows; of the 1,000 others, "stacking" is right on r
    for r, chosen in ((510, "weighted_avg"), (600, "stacking")):
        base = np.r_[np.ones(3000 + 1000 - r, dtype=bool), np.zeros(r, dtype=bool)]
        other = np.r_[np.ones(3000, dtype=bool), np.zeros(1000 - r, dtype=bool), np.ones(r, dtype=bool)]
        # lead (2r - 1000) / 4000: 0.005 or 0.05, against a standard error of about
        # sqrt(1/4) / sqrt(4000 / horizon) = 0.018
        assert choose_type({"weighted_avg": base, "stacking": other}, HORIZON)[0] == chosen
