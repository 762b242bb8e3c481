import numpy as np
import pytest

from blofin_assets.ml.ensemble import all_member_outputs, is_member, stacking_features
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
