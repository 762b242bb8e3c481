import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.ensemble import EnsemblePredictor, all_member_outputs, is_member, stacking_features
from blofin_assets.ml.models import MODEL_CLASSES, model_names
from blofin_assets_tests.conftest import store_all_models


@pytest.fixture(scope="module")
def members(small_table, tmp_path_factory):
    store = store_all_models(small_table, tmp_path_factory.mktemp("member_models"))
    return [store.load(name).model for name in model_names()]


def test_members_map_to_the_common_scale(members, small_table):
    table, _ = small_table
    test = table[table["split"] == "test"]
    out = all_member_outputs(members, test)
    assert list(out.columns) == [c for model in members for c in model.ensemble_columns]
    assert out[["p_up", "price_p_up"]].apply(lambda c: c.between(0, 1)).all().all()
    np.testing.assert_allclose(out[["p_decelerating", "p_neutral", "p_accelerating"]].sum(axis=1), 1.0)
    assert ((out["price_p_up"] > 0.5) == (out["expected_return"] > 0)).all()


def test_stacking_learns_from_each_members_declared_columns(members):
    assert all(is_member(cls) for cls in MODEL_CLASSES.values())
    assert stacking_features(members) == ["p_up", "risk", "price_p_up", "p_decelerating", "p_accelerating", "predicted_vol"]


@pytest.mark.parametrize("ensemble_type", ["weighted_avg", "voting", "stacking"])
def test_a_row_of_numbers_gets_the_signal_its_feature_frame_gets(members, small_table, ensemble_type):
    table, _ = small_table
    train, test = table[table["split"] == "train"], table[table["split"] == "test"]
    ensemble = EnsemblePredictor(ensemble_type)
    for model in members:
        ensemble.add_model(model, 0.5)
    if ensemble_type == "stacking":
        ensemble.fit_meta(all_member_outputs(members, train), train["target_direction"])
    whole = ensemble.predict(test)
    # by hand from the members' frame outputs: the array path changes nothing (but the order
    # of a dot product's sums with the memory layout)
    pd.testing.assert_frame_equal(whole, ensemble.combine(all_member_outputs(members, test)), rtol=1e-12)
    matrix = test[ensemble.feature_columns].to_numpy()
    one_by_one = [ensemble.predict_matrix(matrix[i : i + 1]) for i in range(0, len(matrix), 37)]
    # the price MLP runs in float32, whose last digits move with the batch a row is in: 1e-6
    # of a probability, or 1e-9 of one near 0 (stacking's logit turns an absolute error in
    # the member's output into a relative one in p)
    np.testing.assert_allclose([s["p_up"][0] for s in one_by_one], whole["p_up"].to_numpy()[::37], rtol=1e-6, atol=1e-9)
    assert [s["direction"][0] for s in one_by_one] == list(whole["direction"].to_numpy()[::37])
    with pytest.raises(ValueError, match="expected rows of"):
        ensemble.predict_matrix(matrix[:, :-1])
