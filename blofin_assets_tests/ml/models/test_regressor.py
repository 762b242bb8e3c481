"""Regressors with a calibrated confidence (price and volatility)."""

import numpy as np
import pytest

from blofin_assets_tests.ml.models.fitting import fit


@pytest.mark.parametrize("name", ["price_predictor", "volatility_regressor"])
def test_regressor_confidence_varies_with_conditions_and_is_a_probability(name, small_table):
    model, test = fit(name, small_table[0])
    confidence = model.predict_confidence(test)
    assert ((confidence >= 0) & (confidence <= 1)).all()
    assert len(np.unique(confidence)) > 1
    assert model.fitted_summary()["confidence"]["tolerance"] > 0
