"""How ensemble_config pools the members' out-of-fold outputs and hands on its choice."""

import pandas as pd

from blofin_assets.ml.ensemble import EnsemblePredictor
from blofin_assets.ml.ensemble.build import chosen_ensemble, out_of_fold_training_rows, pooled_out_of_fold


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
