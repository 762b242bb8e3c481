"""A sixth model registered through the public path only (``register_model``) is picked up by
the whole graph: its asset and validation, the comparison, the ensemble, monitoring, the drift
sensor, the launchpad's run config, the Python API, the predict output and the summary."""

import json

import dagster as dg
import pytest

from blofin_assets.cli import summary
from blofin_assets.definitions import build_definitions
from blofin_assets.defs.resources import CandleSourceResource
from blofin_assets.ml.models import register_model, unregister_model
from blofin_assets.serving.api import load_model
from blofin_assets.serving.signals import newest_signals
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.model_store import ModelStore
from blofin_assets_tests.conftest import materialize_every_symbol, project_resources
from blofin_assets_tests.fakes.trend_model import TrendFollower

SMALL = {"resources": {"candle_source": {"config": {"candles_per_symbol": 700, "symbols": ["BTC-USDT", "ETH-USDT"]}}}}
RUN = {
    **SMALL,
    "ops": {"price_predictor": {"config": {"epochs": 5}}, "trend_follower": {"config": {"C": 0.5}}},
}


@pytest.fixture
def definitions():
    register_model(TrendFollower)
    try:
        yield build_definitions(dg.in_process_executor)
    finally:
        unregister_model(TrendFollower.name)


def test_its_launchpad_config_comes_from_its_signature_and_docstring(definitions):
    job = definitions.resolve_implicit_global_asset_job_def()
    ops = job.run_config_schema.config_type.fields["ops"].config_type.fields
    fields = ops["trend_follower"].config_type.fields["config"].config_type.fields
    assert {"C", "random_state", "features", "champion_challenger", "min_importance_share", "use_tuned_params"} == set(fields)
    assert fields["C"].default_value == 1.0 and fields["C"].description == "Inverse strength of the regularisation."
    assert fields["features"].default_value == ["momentum_roc", "returns"]


def test_the_whole_graph_picks_it_up(definitions, isolated_env, capsys):
    graph = definitions.resolve_asset_graph()
    assert {"trend_follower", "trend_follower_validation"} <= {k.to_user_string() for k in graph.get_all_asset_keys()}
    parents = {k.to_user_string() for k in graph.get(dg.AssetKey("model_comparison")).parent_keys}
    assert "trend_follower_validation" in parents
    assert dg.AssetKey("trend_follower") in definitions.resolve_job_def(
        definitions.resolve_sensor_def("drift_sensor").targets[0].job_name
    ).asset_layer.selected_asset_keys

    with dg.instance_for_test() as instance:
        result = materialize_every_symbol(instance, RUN, resources=project_resources(isolated_env), definitions=definitions)
    assert result.success

    models = ModelStore(isolated_env / "models")
    stored = models.load("trend_follower")
    assert stored.config["hyperparameters"]["C"] == 0.5 and stored.config["task"] == "classification"
    report = result.output_for_node("trend_follower_validation").report
    assert report["metric"] == "accuracy" and report["audit"]["passed"] and "walk_forward" in report
    assert "trend_follower" in set(result.output_for_node("model_comparison")["model"])
    performance = result.output_for_node("model_performance")
    assert "trend_follower" in set(performance["model"])

    ensemble = json.loads((isolated_env / "models" / "ensemble" / "config.json").read_text())
    member = next(m for m in ensemble["members"] if m["name"] == "trend_follower")
    assert member["role"] == "signal" and member["version"] == stored.version
    assert "trend_follower" in ensemble["evaluation"] and "trend_p_up" in ensemble["stacking_features"]

    row = result.output_for_node("features").iloc[-1]
    output = load_model("trend_follower", models.root).predict(row)
    assert output["trend"] in ("UP", "DOWN") and 0.5 <= output["confidence"] <= 1
    source = CandleSourceResource.from_run_config(SMALL).source()
    newest = newest_signals(EnsembleStore(models).load(), source, horizon=5, origin="test").payloads[0]
    assert set(newest["models"]["trend_follower"]) == {"trend", "confidence"}

    assert summary.main([]) == 0
    printed = capsys.readouterr().out
    assert "trend_follower" in printed and "trend_follower 0." in printed  # its row, and its ensemble figure
