import pytest

from blofin_assets.ml.training import build_model, train_model


def test_training_uses_only_training_rows_and_records_its_window(small_table):
    table, targets = small_table
    trained = train_model("volatility_regressor", table, targets.horizon)
    train = table[table["split"] == "train"]
    assert trained.training["n_train"] == len(train)
    assert trained.training["data_window"]["end"] == train["timestamp"].max().isoformat()
    assert trained.training["data_window"]["end"] < table.loc[table["split"] == "test", "timestamp"].min().isoformat()
    assert set(trained.training["data_window"]["symbols"]) == {"BTC-USDT", "SOL-USDT"}
    assert trained.config["estimator_used"] == "sklearn.GradientBoostingRegressor"
    assert trained.config["fitted"]["confidence"]["difficulty_feature"] == "volatility_std"


def test_unknown_hyperparameters_name_the_accepted_ones():
    with pytest.raises(ValueError, match=r"unknown hyperparameter\(s\) \['depth'\]; accepted: \[.*'max_depth'.*\]") as error:
        build_model("direction_predictor", {"depth": 3})
    assert "'self'" not in str(error.value) and "'features'" in str(error.value)
    with pytest.raises(KeyError, match="unknown model 'lstm'"):
        build_model("lstm")


def test_horizon_reaches_only_the_models_that_take_it():
    assert build_model("volatility_regressor", horizon=12).horizon == 12
    assert "horizon" not in build_model("direction_predictor", horizon=12).get_params()
