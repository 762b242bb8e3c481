"""Validation reports as the tables show them."""

import pandas as pd
import pytest

from blofin_assets.ml.reporting import comparison_table, fmt, headline, summary_row


def report(name, metric, value, baseline, skill, direction_metric=None, direction_skill=None, **model):
    figures = {metric: value, **model}
    pooled = {"model": figures, "baseline": {metric: baseline, **{k: 0.5 for k in model}}, "skill": skill, "n": 100}
    if direction_skill is not None:
        pooled["direction_skill"] = direction_skill
    return {
        "model_name": name,
        "metric": metric,
        "direction_metric": direction_metric,
        "pooled": pooled,
        "per_symbol": {},
        "walk_forward": {"summary": {"skill": {"mean": 0.01, "std": 0.02}}},
        "audit": {"passed": True},
        "model_version": "v1",
    }


@pytest.mark.parametrize("value, text", [(None, "-"), (float("nan"), "-"), (12345.678, "12,345.7"), (0.0031234, "0.003123"), (7, "7")])
def test_numbers_print_with_four_significant_digits(value, text):
    assert fmt(value) == text


def test_the_headline_reads_the_reports_own_metric_and_secondary_figures():
    price = report("price_predictor", "mae", 2.0, 2.5, 0.2, "directional_accuracy", rmse=3.0, r2=0.99, return_r2=0.01, directional_accuracy=0.6)
    row = headline(price)
    assert (row["metric"], row["value"], row["baseline"], row["rmse"], row["r2"], row["f1"]) == ("mae", 2.0, 2.5, 3.0, 0.01, None)
    direction = headline(report("direction_predictor", "accuracy", 0.55, 0.5, 0.1, "accuracy", f1=0.5))
    assert (direction["f1"], direction["rmse"], direction["r2"]) == (0.5, None, None)


def test_direction_skill_only_for_models_that_imply_a_direction():
    reports = [
        report("direction_predictor", "accuracy", 0.55, 0.5, 0.1, "accuracy"),
        report("price_predictor", "mae", 2.0, 2.5, 0.2, "directional_accuracy", direction_skill=0.2, directional_accuracy=0.6),
        report("risk_scorer", "mae", 10.0, 12.0, 0.17),
    ]
    table = comparison_table(reports).set_index("model")
    # a classifier's own skill; for the price model, the skill of the direction it implies
    assert table.loc["direction_predictor", "direction_skill"] == pytest.approx(0.1)
    assert table.loc["price_predictor", "direction_skill"] == pytest.approx(0.2)
    assert pd.isna(table.loc["risk_scorer", "direction_skill"])
    assert summary_row(reports[2])["walk_forward_skill"] == "+0.010 +- 0.020"
