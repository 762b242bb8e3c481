"""Freshness policies on a real instance: Dagster's freshness daemon (run by `make ui`) reports
candles fresh after a materialization and stale once more than the window has passed."""

import time

import dagster as dg
from dagster._core.definitions.freshness import FreshnessState
from dagster._core.test_utils import create_test_daemon_workspace_context, freeze_time
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.freshness import FreshnessDaemon

from blofin_assets.definitions import defs
from blofin_assets.defs.freshness import DAILY, HOURLY
from blofin_assets_tests.conftest import PROJECT_ROOT, materialize_every_symbol, project_resources

SOURCE = {"resources": {"candle_source": {"config": {"candles_per_symbol": 500, "symbols": ["BTC-USDT"]}}}}


def states(instance, context, keys) -> dict[str, FreshnessState]:
    """One iteration of the freshness daemon over the project's definitions, then the states."""
    list(FreshnessDaemon().run_iteration(context))
    records = instance.get_freshness_state_records([dg.AssetKey(k) for k in keys])
    return {k: records[dg.AssetKey(k)].freshness_state if dg.AssetKey(k) in records else None for k in keys}


def test_where_freshness_policies_are_set():
    graph = defs.resolve_asset_graph()
    policy = {key.to_user_string(): graph.get(key).freshness_policy for key in graph.get_all_asset_keys()}
    assert policy["candles"] == policy["predictions"] == HOURLY
    assert all(policy[name] == DAILY for name in ("direction_predictor", "risk_scorer", "price_predictor", "meta_labeler"))


def test_candles_materialized_now_are_fresh_and_stale_three_hours_later(isolated_env):
    with dg.instance_for_test() as instance:
        result = materialize_every_symbol(instance, SOURCE, resources=project_resources(isolated_env), selection=["candles"])
        assert result.success
        target = ModuleTarget(module_name="blofin_assets.definitions", attribute=None, working_directory=str(PROJECT_ROOT), location_name="blofin")
        with create_test_daemon_workspace_context(target, instance) as context:
            assert states(instance, context, ["candles", "predictions"]) == {"candles": FreshnessState.PASS, "predictions": FreshnessState.UNKNOWN}
            with freeze_time(time.time() + 2.5 * 3600):
                assert states(instance, context, ["candles"])["candles"] == FreshnessState.WARN
            with freeze_time(time.time() + 3.5 * 3600):
                assert states(instance, context, ["candles"])["candles"] == FreshnessState.FAIL
