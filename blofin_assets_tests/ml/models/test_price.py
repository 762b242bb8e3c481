"""price_predictor: PyTorch MLP on log returns, prices rebuilt per symbol."""

import numpy as np
import torch

from blofin_assets.ml.models.price import SeededDropout

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


def test_a_fit_draws_nothing_from_torchs_process_wide_random_state(small_table):
    """Weights, dropout masks and batch order come from the model's own seed, so two fits can
    train side by side in threads (walk-forward folds) and each equals its fit alone."""
    torch.manual_seed(1)
    first, test = fit("price_predictor", small_table[0], epochs=3)
    torch.manual_seed(2)
    torch.rand(1000)  # the process-wide generator moved on
    second, _ = fit("price_predictor", small_table[0], epochs=3)
    np.testing.assert_array_equal(first.predict(test), second.predict(test))
    other_seed, _ = fit("price_predictor", small_table[0], epochs=3, random_state=1)
    assert not np.array_equal(first.predict(test), other_seed.predict(test))


def test_dropout_is_on_in_training_and_off_in_prediction():
    layer = SeededDropout(0.5, torch.Generator().manual_seed(0))
    x = torch.ones(10_000)
    kept = layer.train()(x)
    assert set(kept.unique().tolist()) == {0.0, 2.0}  # dropped, or scaled by 1 / (1 - p)
    assert abs(float((kept == 0).float().mean()) - 0.5) < 0.03
    assert torch.equal(layer.eval()(x), x)
