import json

import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.ensemble import EnsemblePredictor, EnsembleVersionError, evaluate_direction, skill_weights
from blofin_assets.ml.ensemble.members import MEMBER_COLUMNS, all_member_outputs
from blofin_assets.ml.models import MODEL_NAMES
from blofin_assets.ml.store import ModelIntegrityError
from blofin_assets.ml.training import train_model
from blofin_assets_tests.conftest import store_all_models


class Named:
    """A stand-in member: combine() needs only its name (the outputs are given)."""

    def __init__(self, name):
        self.name = name


def with_members(ensemble_type, weights):
    ensemble = EnsemblePredictor(ensemble_type)
    for name, weight in weights.items():
        ensemble.add_model(Named(name), weight)
    return ensemble


def outputs(p_up, price_p_up):
    return pd.DataFrame({"p_up": p_up, "price_p_up": price_p_up})


def test_weights_follow_positive_skill():
    weights, rule = skill_weights({"direction_predictor": 0.03, "price_predictor": 0.01})
    assert weights == pytest.approx({"direction_predictor": 0.75, "price_predictor": 0.25})
    assert "proportional" in rule
    weights, _ = skill_weights({"direction_predictor": 0.02, "price_predictor": -0.05})
    assert weights == {"direction_predictor": 1.0, "price_predictor": 0.0}


def test_equal_weights_when_no_member_beats_its_baseline():
    weights, rule = skill_weights({"direction_predictor": -0.01, "price_predictor": None})
    assert weights == {"direction_predictor": 0.5, "price_predictor": 0.5}
    assert "equal weights" in rule


def test_weighted_average_of_p_up():
    ensemble = with_members("weighted_avg", {"direction_predictor": 3.0, "price_predictor": 1.0})
    out = ensemble.combine(outputs([0.8, 0.4, 0.6, 0.5], [0.4, 0.4, 0.2, 0.7]))
    np.testing.assert_allclose(out["p_up"], [0.7, 0.4, 0.5, 0.55])
    assert list(out["direction"]) == ["UP", "DOWN", "DOWN", "UP"]
    np.testing.assert_allclose(out["confidence"], [0.7, 0.6, 0.5, 0.55])


def test_voting_breaks_ties_with_the_heaviest_member():
    ensemble = with_members("voting", {"direction_predictor": 0.4, "price_predictor": 0.6})
    out = ensemble.combine(outputs([0.8, 0.3, 0.6, 0.2], [0.9, 0.2, 0.4, 0.7]))
    # rows 2 and 3 split 1:1, so price_predictor (heavier) decides.
    assert list(out["direction"]) == ["UP", "DOWN", "DOWN", "UP"]
    np.testing.assert_allclose(out["confidence"], [1.0, 1.0, 0.5, 0.5])


def test_voting_tie_with_equal_weights_goes_to_the_first_name():
    ensemble = with_members("voting", {"price_predictor": 0.5, "direction_predictor": 0.5})
    assert ensemble.combine(outputs([0.1], [0.9]))["direction"].iloc[0] == "DOWN"


def test_bad_members_types_and_missing_pieces_are_refused():
    with pytest.raises(ValueError, match="not an ensemble member"):
        EnsemblePredictor().add_model(Named("lstm"), 1.0)
    with pytest.raises(ValueError, match="ensemble_type"):
        EnsemblePredictor("blending")
    with pytest.raises(RuntimeError, match="no directional member"):
        EnsemblePredictor().predict(pd.DataFrame({"x": [1]}))
    with pytest.raises(RuntimeError, match=r"needs member\(s\)"):
        with_members("stacking", {"direction_predictor": 1.0}).predict(pd.DataFrame({"x": [1]}))
    with pytest.raises(RuntimeError, match="meta-learner"):
        EnsemblePredictor("stacking").combine(outputs([0.5], [0.5]))


def test_evaluate_direction_by_hand():
    signal = pd.DataFrame({"direction": ["UP", "UP", "DOWN", "DOWN"]})
    result = evaluate_direction(signal, np.array([1, 0, 0, 0]), majority=0)
    assert result["accuracy"] == 0.75 and result["baseline_accuracy"] == 0.75 and result["skill"] == 0


# --- with real models -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(small_table, tmp_path_factory):
    return store_all_models(small_table, tmp_path_factory.mktemp("ensemble_models"))


@pytest.fixture(scope="module")
def rows(small_table):
    table, _ = small_table
    return table[table["split"] == "train"], table[table["split"] == "test"]


def full_ensemble(store, ensemble_type, weights=None):
    ensemble = EnsemblePredictor(ensemble_type)
    for name in MODEL_NAMES:
        stored = store.load(name)
        ensemble.add_model(stored.model, (weights or {}).get(name, 0.5), stored.version)
    return ensemble


def test_members_map_to_the_common_scale(store, rows):
    _, test = rows
    models = {name: store.load(name).model for name in MODEL_NAMES}
    out = all_member_outputs(models, test)
    assert list(out.columns) == [c for name in MODEL_NAMES for c in MEMBER_COLUMNS[name]]
    assert out[["p_up", "price_p_up"]].apply(lambda c: c.between(0, 1)).all().all()
    np.testing.assert_allclose(out[["p_decelerating", "p_neutral", "p_accelerating"]].sum(axis=1), 1.0)
    assert ((out["price_p_up"] > 0.5) == (out["expected_return"] > 0)).all()


def test_save_and_load_round_trip_for_every_type(store, rows, tmp_path):
    train, test = rows
    for ensemble_type in ("weighted_avg", "voting", "stacking"):
        ensemble = full_ensemble(store, ensemble_type, {"direction_predictor": 0.7, "price_predictor": 0.3})
        if ensemble_type == "stacking":
            ensemble.fit_meta(ensemble.member_outputs(train), train["target_direction"])
        ensemble.save(tmp_path / ensemble_type, extra={"note": "test"})
        config = json.loads((tmp_path / ensemble_type / "config.json").read_text())
        assert config["ensemble_type"] == ensemble_type and config["note"] == "test"
        assert {m["name"]: m["version"] for m in config["members"]} == {n: store.load(n).version for n in MODEL_NAMES}
        loaded = EnsemblePredictor.load(tmp_path / ensemble_type, store)
        pd.testing.assert_frame_equal(loaded.predict(test), ensemble.predict(test))
    assert config["meta_learner"]["file"].startswith("meta_learner-")


def test_loading_refuses_a_member_whose_version_changed(store, rows, small_table, tmp_path):
    table, targets = small_table
    full_ensemble(store, "weighted_avg").save(tmp_path / "ens")
    retrained = train_model("risk_scorer", table, targets.horizon, {"n_estimators": 10})
    new = store.save(retrained.model, retrained.config, {"training": retrained.training})
    with pytest.raises(EnsembleVersionError, match=f"risk_scorer: the ensemble was built on version .* current model is version {new.version}"):
        EnsemblePredictor.load(tmp_path / "ens", store)


def test_a_tampered_meta_learner_is_refused(store, rows, tmp_path):
    train, _ = rows
    ensemble = full_ensemble(store, "stacking")
    ensemble.fit_meta(ensemble.member_outputs(train), train["target_direction"]).save(tmp_path / "ens")
    config = EnsemblePredictor.read_config(tmp_path / "ens")
    (tmp_path / "ens" / config["meta_learner"]["file"]).write_bytes(b"not a model")
    with pytest.raises(ModelIntegrityError, match="meta-learner"):
        EnsemblePredictor.load(tmp_path / "ens", store)
