"""momentum_classifier: SVM over three momentum states."""

import numpy as np

from blofin_assets.market.targets import MOMENTUM_STATES
from blofin_assets_tests.ml.models.fitting import fit


def test_momentum_probabilities_cover_three_states(small_table):
    model, test = fit("momentum_classifier", small_table[0])
    proba = model.predict_proba(test)
    assert proba.shape == (len(test), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict_outputs(test)["state"]) <= set(MOMENTUM_STATES)


def test_its_ensemble_columns_are_the_three_state_probabilities(small_table):
    model, test = fit("momentum_classifier", small_table[0])
    out = model.ensemble_outputs(test)
    assert list(out.columns) == ["p_decelerating", "p_neutral", "p_accelerating"]
    np.testing.assert_allclose(out.to_numpy(), model.predict_proba(test))
    assert model.output_record(model.predict_outputs(test.tail(1)).iloc[0])["state"] in MOMENTUM_STATES
