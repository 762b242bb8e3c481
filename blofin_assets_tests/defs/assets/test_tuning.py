"""The tuning asset on a real instance: trials recorded, the verdict's check, adopted parameters
reaching the model asset."""

import json

import dagster as dg
import pytest

from blofin_assets.definitions import defs
from blofin_assets.storage.results import ResultsDB
from blofin_assets.storage.tuning_store import TuningStore
from blofin_assets.storage.model_store import ModelStore
from blofin_assets_tests.conftest import materialize_every_symbol, project_resources

SOURCE = {"resources": {"candle_source": {"config": {"candles_per_symbol": 700, "symbols": ["BTC-USDT", "ETH-USDT"]}}}}


def tuning_config(**settings):
    return {**SOURCE, "ops": {"tuning": {"config": {"n_trials": 4, "models": ["risk_scorer"], "folds": 2, **settings}}}}


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def test_without_trials_asked_for_nothing_is_searched_and_the_check_passes(instance, tmp_path):
    result = materialize_every_symbol(instance, SOURCE, resources=project_resources(tmp_path), selection=["candles", "features", "targets", "training_table", "tuning"])
    assert result.success and result.output_for_node("tuning") == {"searched": {}, "adopted": {}}


def test_a_rejected_search_is_a_normal_outcome_recorded_and_adopting_nothing(instance, tmp_path):
    strict = tuning_config(min_dsr_probability=1.0)  # nothing can reach it
    result = materialize_every_symbol(
        instance, strict, resources=project_resources(tmp_path), selection=["candles", "features", "targets", "training_table", "tuning", "risk_scorer"]
    )
    assert result.success  # a correct answer, not a failure
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "tuning_verdict"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "not adopted" in check.description and "risk_scorer: " in check.description
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"tuning", "risk_scorer"} <= materialized  # the model trains on, with its defaults
    defaults = ModelStore(tmp_path / "models").load("risk_scorer", result.output_for_node("risk_scorer").version).config["hyperparameters"]
    assert (defaults["n_estimators"], defaults["max_depth"]) == (100, 10)
    db = ResultsDB(f"sqlite:///{tmp_path / 'results.db'}")
    trials = db.trials("risk_scorer")
    db.dispose()
    assert len(trials) == 4 and {t["study"] for t in trials} == {result.run_id}
    assert all(json.loads(t["params_json"]) for t in trials)
    assert TuningStore(ModelStore(tmp_path / "models")).adopted("risk_scorer") is None
    metadata = next(e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "tuning").materialization.metadata
    assert "risk_scorer_trials" in metadata and "](data:image/png;base64," in metadata["risk_scorer_score_by_trial"].value


def test_adopted_parameters_are_what_the_model_then_trains_with(instance, tmp_path):
    lenient = tuning_config(min_dsr_probability=0.0, max_pbo=1.01)
    resources = project_resources(tmp_path)
    result = materialize_every_symbol(instance, lenient, resources=resources, selection=["candles", "features", "targets", "training_table", "tuning", "risk_scorer"])
    assert result.success
    adopted = TuningStore(ModelStore(tmp_path / "models")).adopted("risk_scorer")
    assert adopted["study"] == result.run_id and adopted["verdict"]["n_trials"] == 4
    trained = result.output_for_node("risk_scorer")  # a candidate: no validation in this run
    config = ModelStore(tmp_path / "models").load("risk_scorer", trained.version).config
    assert {k: config["hyperparameters"][k] for k in adopted["params"]} == adopted["params"]
    # Later runs without a search keep training with them, unless told not to.
    again = dg.materialize(defs.assets, selection=["risk_scorer"], resources=resources, instance=instance,
                           run_config={"ops": {"risk_scorer": {"config": {"use_tuned_params": False}}}})
    defaults = {"n_estimators": 100, "max_depth": 10, "min_samples_leaf": 1}
    assert adopted["params"] != defaults
    hyperparameters = ModelStore(tmp_path / "models").load("risk_scorer", again.output_for_node("risk_scorer").version).config["hyperparameters"]
    assert again.success and {k: hyperparameters[k] for k in defaults} == defaults
