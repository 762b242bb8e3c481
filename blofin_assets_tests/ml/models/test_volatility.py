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
