import pandas as pd
import pytest

from blofin_assets.ml import monitoring


@pytest.mark.parametrize(
    "value, threshold, level",
    [(0.15, 0.1, "WARN"), (0.25, 0.1, "ERROR"), (0.2, 0.1, "WARN"), (0.01, 0.0, "ERROR")],
)
def test_severity_is_error_past_twice_the_threshold(value, threshold, level):
    assert monitoring.severity(value, threshold) == level


def test_decide_combines_both_reasons_with_severity():
    performance = {"model": "m", "version": "v", "dropped": True, "max_drop": 0.1, "drop": 0.25, "metric": "accuracy", "validation": 0.6, "current": 0.45}
    drift = {"drifted": True, "drifted_share": 0.6, "drifted_share_threshold": 0.5, "max_psi": 0.3, "psi_threshold": 0.2}
    decision = monitoring.decide(performance, drift)
    assert decision["retrain"] and [r["reason"] for r in decision["reasons"]] == ["performance", "feature_drift"]
    assert [r["severity"] for r in decision["reasons"]] == ["ERROR", "WARN"]  # 2.5x and 1.5x their thresholds
    quiet = monitoring.decide({**performance, "dropped": False}, {**drift, "drifted": False})
    assert not quiet["retrain"] and quiet["reasons"] == []


def test_unseen_rows_start_after_the_training_window_and_its_purge(small_table):
    table, targets = small_table
    train = table[table["split"] == "train"]
    metadata = {
        "training": {
            "data_window": {
                "symbols": {s: {"start": g["timestamp"].min().isoformat(), "end": g["timestamp"].max().isoformat()} for s, g in train.groupby("symbol")}
            }
        }
    }
    training, unseen = monitoring._windows(table, metadata, horizon=5, recent_rows=50)
    assert len(training) == len(train)
    for symbol, rows in unseen.groupby("symbol"):
        all_rows = table[table["symbol"] == symbol].sort_values("timestamp")
        after = all_rows[all_rows["timestamp"] > train.loc[train["symbol"] == symbol, "timestamp"].max()]
        assert len(rows) == 50 and rows["timestamp"].max() == all_rows["timestamp"].max()
        assert rows["timestamp"].min() >= after["timestamp"].iloc[5]
    assert isinstance(unseen, pd.DataFrame)


def test_models_of_one_training_window_share_their_feature_drift_figures(small_candles):
    """Measured once per window and feature, the figures equal those measured alone; a model
    trained on another window gets its own."""
    from blofin_assets.market.features import compute_features

    features = compute_features(small_candles)

    def metadata(name, end_row):
        spans = {}
        for symbol, rows in features.groupby("symbol"):
            stamps = rows["timestamp"].sort_values()
            spans[symbol] = {"start": stamps.iloc[50].isoformat(), "end": stamps.iloc[end_row].isoformat()}
        return {"name": name, "version": "v1", "training": {"data_window": {"symbols": spans}}}

    config = {"features": ["rsi_14", "volatility_std", "returns"]}
    measured = {}
    first = monitoring.model_feature_drift(features, metadata("a", 600), config, measured=measured)
    assert len(measured) == 1 and set(next(iter(measured.values()))) == set(config["features"])
    second = monitoring.model_feature_drift(features, metadata("b", 600), {"features": ["rsi_14"]}, measured=measured)
    assert second["features"]["rsi_14"] == first["features"]["rsi_14"] and len(measured) == 1
    other = monitoring.model_feature_drift(features, metadata("c", 300), config, measured=measured)
    assert len(measured) == 2
    for result, end_row in ((first, 600), (other, 300)):
        alone = monitoring.model_feature_drift(features, metadata(result["model"], end_row), config)
        assert result == alone
    assert other["features"]["rsi_14"] != first["features"]["rsi_14"]
