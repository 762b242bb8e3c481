from blofin_assets.storage.retrain_log import append_retrain_log, read_retrain_log, update_performance_history


def test_the_retrain_log_only_grows(tmp_path):
    append_retrain_log(tmp_path, [{"model": "a", "decision": "no_retrain"}])
    append_retrain_log(tmp_path, [{"model": "a", "decision": "retrain_requested"}, {"model": "b", "decision": "kept"}])
    log = read_retrain_log(tmp_path)
    assert [e["decision"] for e in log] == ["no_retrain", "retrain_requested", "kept"]
    assert all("logged_at" in e for e in log)
    assert read_retrain_log(tmp_path / "empty") == []


def test_performance_history_keeps_one_entry_per_model_per_day(tmp_path):
    update_performance_history(tmp_path, [{"date": "2026-11-20", "model": "a", "current": 1.0}])
    update_performance_history(tmp_path, [{"date": "2026-11-21", "model": "a", "current": 2.0}])
    history = update_performance_history(tmp_path, [{"date": "2026-11-21", "model": "a", "current": 3.0}])
    assert [(e["date"], e["current"]) for e in history] == [("2026-11-20", 1.0), ("2026-11-21", 3.0)]
