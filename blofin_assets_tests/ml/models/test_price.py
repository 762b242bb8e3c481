"""price_predictor: PyTorch MLP on log returns, prices rebuilt per symbol."""

import subprocess
import sys
import threading

import numpy as np
import pytest
import torch

from blofin_assets.ml.models import price
from blofin_assets.ml.models.mlp import EagerAdam, SeededDropout
from blofin_assets.ml.models.price import PricePredictor

from blofin_assets_tests.ml.models.fitting import fit


def test_loading_the_definitions_leaves_torch_unimported():
    """torch comes with the first network trained or loaded, not with the definitions."""
    code = "import sys, blofin_assets.definitions; print(any(m == 'torch' or m.startswith('torch.') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


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


def test_many_rows_are_scored_in_blocks_with_the_networks_own_values(small_table, monkeypatch):
    """Rows go through the layers a block at a time (bounded memory); a block boundary changes
    nothing: the values are the network's own on all rows at once, whatever the block size."""
    model, test = fit("price_predictor", small_table[0], epochs=2)
    Xs = model._scaled(test)
    with torch.no_grad():
        network = model.estimator_.eval()(torch.from_numpy(Xs)).numpy().astype(np.float64)
    expected = model.target_mean_ + model.target_std_ * network
    for block in (7, 64, len(Xs) + 1):
        monkeypatch.setattr(price, "PREDICT_BLOCK", block)
        np.testing.assert_allclose(model._log_return(Xs), expected, rtol=1e-5, atol=1e-7)
    assert len(Xs) > 64 and len(Xs) % 7  # the blocks above split the rows, one of them unevenly


def test_dropout_is_on_in_training_and_off_in_prediction():
    layer = SeededDropout(0.5, np.random.default_rng(0))
    x = torch.ones(10_000)
    kept = layer.train()(x)
    assert set(kept.unique().tolist()) == {0.0, 2.0}  # dropped, or scaled by 1 / (1 - p)
    assert abs(float((kept == 0).float().mean()) - 0.5) < 0.03
    assert torch.equal(layer.eval()(x), x)


def test_on_noise_training_stops_soon_after_the_best_epoch_and_keeps_its_weights(small_table):
    model, test = fit("price_predictor", small_table[0], epochs=40)
    curve = model.stopping_curve_
    assert model.best_epoch_ == int(np.argmin(curve)) + 1
    assert len(curve) == model.best_epoch_ + model.patience < 40  # stopped, patience epochs after the best
    assert f"{len(curve)} of at most 40 epochs, kept epoch {model.best_epoch_}" in model.estimator_used_
    # the kept weights are the best epoch's: a run capped at that epoch ends with the same ones
    capped, _ = fit("price_predictor", small_table[0], epochs=model.best_epoch_)
    np.testing.assert_array_equal(model.predict(test), capped.predict(test))


def test_a_learnable_target_trains_on_while_the_error_falls(small_table):
    table = small_table[0].copy()
    # the next price a fixed function of two features: something a network can learn
    table["target_price"] = table["close"] * np.exp(0.01 * np.tanh(table["returns"] * 50 + table["rsi_14"] / 50 - 1))
    model, _ = fit("price_predictor", table, epochs=40)
    noise, _ = fit("price_predictor", small_table[0], epochs=40)
    assert model.best_epoch_ > noise.best_epoch_ + 5
    assert min(model.stopping_curve_) < 0.5 * model.stopping_curve_[0]


def test_patience_0_trains_every_epoch_on_every_row(small_table):
    model, _ = fit("price_predictor", small_table[0], epochs=4, patience=0)
    assert model.stopping_curve_ == []
    assert model.estimator_used_.endswith(", 4 epochs")


def test_networks_trained_side_by_side_start_on_one_torch_thread():
    """Inside ``side_by_side(2)`` a thread started for a fold gets one intra-op thread, the
    count every fit trains with; afterwards the process has all of them again."""
    before = torch.get_num_threads()
    if before < 2:
        pytest.skip("one core: nothing to share")
    seen = {}
    with PricePredictor.side_by_side(2):
        fold = threading.Thread(target=lambda: seen.setdefault("fold", torch.get_num_threads()))
        fold.start()
        fold.join()
    assert seen["fold"] == 1
    assert torch.get_num_threads() == before


def test_a_fit_gives_the_same_network_whatever_torchs_thread_count(small_table):
    """One thread for every fit: the weights do not depend on the cores torch was given (on
    AVX-512 machines two threads summed gradients in another order), and the caller's thread
    count is back afterwards."""
    if torch.get_num_threads() < 2:
        pytest.skip("one core: one thread count only")
    before = torch.get_num_threads()
    weights = []
    for threads in (before, 1):
        torch.set_num_threads(threads)
        model, _ = fit("price_predictor", small_table[0], epochs=3)
        weights.append(np.concatenate([array.ravel() for layer in model.layers_ for array in layer]))
        assert torch.get_num_threads() == threads
    torch.set_num_threads(before)
    np.testing.assert_array_equal(weights[0], weights[1])


def test_its_adam_steps_exactly_as_torchs_and_training_leaves_torch_compile_unimported(tmp_path):
    def trained(optimizer_class) -> list[torch.Tensor]:
        generator = torch.Generator().manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
        with torch.no_grad():
            for param in net.parameters():
                param.copy_(torch.randn(param.shape, generator=generator))
        optimizer = optimizer_class(net.parameters(), lr=1e-2)
        x, y = torch.randn(64, 5, generator=generator), torch.randn(64, 1, generator=generator)
        for _ in range(50):
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(net(x), y).backward()
            optimizer.step()
        return [param.detach() for param in net.parameters()]

    assert all(torch.equal(a, b) for a, b in zip(trained(EagerAdam), trained(torch.optim.Adam)))
    # a fresh process trains the price model without importing torch.compile's machinery
    code = (
        "import sys\nfrom blofin_assets.market.synthetic import SyntheticMarket\n"
        "from blofin_assets.market.features import compute_features\n"
        "from blofin_assets.ml.dataset import build_targets, model_table\n"
        "from blofin_assets.ml.training import train_model\n"
        "candles = SyntheticMarket(symbols=('BTC-USDT',), candles_per_symbol=300, seed=1).generate()\n"
        "features = compute_features(candles)\n"
        "train_model('price_predictor', model_table(features, build_targets(candles, features, horizon=5)), 5, {'epochs': 2})\n"
        "print('torch' in sys.modules, 'torch._dynamo' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "False"]
