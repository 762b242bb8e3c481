"""direction_predictor: XGBoost direction classifier."""

import numpy as np

from blofin_assets_tests.ml.models.fitting import fit


def test_direction_outputs(small_table):
    model, test = fit("direction_predictor", small_table[0])
    out = model.predict_outputs(test)
    assert set(out["direction"]) <= {"UP", "DOWN"}
    assert out["confidence"].between(0.5, 1).all()
    assert ((out["p_up"] > 0.5) == (out["direction"] == "UP")).all()


def test_its_api_record_and_ensemble_column(small_table):
    model, test = fit("direction_predictor", small_table[0])
    row = model.predict_outputs(test.tail(1)).iloc[0]
    assert model.output_record(row) == {"direction": row["direction"], "confidence": float(row["confidence"])}
    assert list(model.ensemble_outputs(test).columns) == ["p_up"]
    np.testing.assert_array_equal(model.ensemble_outputs(test)["p_up"], model.predict_proba(test)[:, 1])


def test_xgboost_fits_on_one_thread_below_its_row_limit_and_predicts_on_n_jobs(small_table, monkeypatch):
    """Few rows: one thread (a wake-up per parallel region costs more than it gives); the trees
    are XGBoost's whatever the threads, and the fitted booster predicts on ``n_jobs``."""
    import json

    import xgboost

    from blofin_assets.ml.models.direction import ONE_THREAD_BELOW

    threads_at_fit = []
    original_fit = xgboost.XGBClassifier.fit

    def recording_fit(self, X, y, **kwargs):
        threads_at_fit.append((len(X), self.get_params()["n_jobs"]))
        return original_fit(self, X, y, **kwargs)

    monkeypatch.setattr(xgboost.XGBClassifier, "fit", recording_fit)
    model, test = fit("direction_predictor", small_table[0], n_jobs=2)
    rows = threads_at_fit[0][0]
    assert rows < ONE_THREAD_BELOW and threads_at_fit == [(rows, 1)]
    assert json.loads(model.estimator_.get_booster().save_config())["learner"]["generic_param"]["nthread"] == "2"

    two_threads = xgboost.XGBClassifier(**{**model.estimator_.get_params(), "n_jobs": 2})
    train = small_table[0][small_table[0]["split"] == "train"]
    weight = model._uniqueness(train)  # the rows' sample weights, as the model's fit takes them
    original_fit(two_threads, model._scaled(train), train["target_direction"].to_numpy().astype(np.int64), sample_weight=weight / weight.mean())
    assert two_threads.get_booster().get_dump() == model.estimator_.get_booster().get_dump()
