import numpy as np
import pytest

from blofin_assets.serving.api import load_model
from blofin_assets.ml.models import model_names
from blofin_assets.storage.model_store import ModelStore
from blofin_assets.ml.training import train_model
from blofin_assets_tests.conftest import store_all_models


@pytest.fixture(scope="module")
def models_dir(small_table, tmp_path_factory):
    root = tmp_path_factory.mktemp("api_models")
    store_all_models(small_table, root)
    return root


@pytest.fixture(scope="module")
def test_rows(small_table):
    table, _ = small_table
    return table[table["split"] == "test"]


def test_outputs_have_the_original_shapes(models_dir, test_rows):
    row = test_rows.iloc[-1]
    direction = load_model("direction_predictor", models_dir).predict(row)
    assert set(direction) == {"direction", "confidence"} and direction["direction"] in ("UP", "DOWN")
    assert 0.5 <= direction["confidence"] <= 1
    risk = load_model("risk_scorer", models_dir).predict(row)
    assert isinstance(risk, int) and 0 <= risk <= 100
    price = load_model("price_predictor", models_dir).predict(row)
    assert set(price) == {"predicted_price", "confidence"}
    assert price["predicted_price"] == pytest.approx(row["close"], rel=0.2)
    momentum = load_model("momentum_classifier", models_dir).predict(row)
    assert momentum["state"] in ("decelerating", "neutral", "accelerating")
    vol = load_model("volatility_regressor", models_dir).predict(row)
    assert set(vol) == {"predicted_vol", "confidence"} and vol["predicted_vol"] >= 0


def test_a_frame_gives_one_output_per_row_and_a_dict_one_output(models_dir, test_rows):
    model = load_model("direction_predictor", models_dir)
    many = model.predict(test_rows.tail(4))
    assert isinstance(many, list) and len(many) == 4
    assert many[-1] == model.predict(test_rows.iloc[-1].to_dict())


@pytest.mark.parametrize("name", model_names())
def test_predictions_are_the_same_before_and_after_save_and_load(name, small_table, test_rows, tmp_path):
    table, targets = small_table
    trained = train_model(name, table, targets.horizon, {"epochs": 5} if name == "price_predictor" else None)
    before = trained.model.predict_outputs(test_rows)
    store = ModelStore(tmp_path)
    store.set_current({name: store.save(trained.model, trained.config, {"training": trained.training}).version})
    after = load_model(name, tmp_path).predict_frame(test_rows)
    numeric = before.select_dtypes("number").columns
    np.testing.assert_allclose(after[numeric].to_numpy(), before[numeric].to_numpy(), rtol=1e-12)
    assert (after.drop(columns=numeric) == before.drop(columns=numeric)).all().all()


def test_default_models_dir_comes_from_the_environment(models_dir, monkeypatch):
    monkeypatch.setenv("BLOFIN_MODELS_DIR", str(models_dir))
    assert load_model("risk_scorer").version == load_model("risk_scorer", models_dir).version


def test_wrong_input_type_is_refused(models_dir):
    with pytest.raises(TypeError, match="Series or dict"):
        load_model("risk_scorer", models_dir).predict([1, 2, 3])
