import pandas as pd
import pytest

from blofin_assets.ml.retraining import common_window, retrain, select_features
from blofin_assets.storage.model_store import ModelStore
from blofin_assets.ml.training import train_model


def test_feature_selection_drops_exactly_the_features_below_the_share_of_the_maximum():
    importance = {"a": 0.50, "b": 0.006, "c": 0.0049, "d": -0.01, "e": 0.005}
    kept, dropped = select_features(importance, min_share=0.01)
    assert kept == ["a", "b", "e"]  # 0.005 is exactly 1% of 0.5: kept
    assert dropped == ["c", "d"]
    assert select_features(importance, min_share=0.5) == (["a"], ["b", "c", "d", "e"])


def test_without_a_positive_importance_nothing_is_dropped():
    assert select_features({"a": 0.0, "b": -0.1}) == (["a", "b"], [])
    assert select_features({}) == ([], [])


def test_the_common_window_starts_after_both_training_windows_and_the_purge(small_table):
    table, _ = small_table
    test = table[table["split"] == "test"]
    late_end = test["timestamp"].sort_values().iloc[100]
    windows = [
        {"symbols": {s: {"end": late_end.isoformat()} for s in table["symbol"].unique()}},
        {"symbols": {s: {"end": "2024-01-01T00:00:00+00:00"} for s in table["symbol"].unique()}},
    ]
    window = common_window(table, windows, horizon=5)
    for symbol, rows in window.groupby("symbol"):
        symbol_rows = table[table["symbol"] == symbol].sort_values("timestamp")
        after = symbol_rows[symbol_rows["timestamp"] > late_end]
        assert rows["timestamp"].min() == after["timestamp"].iloc[5]
    assert (window["split"] == "test").all()


@pytest.fixture
def champion(small_table, tmp_path):
    table, targets = small_table
    trained = train_model("risk_scorer", table, targets.horizon, {"n_estimators": 30})
    store = ModelStore(tmp_path)
    store.set_current({"risk_scorer": store.save(trained.model, trained.config, {"training": trained.training}).version})
    importance = {f: (1.0 if f in ("atr", "volatility_std", "parkinson_vol") else 0.0) for f in trained.config["features"]}
    version = store.load("risk_scorer").version
    store.update_metadata("risk_scorer", version, {"feature_importance": importance})
    return store.load("risk_scorer")


def test_a_better_challenger_replaces_the_champion(small_table, champion):
    table, targets = small_table
    outcome = retrain(champion, table, targets.horizon, {"n_estimators": 30})
    # Trained on the same rows but with only the three features that matter.
    assert list(outcome.challenger.model.feature_names_in_) == ["volatility_std", "atr", "parkinson_vol"]
    assert sorted(outcome.record["features_dropped"]) == sorted(set(champion.config["features"]) - {"atr", "volatility_std", "parkinson_vol"})
    assert outcome.challenger.config["feature_selection"]["dropped"] == outcome.record["features_dropped"]
    assert outcome.accepted == (outcome.record["challenger_value"] <= outcome.record["champion_value"])
    assert outcome.record["decision"] == ("replaced" if outcome.accepted else "kept")


def test_a_worse_challenger_is_refused_and_the_log_says_why(small_table, champion):
    table, targets = small_table
    # One unpruned tree memorizes the noise of its training rows: clearly worse out of sample.
    outcome = retrain(champion, table, targets.horizon, {"n_estimators": 1, "max_depth": None, "min_samples_leaf": 1})
    assert not outcome.accepted and outcome.record["decision"] == "kept"
    assert outcome.record["challenger_value"] > outcome.record["champion_value"]
    assert "worse" in outcome.record["reason"] and f"{outcome.record['window_rows']} held-out rows" in outcome.record["reason"]
    assert outcome.record["champion_version"] == champion.version
    assert pd.Timestamp(outcome.record["window_start"]) > pd.Timestamp(champion.metadata["training"]["data_window"]["end"])
