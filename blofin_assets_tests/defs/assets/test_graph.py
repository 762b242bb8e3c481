"""The whole graph on small synthetic data, materialized with a real (ephemeral) Dagster instance."""

import json

import dagster as dg
import numpy as np
import pytest

from blofin_assets.defs.charts import INLINE_LIMIT
from blofin_assets.serving.api import load_model
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.model_store import ModelStore
from blofin_assets.ml.models import model_class, model_names
from blofin_assets.ml.models.tasks import CandleClassifier
from blofin_assets.storage.results import ResultsDB
from blofin_assets_tests.conftest import materialize_every_symbol, project_resources

SMALL = {"resources": {"candle_source": {"config": {"candles_per_symbol": 700, "symbols": ["BTC-USDT", "ETH-USDT"]}}}}
FAST = {
    "ops": {
        "price_predictor": {"config": {"epochs": 10}},
        "direction_predictor": {"config": {"max_depth": 3}},
        # 29 days of candles: a 10-day warm-up, then a period a week
        "signal_replay": {"config": {"warmup_days": 10, "retrain_every_days": 7, "workers": 1}},
    }
}


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    root = tmp_path_factory.mktemp("graph")
    instance = dg.DagsterInstance.ephemeral()
    config = {**SMALL, **FAST}
    first = materialize_every_symbol(instance, config, resources=project_resources(root))
    second = materialize_every_symbol(instance, config, resources=project_resources(root))
    return root, first, second


def test_every_asset_materializes(graph):
    _, first, _ = graph
    assert first.success
    materialized = {e.asset_key.to_user_string() for e in first.get_asset_materialization_events()}
    expected = {"candles", "funding", "features", "targets", "training_table", "model_comparison", "ensemble_config", "signal_backtest", "signal_replay", *model_names()}
    expected |= {"model_performance", "performance_history", "feature_drift", "drift_decisions", "predictions", "prediction_outcomes", "tuning"}
    expected |= {f"{name}_validation" for name in model_names()}
    assert materialized == expected


@pytest.mark.parametrize("name", model_names())
def test_every_model_folder_holds_its_four_kinds_of_files(graph, name):
    root, _, _ = graph
    folder = root / "models" / f"model_{name}"
    files = {p.name for p in folder.iterdir()}
    model_files = {"model.json", "model.skops", "model.pt"} & files
    assert len(model_files) == 1 and {"scaler.skops", "config.json", "metadata.json"} <= files
    metadata = json.loads((folder / "metadata.json").read_text())
    assert {"training", "validation", "feature_importance", "version", "created_at", "updated_at"} <= set(metadata)
    config = json.loads((folder / "config.json").read_text())
    assert {"features", "hyperparameters", "horizon", "estimator_used"} <= set(config)


def test_run_config_reaches_the_model(graph):
    root, _, _ = graph
    config = json.loads((root / "models" / "model_direction_predictor" / "config.json").read_text())
    assert config["hyperparameters"]["max_depth"] == 3


@pytest.mark.parametrize("name", model_names())
def test_the_stored_model_reproduces_its_validation_metrics(graph, name):
    """What sits in models/ is what was validated: reload it and score the held-out rows again."""
    root, _, second = graph
    report = second.output_for_node(f"{name}_validation").report
    model = load_model(name, root / "models")
    assert model.version == report["model_version"]
    features, targets = second.output_for_node("features"), second.output_for_node("targets")
    table = features.merge(targets.frame, on=["symbol", "timestamp"])
    test = table[table["split"] == "test"]
    predicted = model.model.predict(test)
    metric = model.model.main_metric
    rescored = model.model.metrics(test[model.model.target], predicted)[metric]
    assert rescored == pytest.approx(report["pooled"]["model"][metric], rel=1e-9)


def test_results_table_gets_one_row_per_model_per_run(graph):
    root, first, second = graph
    db = ResultsDB(f"sqlite:///{root / 'results.db'}")
    for result in (first, second):
        rows = db.rows(result.run_id)
        assert sorted(r["model_name"] for r in rows) == sorted([*model_names(), "signal_backtest", "signal_replay", "live_record"])
    assert len(db.rows()) == 2 * (len(model_names()) + 3)
    validation = json.loads(db.rows(second.run_id)[0]["metrics_json"])["validation"]
    assert {"walk_forward", "audit"} <= set(validation)


