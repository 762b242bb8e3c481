"""volatility_regressor: exact or histogram gradient boosting."""

import pytest

from blofin_assets_tests.ml.models.fitting import fit


def test_forcing_the_estimator_overrides_auto(small_table):
    model, _ = fit("volatility_regressor", small_table[0], estimator="scalable")
    assert "HistGradientBoosting" in model.estimator_used_
    with pytest.raises(ValueError, match="estimator must be one of"):
        fit("volatility_regressor", small_table[0], estimator="fastest")


def test_its_api_record_and_ensemble_column(small_table):
    model, test = fit("volatility_regressor", small_table[0])
    record = model.output_record(model.predict_outputs(test.tail(1)).iloc[0])
    assert set(record) == {"predicted_vol", "confidence"} and record["predicted_vol"] >= 0
    assert (model.ensemble_outputs(test)["predicted_vol"] == model.predict(test)).all()
