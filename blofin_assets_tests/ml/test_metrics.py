import numpy as np
import pytest

from blofin_assets.ml.metrics import (
    classification_metrics,
    compare_classification,
    compare_regression,
    directional_accuracy,
    mape,
    regression_metrics,
)


def test_classification_metrics_by_hand():
    y_true = [1, 1, 1, 0, 0, 0, 1, 0]
    y_pred = [1, 1, 0, 0, 1, 0, 1, 0]
    m = classification_metrics(y_true, y_pred)
    # TP=3, FP=1, FN=1, TN=3
    assert m == pytest.approx({"accuracy": 0.75, "precision": 0.75, "recall": 0.75, "f1": 0.75})


def test_multiclass_metrics_are_macro_averaged():
    m = classification_metrics([0, 1, 2, 2], [0, 1, 1, 2])
    # precision per class: 1, 0.5, 1 -> 0.8333; recall: 1, 1, 0.5 -> 0.8333
    assert m["precision"] == pytest.approx(5 / 6)
    assert m["recall"] == pytest.approx(5 / 6)


def test_regression_metrics_by_hand():
    m = regression_metrics([1.0, 2.0, 4.0], [2.0, 2.0, 2.0])
    assert m["mae"] == pytest.approx(1.0)
    assert m["rmse"] == pytest.approx(np.sqrt(5 / 3))
    assert m["mape"] == pytest.approx((1 + 0 + 0.5) / 3)
    assert m["r2"] == pytest.approx(1 - 5 / (14 / 3))


def test_mape_skips_zero_truths_and_is_none_when_all_are_zero():
    assert mape([0.0, 2.0], [1.0, 1.0]) == pytest.approx(0.5)
    assert mape([0.0, 0.0], [1.0, 1.0]) is None


def test_classifier_skill_is_the_share_of_the_majority_class_error_removed():
    y = np.array([1] * 60 + [0] * 40)
    pred = y.copy()
    pred[:20] = 0  # 80% accuracy; majority class scores 60%
    report = compare_classification(y, pred, majority_class=1)
    assert report["baseline"]["accuracy"] == pytest.approx(0.6)
    assert report["skill"] == pytest.approx(1 - 0.2 / 0.4)


def test_a_model_no_better_than_the_baseline_has_zero_skill():
    y = np.array([1.0, 2.0, 3.0])
    report = compare_regression(y, y + 1, y - 1, "shifted")
    assert report["skill"] == pytest.approx(0.0)
    assert compare_regression(y, y + 2, y - 1, "shifted")["skill"] == pytest.approx(-1.0)


def test_directional_accuracy():
    close = np.array([10.0, 10.0, 10.0, 10.0])
    truth = np.array([11.0, 9.0, 11.0, 9.0])
    pred = np.array([10.5, 9.5, 9.9, 10.1])
    assert directional_accuracy(close, truth, pred) == pytest.approx(0.5)


@pytest.mark.parametrize("seed", range(40))
def test_classification_metrics_match_scikit_learn(seed):
    """The one-confusion-matrix figures equal scikit-learn's, binary and macro, with labels
    missing on either side and single-class inputs among them."""
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    rng = np.random.default_rng(seed)
    n, classes = int(rng.integers(1, 60)), int(rng.choice([1, 2, 3]))
    y_true = rng.integers(0, classes, n)
    y_pred = rng.integers(int(rng.integers(0, classes)), classes, n)  # sometimes a class never predicted
    binary = set(y_true.tolist()) | set(y_pred.tolist()) <= {0, 1}
    average = "binary" if binary else "macro"
    expected = {
        "accuracy": accuracy_score(y_true, y_pred),
        "precision": precision_score(y_true, y_pred, average=average, zero_division=0),
        "recall": recall_score(y_true, y_pred, average=average, zero_division=0),
        "f1": f1_score(y_true, y_pred, average=average, zero_division=0),
    }
    assert classification_metrics(y_true, y_pred) == pytest.approx(expected, abs=1e-12)


def test_classification_metrics_refuse_empty_or_unequal_inputs():
    with pytest.raises(ValueError, match="at least one"):
        classification_metrics([], [])
    with pytest.raises(ValueError, match="as many predictions"):
        classification_metrics([0, 1], [1])