def test_ensemble_config_is_saved_with_member_versions(graph):
    root, _, second = graph
    saved = json.loads((root / "models" / "ensemble" / "config.json").read_text())
    output = dict(second.output_for_node("ensemble_config"))
    signals = output.pop("out_of_fold_signals")
    assert saved == output
    # beside the config: the signals' out-of-fold P(UP) on training rows, for the backtest
    assert {"symbol", "timestamp", "ensemble", "direction_predictor", "price_predictor"} <= set(signals.columns)
    assert len(signals) == saved["stacking"]["trained_on_rows"] and signals["ensemble"].between(0, 1).all()
    assert saved["ensemble_type"] in ("weighted_avg", "voting", "stacking")
    assert sum(saved["weights"].values()) == pytest.approx(1.0)
    versions = {m["name"]: m["version"] for m in saved["members"]}
    assert versions == {name: load_model(name, root / "models").version for name in model_names()}
    assert set(saved["evaluation"]) == {"weighted_avg", "voting", "stacking", "direction_predictor", "price_predictor"}
    # Chosen on out-of-fold outputs of training rows, never on the held-out period.
    chosen_on = saved["out_of_fold_accuracy"]
    assert set(chosen_on) == {"weighted_avg", "voting", "stacking"} and saved["chosen_by"].startswith("out-of-fold")
    # weighted_avg unless a candidate leads it beyond the standard error of the difference;
    # with two directional members voting is no candidate (it is the heavier member's call)
    errors = saved["lead_standard_error"]
    assert set(errors) == {"stacking"} and "not a candidate" in saved["voting"]
    leads = {t: chosen_on[t] - chosen_on["weighted_avg"] for t in errors}
    ahead = {t: lead for t, lead in leads.items() if lead > errors[t]}
    assert saved["ensemble_type"] == (max(ahead, key=ahead.get) if ahead else "weighted_avg")
    assert 0.0 <= saved["type_choice_pbo"]["pbo"] <= 1.0
    assert saved["stacking"]["trained_on_rows"] > 0
    assert saved["meta_learner"]["file"] == f"meta_learner-{saved['meta_learner']['sha256'][:16]}.skops"
    assert (root / "models" / "ensemble" / saved["meta_learner"]["file"]).exists()
    # The saved ensemble loads over the current models and predicts.
    ensemble = EnsembleStore(ModelStore(root / "models")).load("stacking")
    features = second.output_for_node("features")
    assert set(ensemble.predict(features.tail(5))["direction"]) <= {"UP", "DOWN"}


def test_comparison_puts_every_model_beside_its_baseline(graph):
    _, _, second = graph
    table = second.output_for_node("model_comparison")
    assert sorted(table["model"]) == sorted(model_names())
    assert table[["value", "baseline"]].notna().all().all()
    recomputed = 1 - (1 - table["value"]) / (1 - table["baseline"])
    classifiers = table["metric"] == "accuracy"
    np.testing.assert_allclose(table.loc[classifiers, "skill"], recomputed[classifiers])


def test_materializations_carry_row_counts_windows_and_metrics(graph):
    _, first, _ = graph
    metadata = {
        e.asset_key.to_user_string(): e.materialization.metadata for e in first.get_asset_materialization_events()
    }
    assert metadata["candles"]["dagster/row_count"].value == 1400
    assert {"train_rows", "test_rows", "horizon", "test_starts"} <= set(metadata["targets"])
    assert {"estimator", "version", "path", "n_train", "train_window"} <= set(metadata["risk_scorer"])
    assert {"accuracy", "baseline_accuracy", "skill", "metrics"} <= set(metadata["direction_predictor_validation"])
    assert {"mae", "baseline_mae", "skill"} <= set(metadata["volatility_regressor_validation"])
    for name in model_names():
        validation = metadata[f"{name}_validation"]
        # The pictures as tables short enough for the UI to draw in place; the PNGs one click deep.
        table = "confusion_matrix" if issubclass(model_class(name), CandleClassifier) else "predicted_vs_actual"
        for key in ("feature_importance", table, "walk_forward", "metrics"):
            assert len(validation[key].value) < INLINE_LIMIT and "data:image" not in validation[key].value
        assert "█" in validation["feature_importance"].value
        assert validation["charts"].value.count("](data:image/png;base64,") == 2
        assert "walk_forward" in validation and validation["walk_forward_skill_std"].value >= 0


@pytest.mark.parametrize("name", model_names())
def test_each_validation_has_walk_forward_and_a_passing_leakage_audit(graph, name):
    root, _, second = graph
    validation = second.output_for_node(f"{name}_validation")
    report = validation.report
    assert len(report["walk_forward"]["folds"]) == 4
    assert {"symbol", "timestamp"} < set(validation.oof.columns)
    checks = {
        e.asset_key.to_user_string(): e for e in second.get_asset_check_evaluations() if e.check_name == "leakage_audit"
    }
    evaluation = checks[f"{name}_validation"]
    assert evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    metadata = json.loads((root / "models" / f"model_{name}" / "metadata.json").read_text())
    assert metadata["validation"]["audit"]["passed"] is True
    if name == "direction_predictor":
        assert report["shuffled_control"]["within"]


