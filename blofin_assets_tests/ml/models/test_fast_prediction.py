"""A few rows take the numpy path (flat tree walks, the MLP's layers in numpy); many rows the
libraries' own prediction. Both give the same outputs on 10,000 rows, for every model and
estimator, one row at a time and in small blocks."""

import numpy as np
import pytest
import torch

from blofin_assets.ml.models import MODEL_CLASSES
from blofin_assets.ml.models.flat_trees import FEW_ROWS
from blofin_assets_tests.ml.models.fitting import fit

CASES = [(name, "auto") for name in sorted(MODEL_CLASSES)] + [
    (name, "scalable") for name in sorted(MODEL_CLASSES) if "estimator" in MODEL_CLASSES[name]().get_params()
]


def ten_thousand_rows(model, table) -> np.ndarray:
    """Raw feature rows: every labelled row, then jittered copies, 10,000 in all."""
    base = table[model._features()].to_numpy(dtype=np.float64)
    rng = np.random.default_rng(1)
    picks = base[rng.integers(0, len(base), 10_000 - len(base))]
    return np.vstack([base, picks * (1 + rng.normal(0, 0.01, picks.shape))])


@pytest.mark.parametrize("name, estimator", CASES)
def test_few_rows_and_many_rows_give_the_same_outputs(name, estimator, small_table):
    table, _ = small_table
    params = {"estimator": estimator} if estimator != "auto" else {}
    if name == "price_predictor":
        params["epochs"] = 3  # training time only; the layers are what is compared
    model, _ = fit(name, table, **params)
    rows = ten_thousand_rows(model, table)
    whole = model.ensemble_array(rows)  # over FEW_ROWS: the library's path
    assert whole.shape == (10_000, len(model.ensemble_columns))
    one_by_one = np.vstack([model.ensemble_array(rows[i : i + 1]) for i in range(1_000)])
    blocks = np.vstack([model.ensemble_array(rows[i : i + FEW_ROWS]) for i in range(1_000, 10_000, FEW_ROWS)])
    np.testing.assert_allclose(np.vstack([one_by_one, blocks]), whole, rtol=1e-6, atol=1e-6)


def test_the_price_mlp_in_numpy_gives_what_torch_gives(small_table):
    model, test = fit("price_predictor", small_table[0], epochs=3)
    rows = ten_thousand_rows(model, small_table[0])
    with torch.inference_mode():
        z = model.estimator_(torch.from_numpy(model._scale(rows))).numpy().astype(np.float64)
    # Both run the layers in float32, summing in different orders: they agree to a few units in
    # the last place of the network's standardized output (|z| ~ 1; seen: 6e-8), not relative
    # to a log return near zero (a 1e-9 absolute bound failed once, at -5e-7).
    np.testing.assert_allclose(model.ensemble_array(rows)[:, 1], model.target_mean_ + model.target_std_ * z, rtol=1e-5, atol=1e-6 * model.target_std_)


@pytest.mark.parametrize("name", ["direction_predictor", "risk_scorer"])
def test_a_fit_leaves_the_flat_trees_to_the_first_few_row_prediction(name, small_table):
    """Walk-forward folds and tuning trials predict in bulk: their fits never flatten the trees.
    (The volatility model predicts its calibration rows in its own fit.)"""
    model, _ = fit(name, small_table[0])
    assert vars(model).get("_flat_made") is None
    model.ensemble_array(ten_thousand_rows(model, small_table[0])[:1])
    assert vars(model).get("_flat_made") is not None


@pytest.mark.parametrize("name", ["direction_predictor", "risk_scorer", "volatility_regressor"])
def test_a_model_fitted_again_predicts_a_few_rows_with_its_new_trees(name, small_table):
    table, _ = small_table
    model, _ = fit(name, table)
    rows = ten_thousand_rows(model, table)[:1]
    first = model.ensemble_array(rows)  # flattened the first fit's trees
    half = table.iloc[: len(table) // 2]
    model.fit(half, half[model.target])
    library = model.ensemble_array(np.repeat(rows, FEW_ROWS + 1, axis=0))[:1]
    np.testing.assert_allclose(model.ensemble_array(rows), library, rtol=1e-6, atol=1e-6)
    assert not np.allclose(library, first)
