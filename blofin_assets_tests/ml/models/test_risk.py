"""risk_scorer: RandomForest risk 0-100."""

from blofin_assets_tests.ml.models.fitting import fit


def test_risk_stays_within_0_and_100(small_table):
    model, test = fit("risk_scorer", small_table[0])
    assert model.predict(test).min() >= 0 and model.predict(test).max() <= 100


def test_the_api_gives_a_whole_number(small_table):
    model, test = fit("risk_scorer", small_table[0])
    record = model.output_record(model.predict_outputs(test.tail(1)).iloc[0])
    assert isinstance(record, int) and 0 <= record <= 100
    assert list(model.ensemble_outputs(test).columns) == ["risk"]