def test_signal_backtest_trades_perpetuals_with_every_cost_beside_buy_and_hold(graph):
    root, _, second = graph
    result = second.output_for_node("signal_backtest")
    assert set(result["per_symbol"]) == {"BTC-USDT", "ETH-USDT"}
    for figures in result["per_symbol"].values():
        assert {"net", "gross", "hold_net", "hold_gross", "signal", "deflated_sharpe"} <= set(figures)
        assert figures["funding_source"] == "synthetic" and figures["hold_net"]["funding"] != 0
        assert {"fees", "slippage", "funding", "turnover_per_day", "exposure", "hit_rate"} <= set(figures["net"])
    metadata = {
        e.asset_key.to_user_string(): e.materialization.metadata for e in second.get_asset_materialization_events()
    }["signal_backtest"]
    assert metadata["equity"].value.startswith("![equity and drawdown](data:image/png;base64,")
    assert "| BTC-USDT |" in metadata["figures"].value and "| pooled |" in metadata["figures"].value
    stored = json.loads((root / "models" / "model_risk_scorer" / "metadata.json").read_text())
    assert stored["backtest"]["rule"]["max_leverage"] == 1.0 and stored["backtest"]["costs"]["taker_fee"] == 0.0006
    # the threshold was chosen on out-of-fold training rows, every candidate a trial; no
    # tuning trials here, and the two ensemble types that were candidates
    assert result["threshold"]["candidates"] and result["calibration"]["fitted_on"] > 0
    assert result["n_trials"] == 2 + len(result["threshold"]["candidates"])
    assert 0.0 <= result["pooled"]["deflated_sharpe"]["probability"] <= 1.0 and "deflated_sharpe_p" in metadata
    assert "| pooled |" in metadata["deflated_sharpe"].value


def test_the_replay_retrains_each_period_and_says_when(graph):
    root, _, second = graph
    result = second.output_for_node("signal_replay")
    periods = result["periods"]
    assert len(periods) == 3 and [p["start"][:10] for p in periods] == sorted(p["start"][:10] for p in periods)
    signals = result["signals"]
    assert set(signals["period"]) == {0, 1, 2} and signals.groupby("period")["ensemble_version"].nunique().eq(1).all()
    (check,) = [e for e in second.get_asset_check_evaluations() if e.check_name == "replay_leakage"]
    assert check.passed and "every one of 3 periods trained only on labels known at its start" in check.description
    metadata = {e.asset_key.to_user_string(): e.materialization.metadata for e in second.get_asset_materialization_events()}["signal_replay"]
    assert metadata["periods"].value == 3 and "| pooled |" in metadata["figures"].value
    assert len(metadata["period_table"].value.splitlines()) == 2 + 3  # header, rule, a row a period
    assert metadata["equity"].value.startswith("![equity, drawdown and retraining dates](data:image/png;base64,")
    db = ResultsDB(f"sqlite:///{root / 'results.db'}")
    try:
        stored = [json.loads(r["metrics_json"])["backtest"] for r in db.rows(second.run_id) if r["model_name"] == "signal_replay"]
    finally:
        db.dispose()
    assert stored[0]["periods"] == periods and stored[0]["settings"]["retrain_every_days"] == 7


def test_the_replay_predicts_through_the_live_code_path(graph):
    """The live record's signals, recomputed by the replay's prediction step with the ensemble
    that made them: the same direction and P(UP) for the same version and candle."""
    from blofin_assets.ml.live import SIGNAL
    from blofin_assets.storage.predictions import read_predictions
    from blofin_assets.trading.replay import predict_period

    root, _, second = graph
    ensemble = EnsembleStore(ModelStore(root / "models")).load()
    db = ResultsDB(f"sqlite:///{root / 'results.db'}")
    try:
        recorded = read_predictions(db, SIGNAL)
    finally:
        db.dispose()
    recorded = recorded[recorded["version"] == ensemble.version_]
    assert len(recorded) >= 2
    rows = second.output_for_node("features").merge(recorded[["symbol", "timestamp"]], on=["symbol", "timestamp"])
    replayed = predict_period(ensemble, rows)
    both = recorded.merge(rows[["symbol", "timestamp"]].assign(p_up=replayed["p_up"].to_numpy(), up=(replayed["direction"] == "UP").to_numpy()), on=["symbol", "timestamp"])
    assert len(both) == len(recorded)
    np.testing.assert_allclose(both["p_up_y"], both["p_up_x"], rtol=0, atol=1e-9)
    assert (both["up"].astype(float) == both["prediction"]).all()


def test_a_leak_fails_the_audit_and_blocks_the_ensemble(tmp_path, monkeypatch):
    """Plant the old pipeline's bug (a feature that sees the next candles): the leakage check
    fails with ERROR, and nothing downstream of the leaking model's validation runs."""
    import blofin_assets.defs.assets.features as feature_assets
    from blofin_assets_tests.ml.test_leakage import _future_in_features

    honest = feature_assets.compute_features
    monkeypatch.setattr(feature_assets, "compute_features", lambda candles: _future_in_features(honest(candles)))
    result = materialize_every_symbol(
        dg.DagsterInstance.ephemeral(), {**SMALL, **FAST}, resources=project_resources(tmp_path), raise_on_error=False
    )
    checks = {e.asset_key.to_user_string(): e for e in result.get_asset_check_evaluations()}
    failed = checks["direction_predictor_validation"]
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert "implausible on market data" in failed.description
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "direction_predictor_validation" in materialized
    assert not {"model_comparison", "ensemble_config", "signal_backtest"} & materialized
