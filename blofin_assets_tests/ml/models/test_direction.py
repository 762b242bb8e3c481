"""direction_predictor: XGBoost direction classifier."""

import numpy as np

from blofin_assets_tests.ml.models.fitting import fit


def test_direction_outputs(small_table):
    model, test = fit("direction_predictor", small_table[0])
    out = model.predict_outputs(test)
    assert set(out["direction"]) <= {"UP", "DOWN"}
    assert out["confidence"].between(0.5, 1).all()
    assert ((out["p_up"] > 0.5) == (out["direction"] == "UP")).all()


def test_its_api_record_and_ensemble_column(small_table):
    model, test = fit("direction_predictor", small_table[0])
    row = model.predict_outputs(test.tail(1)).iloc[0]
    assert model.output_record(row) == {"direction": row["direction"], "confidence": float(row["confidence"])}
    assert list(model.ensemble_outputs(test).columns) == ["p_up"]
    np.testing.assert_array_equal(model.ensemble_outputs(test)["p_up"], model.predict_proba(test)[:, 1])
