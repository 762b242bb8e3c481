"""price_predictor: PyTorch MLP on log returns, prices rebuilt per symbol."""

import numpy as np

from blofin_assets_tests.ml.models.fitting import fit


def test_price_model_gives_prices_on_each_symbols_scale(small_table):
    model, test = fit("price_predictor", small_table[0], epochs=5)
    ratio = model.predict(test) / test["close"].to_numpy()
    assert np.all((ratio > 0.8) & (ratio < 1.25))
    p_up = model.predict_up_probability(test)
    assert ((p_up > 0.5) == (model.predict_log_return(test) > 0)).all()


def test_its_ensemble_columns_and_chart_scale(small_table):
    model, test = fit("price_predictor", small_table[0], epochs=2)
    out = model.ensemble_outputs(test)
    np.testing.assert_allclose(out["price_p_up"], model.up_probability(out["expected_return"].to_numpy()))
    close = test["close"].to_numpy()
    np.testing.assert_allclose(model.chart_values(close * np.e, close), 1.0)
    assert set(model.output_record(model.predict_outputs(test.tail(1)).iloc[0])) == {"predicted_price", "confidence"}
