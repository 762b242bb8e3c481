"""What every model shares (base.py): the estimator API, files, estimator choice, input checks
and documented hyperparameters, for every registered model."""

import inspect

import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.models import MODEL_CLASSES, base
from blofin_assets.ml.training import build_model
from blofin_assets_tests.ml.models.fitting import fit


@pytest.mark.parametrize("name", sorted(MODEL_CLASSES))
def test_each_model_fits_predicts_and_round_trips_through_its_files(name, small_table, tmp_path):
    table, _ = small_table
    model, test = fit(name, table)
    predicted = model.predict(test)
    assert predicted.shape == (len(test),)
    assert np.isfinite(predicted.astype(float)).all()
    outputs = model.predict_outputs(test)
    assert len(outputs) == len(test)

    files = model.save_files(tmp_path)
    assert (tmp_path / "scaler.skops").exists() and all((tmp_path / f).exists() for f in files)
    loaded = type(model).load_files(tmp_path, model.get_params(), model.fitted_summary())
    # rtol 1e-12, not equality: the forest sums its trees in threads, in no fixed order.
    np.testing.assert_allclose(loaded.predict(test).astype(float), predicted.astype(float), rtol=1e-12, atol=0)
    pd.testing.assert_frame_equal(loaded.predict_outputs(test), outputs, rtol=1e-12)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("risk_scorer", "max_samples"),
        ("volatility_regressor", "HistGradientBoosting"),
        ("momentum_classifier", "Nystroem"),
        ("price_predictor", "batch 2048"),
    ],
)
def test_auto_switches_to_the_scalable_estimator_above_the_row_limit(name, expected, small_table):
    table = small_table[0]
    exact, _ = fit(name, table, exact_max_rows=100_000, **({"epochs": 2} if name == "price_predictor" else {}))
    assert expected not in exact.estimator_used_
    scalable, test = fit(name, table, exact_max_rows=100, **({"scalable_epochs": 2} if name == "price_predictor" else {}))
    assert expected in scalable.estimator_used_
    assert scalable.fitted_summary()["estimator_used"] == scalable.estimator_used_
    assert np.isfinite(scalable.predict(test).astype(float)).all()


def test_missing_or_non_finite_features_give_a_clear_error(small_table):
    model, test = fit("direction_predictor", small_table[0])
    with pytest.raises(ValueError, match="missing feature column"):
        model.predict(test.drop(columns=["rsi_14"]))
    broken = test.copy()
    broken.iloc[3, broken.columns.get_loc("adx")] = np.nan
    with pytest.raises(ValueError, match="'adx' is NaN or infinite in row 3"):
        model.predict(broken)


def test_rows_are_scaled_as_standard_scaler_does_a_block_at_a_time_or_all_at_once(small_table, monkeypatch):
    """The scaled matrix is StandardScaler.transform's in float32, bit for bit, however many
    blocks the rows are scaled in."""
    model, test = fit("volatility_regressor", small_table[0])
    matrix = model._matrix(test)
    expected = model.scaler_.transform(matrix).astype(np.float32)
    for block in (7, 100, len(matrix) + 1):
        monkeypatch.setattr(base, "SCALE_BLOCK", block)
        np.testing.assert_array_equal(model._scale(matrix), expected)
    assert len(matrix) > 100 and len(matrix) % 7 and len(matrix) % 100  # blocks split the rows unevenly


def test_predicting_before_fitting_is_refused():
    with pytest.raises(RuntimeError, match="not fitted"):
        build_model("risk_scorer").predict(pd.DataFrame())


def test_a_feature_subset_is_honoured(small_table):
    model, test = fit("direction_predictor", small_table[0], features=("rsi_14", "adx"))
    assert list(model.feature_names_in_) == ["rsi_14", "adx"]
    assert model.predict(test[["rsi_14", "adx"]]).shape == (len(test),)


@pytest.mark.parametrize("name", sorted(MODEL_CLASSES))
def test_every_hyperparameter_is_documented(name):
    cls = MODEL_CLASSES[name]
    parameters = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    docs = cls.parameter_docs()
    assert set(docs) == set(parameters), f"{name}: documented {sorted(docs)}, takes {sorted(parameters)}"
    assert all(docs[p] for p in parameters)
