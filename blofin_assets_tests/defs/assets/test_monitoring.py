"""The monitoring loop on a real (temporary) Dagster instance: daily refresh, drift decisions,
drift_sensor ticks, and a retraining run with champion vs challenger."""

import json

import dagster as dg
import pytest

from blofin_assets.definitions import defs
from blofin_assets.ml.models import model_names
from blofin_assets.defs.sensors import DOWNSTREAM
from blofin_assets.storage.results import ResultsDB
from blofin_assets.storage.retrain_log import read_retrain_log
from blofin_assets_tests.conftest import materialize_every_symbol, project_resources, quick_ops, run_daily_refresh

BASE = 1500
TWO_WEEKS = 336
# Ratios and bounded oscillators do not move when volatility triples: a model that sees only
# these does not drift, the others (volatility, ATR, ranges, returns) do.
SCALE_FREE = ["rsi_14", "stoch_k", "stoch_d", "adx", "sharpe"]


def source(candles, shift_at=None):
    # One calm regime throughout: the only change in the market is the planted shift.
    config = {"symbols": ["BTC-USDT", "SOL-USDT"], "candles_per_symbol": candles, "regime_changes": False}
    if shift_at:
        config["shift_at"] = shift_at
    return {"resources": {"candle_source": {"config": config}}}


def hours_after_start(hours):
    import pandas as pd

    return (pd.Timestamp("2024-01-01T00:00:00Z") + pd.Timedelta(hours=hours)).isoformat()


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    root = tmp_path_factory.mktemp("monitoring")
    resources = project_resources(root)
    with dg.instance_for_test() as instance:
        training = {
            **source(BASE),
            "ops": quick_ops(direction_predictor={"config": {"features": SCALE_FREE}}),
        }
        materialize_every_symbol(instance, training, resources=resources)

        drift_sensor = defs.resolve_sensor_def("drift_sensor")

        def tick(cursor):
            return drift_sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor))

        first = tick(None)
        plain_run = run_daily_refresh(instance, source(BASE + TWO_WEEKS), resources)
        plain = tick(first.cursor)
        shifted_run = run_daily_refresh(instance, source(BASE + 2 * TWO_WEEKS, hours_after_start(BASE + TWO_WEEKS)), resources)
        drifted = tick(plain.cursor)
        again = tick(drifted.cursor)
        yield {
            "root": root,
            "instance": instance,
            "resources": resources,
            "first": first,
            "plain_run": plain_run,
            "plain": plain,
            "shifted_run": shifted_run,
            "drifted": drifted,
            "again": again,
            "tick": tick,
        }


def requested(result):
    return {request.tags["blofin/model"] for request in result.run_requests}


def test_right_after_training_and_on_undrifted_data_nothing_is_requested(loop):
    assert loop["first"].run_requests == [] and loop["plain"].run_requests == []
    decisions = loop["plain_run"].output_for_node("drift_decisions")
    assert not any(d["retrain"] for d in decisions.values())
    checks = [e for e in loop["plain_run"].get_asset_check_evaluations() if e.asset_key.to_user_string() not in ("candles", "prediction_outcomes")]
    assert len(checks) == 2 * len(model_names()) and all(e.passed for e in checks)


def test_on_drifted_data_exactly_the_drifted_models_are_requested_with_tags(loop):
    drift = loop["shifted_run"].output_for_node("feature_drift")
    assert not drift["direction_predictor"]["drifted"]
    assert requested(loop["drifted"]) == {"risk_scorer", "price_predictor", "momentum_classifier", "volatility_regressor", "meta_labeler"}
    for request in loop["drifted"].run_requests:
        model = request.tags["blofin/model"]
        assert set(request.asset_selection) == {dg.AssetKey(k) for k in (model, f"{model}_validation", *DOWNSTREAM)}
        assert request.tags["blofin/retrain"] == "true"
        assert "feature_drift" in request.tags["blofin/reason"]
        assert request.tags["blofin/severity"] in ("WARN", "ERROR")
        assert float(request.tags["blofin/current"]) >= 0.5 or request.tags["blofin/reason"].startswith("performance")
        assert request.tags["blofin/trigger_run"] == loop["shifted_run"].run_id
        assert request.run_key.startswith(f"retrain:{model}:")


def test_failed_checks_say_how_bad(loop):
    checks = {e.check_name: e for e in loop["shifted_run"].get_asset_check_evaluations()}
    failed = checks["volatility_regressor_feature_drift"]
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert "highest PSI" in failed.description
    assert checks["direction_predictor_feature_drift"].passed


def test_a_second_tick_on_the_same_materializations_requests_nothing(loop):
    assert loop["again"].run_requests == []


def test_after_a_restart_the_cursor_picks_up_only_what_it_has_not_read(loop):
    # A sensor restarted from the cursor it had before the drifted refresh sees that refresh once.
    replay = loop["tick"](loop["plain"].cursor)
    assert requested(replay) == requested(loop["drifted"])
    assert [r.run_key for r in replay.run_requests] == [r.run_key for r in loop["drifted"].run_requests]
    # From the very start it reads all three decisions in order and still requests only those.
    assert requested(loop["tick"](None)) == requested(loop["drifted"])


def test_every_decision_is_logged_in_json_and_in_the_database(loop):
    log = read_retrain_log(loop["root"] / "models")
    by_run = {}
    for entry in log:
        by_run.setdefault(entry["run_id"], {})[entry["model"]] = entry["decision"]
    assert set(by_run[loop["plain_run"].run_id].values()) == {"no_retrain"}
    shifted = by_run[loop["shifted_run"].run_id]
    assert {m for m, d in shifted.items() if d == "retrain_requested"} == requested(loop["drifted"])
    db = ResultsDB(f"sqlite:///{loop['root'] / 'results.db'}")
    assert len(db.retrain_events()) == len(log)


def test_performance_history_keeps_one_entry_per_model_per_day(loop):
    history = json.loads((loop["root"] / "models" / "performance_history.json").read_text())["entries"]
    days = {e["date"] for e in history}
    assert len(history) == len(days) * len(model_names())  # three monitoring runs today: one entry each
    frame = loop["shifted_run"].output_for_node("performance_history")
    assert len(frame) == len(history)


def test_a_requested_retraining_run_decides_champion_against_challenger(loop):
    request = next(r for r in loop["drifted"].run_requests if r.tags["blofin/model"] == "volatility_regressor")
    before = json.loads((loop["root"] / "models" / "model_volatility_regressor" / "metadata.json").read_text())["version"]
    result = dg.materialize(
        defs.assets,
        selection=request.asset_selection,
        tags=request.tags,
        instance=loop["instance"],
        resources=loop["resources"],
    )
    assert result.success
    (entry,) = [e for e in read_retrain_log(loop["root"] / "models") if e["run_id"] == result.run_id]
    assert entry["decision"] in ("replaced", "kept") and entry["trigger"]["blofin/reason"] == request.tags["blofin/reason"]
    after = json.loads((loop["root"] / "models" / "model_volatility_regressor" / "metadata.json").read_text())["version"]
    assert (after != before) == (entry["decision"] == "replaced")
    config = json.loads((loop["root"] / "models" / "model_volatility_regressor" / "config.json").read_text())
    if entry["decision"] == "replaced":
        assert config["feature_selection"]["dropped"] == entry["features_dropped"]
    ensemble = json.loads((loop["root"] / "models" / "ensemble" / "config.json").read_text())
    assert {m["name"]: m["version"] for m in ensemble["members"]}["volatility_regressor"] == after
