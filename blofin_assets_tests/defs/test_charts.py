"""Charts for the UI: tables short enough to show in place, PNGs small enough for its dialog."""

import io

import numpy as np
import pytest
from PIL import Image

from blofin_assets.defs.charts import (
    INLINE_LIMIT,
    calibration_table,
    confusion_table,
    equity_chart,
    importance_table,
    inline,
    text_bar,
)


def test_bars_are_proportional_in_eighths_of_a_character():
    assert text_bar(1.0, 1.0) == "█" * 16
    assert text_bar(0.5, 1.0) == "█" * 8
    assert text_bar(1 / 128, 1.0) == "▏"
    assert text_bar(0.0, 1.0) == text_bar(-0.2, 1.0) == text_bar(0.3, 0.0) == ""


def test_importance_lists_the_top_features_largest_first_with_their_bars():
    importance = {f"feature_{i}": i / 100 for i in range(12)} | {"hurts": -0.01}
    rows = importance_table(importance).splitlines()[2:]
    assert [row.split("|")[1].strip() for row in rows] == [f"feature_{i}" for i in range(11, 3, -1)]
    assert rows[0].count("█") == 16 and rows[-1].count("█") < rows[0].count("█")


def test_the_confusion_table_counts_each_pair_with_its_share_of_the_actual_row():
    table = confusion_table([0, 0, 0, 1], [0, 1, 1, 1], ["DOWN", "UP"])
    assert "| **DOWN** | 1 (33%) | 2 (67%) |" in table and "| **UP** | 0 (0%) | 1 (100%) |" in table


def test_a_calibrated_regressor_shows_equal_means_in_every_group():
    rng = np.random.default_rng(0)
    predicted = rng.normal(size=500)
    rows = calibration_table(predicted, predicted, "%").splitlines()[2:]
    assert [row.split("|")[1].strip() for row in rows] == ["q1", "q2", "q3", "q4", "q5"]
    means = [float(row.split("|")[2]) for row in rows]
    assert means == sorted(means)  # groups from the lowest prediction up
    for row in rows:
        _, group, mean_predicted, mean_actual, error, _ = row.split("|")
        assert mean_predicted == mean_actual and float(error) == 0


def test_tables_too_long_for_the_ui_are_refused_rather_than_hidden():
    with pytest.raises(ValueError, match="would not show inline"):
        inline("x" * INLINE_LIMIT)


@pytest.mark.parametrize("symbols", [1, 3, 7, 12, 40])
def test_the_equity_chart_fits_a_laptop_screen_however_many_symbols(symbols):
    rng = np.random.default_rng(1)
    curves = {f"S{i}": {"strategy": list(1 + rng.normal(0, 0.01, 300).cumsum()), "buy and hold": [1.0] * 300} for i in range(symbols)}
    width, height = Image.open(io.BytesIO(equity_chart(curves, "equity"))).size
    assert width <= 820 and height <= 620
