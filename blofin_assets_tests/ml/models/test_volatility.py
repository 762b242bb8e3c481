"""volatility_regressor: exact or histogram gradient boosting."""

import threading

import pytest
from threadpoolctl import threadpool_info

from blofin_assets.ml.models.volatility import one_openmp_thread
from blofin_assets_tests.ml.models.fitting import fit


def test_forcing_the_estimator_overrides_auto(small_table):
    model, _ = fit("volatility_regressor", small_table[0], estimator="scalable")
    assert "HistGradientBoosting" in model.estimator_used_
    with pytest.raises(ValueError, match="estimator must be one of"):
        fit("volatility_regressor", small_table[0], estimator="fastest")


def test_its_api_record_and_ensemble_column(small_table):
    model, test = fit("volatility_regressor", small_table[0])
    record = model.output_record(model.predict_outputs(test.tail(1)).iloc[0])
    assert set(record) == {"predicted_vol", "confidence"} and record["predicted_vol"] >= 0
    assert (model.ensemble_outputs(test)["predicted_vol"] == model.predict(test)).all()


def test_histogram_boosting_fits_on_one_openmp_thread_of_the_calling_thread_below_500k_rows():
    """The limit is the calling thread's: a walk-forward fold fitting beside it keeps its own."""

    def openmp_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "openmp"}

    before = openmp_threads()
    if max(before) == 1:
        pytest.skip("one core: nothing to limit")
    inside, limited, beside = {}, threading.Event(), threading.Event()

    def fold():
        with one_openmp_thread(rows=100_000):
            inside["limited"] = openmp_threads()
            limited.set()
            beside.wait(10)

    worker = threading.Thread(target=fold)
    worker.start()
    limited.wait(10)
    inside["beside"] = openmp_threads()  # this thread, while the other holds its limit
    beside.set()
    worker.join()
    assert inside["limited"] == {1}
    assert inside["beside"] == before
    with one_openmp_thread(rows=1_000_000):  # enough rows per region: the library's threads
        assert openmp_threads() == before


def test_the_histogram_booster_bins_as_if_unweighted_and_weighs_rows_in_the_loss():
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingRegressor

    from blofin_assets.ml.models.volatility import EvenBinsHistGradientBoostingRegressor

    rng = np.random.default_rng(3)
    X = rng.normal(size=(3_000, 4))
    y = X[:, 0] + 0.5 * (X[:, 1] > 1.0) + rng.normal(0, 0.1, 3_000)
    weights = np.where(X[:, 1] > 1.0, 5.0, 0.2)  # far from even: the loss must feel them
    params = {"max_iter": 30, "max_depth": 3, "early_stopping": False, "random_state": 0}
    even = EvenBinsHistGradientBoostingRegressor(**params).fit(X, y, sample_weight=weights)
    plain = HistGradientBoostingRegressor(**params).fit(X, y)
    for ours, theirs in zip(even._bin_mapper.bin_thresholds_, plain._bin_mapper.bin_thresholds_):
        np.testing.assert_array_equal(ours, theirs)  # the grid of an unweighted fit
    assert np.abs(even.predict(X) - plain.predict(X)).max() > 1e-3  # the weights still count
    # even weights: the very fit of no weights
    np.testing.assert_array_equal(EvenBinsHistGradientBoostingRegressor(**params).fit(X, y, sample_weight=np.ones(3_000)).predict(X), plain.predict(X))


def test_a_histogram_volatility_model_saves_and_loads_with_its_trusted_types(small_table, tmp_path):
    from blofin_assets.ml.models import model_class

    model, test = fit("volatility_regressor", small_table[0], estimator="scalable")
    files = model.save_files(tmp_path)
    loaded = model_class("volatility_regressor").load_files(tmp_path, model.get_params(), model.fitted_summary())
    assert "model.skops" in files and (loaded.predict(test) == model.predict(test)).all()
