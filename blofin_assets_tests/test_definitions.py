import dagster as dg

from blofin_assets.definitions import defs
from blofin_assets.ml.models import model_names

EXPECTED_ASSETS = {
    "candles",
    "funding",
    "features",
    "targets",
    "training_table",
    *model_names(),
    *(f"{name}_validation" for name in model_names()),
    "model_comparison",
    "ensemble_config",
    "signal_backtest",
    "signal_replay",
    "model_performance",
    "performance_history",
    "feature_drift",
    "drift_decisions",
    "predictions",
    "prediction_outcomes",
    "tuning",
}


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_asset_names_are_the_documented_ones():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == EXPECTED_ASSETS


def test_lineage_runs_from_candles_to_the_ensemble():
    graph = defs.resolve_asset_graph()

    def parents(name):
        return {k.to_user_string() for k in graph.get(dg.AssetKey(name)).parent_keys}

    assert parents("features") == {"candles"}
    assert parents("targets") == {"candles", "features"}
    # The features and targets are joined once: the models and everything after them read the
    # table, so the lineage shows data -> table -> models -> validations -> ensemble.
    assert parents("training_table") == {"features", "targets"}
    assert parents("tuning") == {"training_table"}
    for name in model_names():
        assert parents(name) == {"training_table", "tuning"}
        assert parents(f"{name}_validation") == {name, "training_table"}
    children = {k.to_user_string() for k in graph.get(dg.AssetKey("features")).child_keys}
    assert children == {"targets", "training_table", "feature_drift", "predictions", "prediction_outcomes"}
    assert parents("model_comparison") == {f"{name}_validation" for name in model_names()}
    assert "model_comparison" in parents("ensemble_config")
    assert parents("funding") == {"candles"}
    assert parents("signal_backtest") == {"ensemble_config", "training_table", "funding"}
    assert parents("signal_replay") == {"ensemble_config", "training_table", "funding"}
    assert parents("predictions") == {"features", "ensemble_config"}
    assert parents("prediction_outcomes") == {"features", "training_table", "predictions"}
    assert "prediction_outcomes" in parents("drift_decisions")


def test_every_validation_carries_a_blocking_leakage_check():
    graph = defs.resolve_asset_graph()
    for name in model_names():
        (check,) = graph.get(dg.AssetKey(f"{name}_validation")).check_keys
        assert check.name == "leakage_audit"


def test_model_assets_show_their_estimator_kind():
    graph = defs.resolve_asset_graph()
    kinds = {name: graph.get(dg.AssetKey(name)).kinds for name in model_names()}
    assert "xgboost" in kinds["direction_predictor"] and "pytorch" in kinds["price_predictor"]


def test_the_sensor_watches_drift_decisions_and_can_retrain_every_model():
    sensor = defs.resolve_sensor_def("drift_sensor")
    graph = defs.resolve_asset_graph()
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("drift_decisions")).parent_keys} == {
        "model_performance",
        "feature_drift",
        "prediction_outcomes",
    }
    (target,) = sensor.targets
    job = defs.resolve_job_def(target.job_name)
    targets = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assert set(model_names()) <= targets and "ensemble_config" in targets and "candles" not in targets


def test_every_asset_reads_well_in_the_graph():
    graph = defs.resolve_asset_graph()
    groups = set()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        spec = defs.get_assets_def(key).specs_by_key[key]
        assert spec.description and len(spec.description.splitlines()) == 1, key
        assert spec.owners == ["team:blofin-ml"] and spec.tags["stage"] == node.group_name
        assert node.kinds, key
        groups.add(node.group_name)
    assert groups == {"data", "features", "tuning", "training", "evaluation", "ensemble", "live", "monitoring"}
