import numpy as np
import pandas as pd
import pytest

from blofin_assets.market.targets import MOMENTUM_STATES
from blofin_assets.ml.models import MODEL_CLASSES
from blofin_assets.ml.training import build_model


def fit(name, table, **params):
    train = table[table["split"] == "train"]
    model = build_model(name, params, horizon=5)
    return model.fit(train, train[model.target]), table[table["split"] == "test"]


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
    assert (tmp_path / "scaler.pkl").exists() and all((tmp_path / f).exists() for f in files)
    loaded = type(model).load_files(tmp_path, model.get_params(), model.fitted_summary())
    # rtol 1e-12, not equality: the forest sums its trees in threads, in no fixed order.
    np.testing.assert_allclose(loaded.predict(test).astype(float), predicted.astype(float), rtol=1e-12, atol=0)
    pd.testing.assert_frame_equal(loaded.predict_outputs(test), outputs, rtol=1e-12)


def test_direction_outputs(small_table):
    model, test = fit("direction_predictor", small_table[0])
    out = model.predict_outputs(test)
    assert set(out["direction"]) <= {"UP", "DOWN"}
    assert out["confidence"].between(0.5, 1).all()
    assert ((out["p_up"] > 0.5) == (out["direction"] == "UP")).all()


def test_momentum_probabilities_cover_three_states(small_table):
    model, test = fit("momentum_classifier", small_table[0])
    proba = model.predict_proba(test)
    assert proba.shape == (len(test), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict_outputs(test)["state"]) <= set(MOMENTUM_STATES)


def test_risk_stays_within_0_and_100(small_table):
    model, test = fit("risk_scorer", small_table[0])
    assert model.predict(test).min() >= 0 and model.predict(test).max() <= 100


@pytest.mark.parametrize("name", ["price_predictor", "volatility_regressor"])
def test_regressor_confidence_varies_with_conditions_and_is_a_probability(name, small_table):
    model, test = fit(name, small_table[0])
    confidence = model.predict_confidence(test)
    assert ((confidence >= 0) & (confidence <= 1)).all()
    assert len(np.unique(confidence)) > 1
    assert model.fitted_summary()["confidence"]["tolerance"] > 0


def test_price_model_gives_prices_on_each_symbols_scale(small_table):
    model, test = fit("price_predictor", small_table[0], epochs=5)
    ratio = model.predict(test) / test["close"].to_numpy()
    assert np.all((ratio > 0.8) & (ratio < 1.25))
    p_up = model.predict_up_probability(test)
    assert ((p_up > 0.5) == (model.predict_log_return(test) > 0)).all()


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


def test_forcing_the_estimator_overrides_auto(small_table):
    model, _ = fit("volatility_regressor", small_table[0], estimator="scalable")
    assert "HistGradientBoosting" in model.estimator_used_
    with pytest.raises(ValueError, match="estimator must be one of"):
        fit("volatility_regressor", small_table[0], estimator="fastest")


def test_missing_or_non_finite_features_give_a_clear_error(small_table):
    model, test = fit("direction_predictor", small_table[0])
    with pytest.raises(ValueError, match="missing feature column"):
        model.predict(test.drop(columns=["rsi_14"]))
    broken = test.copy()
    broken.iloc[3, broken.columns.get_loc("adx")] = np.nan
    with pytest.raises(ValueError, match="'adx' is NaN or infinite in row 3"):
        model.predict(broken)


def test_predicting_before_fitting_is_refused():
    with pytest.raises(RuntimeError, match="not fitted"):
        build_model("risk_scorer").predict(pd.DataFrame())


def test_unknown_hyperparameters_and_models_are_refused():
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        build_model("direction_predictor", {"depth": 3})
    with pytest.raises(KeyError, match="unknown model"):
        build_model("lstm")


def test_a_feature_subset_is_honoured(small_table):
    model, test = fit("direction_predictor", small_table[0], features=("rsi_14", "adx"))
    assert list(model.feature_names_in_) == ["rsi_14", "adx"]
    assert model.predict(test[["rsi_14", "adx"]]).shape == (len(test),)
