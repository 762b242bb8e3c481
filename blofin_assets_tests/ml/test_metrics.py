import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from blofin_assets.ml.metrics import (
    chance_row_gains,
    classification_metrics,
    classification_skill,
    compare_classification,
    compare_regression,
    mape,
    regression_metrics,
    skill_standard_error,
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


def test_classifier_skill_is_the_share_of_the_chance_agreement_error_removed():
    y = np.array([1] * 60 + [0] * 40)
    pred = y.copy()
    pred[:20] = 0  # 80% accuracy; 40% of predictions DOWN
    report = compare_classification(y, pred)
    chance = 0.6 * 0.4 + 0.4 * 0.6  # P(a blind predictor calling UP 40% of the time agrees)
    assert report["baseline"]["accuracy"] == pytest.approx(chance)
    assert report["skill"] == pytest.approx(1 - 0.2 / (1 - chance))
    assert report["skill"] == pytest.approx(cohen_kappa_score(y, pred))


def test_a_constant_predictor_has_skill_exactly_zero_in_integer_arithmetic():
    # the ensemble's out-of-fold rows on the embedded market: 2,622 DOWN and 2,574 UP; the
    # floating-point form of the old baseline put a constant DOWN at +2.2e-16
    y = np.array([0] * 2622 + [1] * 2574)
    for constant in (0, 1):
        report = compare_classification(y, np.full(len(y), constant))
        assert report["skill"] == 0.0
        assert not chance_row_gains(y, np.full(len(y), constant)).any()
    assert classification_skill([1, 1], [1, 1]) is None  # chance is certain: no skill to measure


@pytest.mark.parametrize("seed", range(3))
def test_row_gains_average_to_the_skill_and_match_scikit_learns_kappa(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, 500)
    pred = np.where(rng.random(500) < 0.4, y, rng.integers(0, 3, 500))
    assert chance_row_gains(y, pred).mean() == pytest.approx(classification_skill(y, pred), abs=1e-12)
    assert classification_skill(y, pred) == pytest.approx(cohen_kappa_score(y, pred), abs=1e-12)


def shifting_folds(rng, folds: int, rows: int = 600):
    """(train labels, test labels) per fold, the balance crossing 0.5 between them as it does
    after a trending stretch: UP shares 0.52 then 0.48, or 0.48 then 0.52."""
    for _ in range(folds):
        train_share, test_share = (0.52, 0.48) if rng.random() < 0.5 else (0.48, 0.52)
        yield (rng.random(rows) < train_share).astype(int), (rng.random(rows) < test_share).astype(int)


@pytest.mark.parametrize("calls_up", [0.3, 0.5, 0.7])
def test_a_label_independent_predictor_has_no_skill_whatever_the_balance_does(calls_up):
    """Blind predictors over folds whose class balance shifts: mean skill 0 within its standard
    error; against the training period's majority class the same predictions showed skill."""
    rng = np.random.default_rng(int(calls_up * 10))
    skills, against_majority = [], []
    for train, test in shifting_folds(rng, 400):
        blind = (rng.random(len(test)) < calls_up).astype(int)
        skills.append(compare_classification(test, blind)["skill"])
        majority = np.mean(test == int(train.mean() > 0.5))
        against_majority.append((np.mean(blind == test) - majority) / (1 - majority))
    skills = np.array(skills)
    assert abs(skills.mean()) < 2 * skills.std(ddof=1) / np.sqrt(len(skills))
    if calls_up == 0.5:
        # the old baseline: the training majority scores below a coin on the test rows
        old = np.array(against_majority)
        assert old.mean() > 3 * old.std(ddof=1) / np.sqrt(len(old))


def test_the_skill_standard_error_grows_with_the_labels_overlap():
    assert skill_standard_error(0.6, 0.5, 1000, 1) == pytest.approx(np.sqrt(0.24 / 1000) / 0.5)
    assert skill_standard_error(0.6, 0.5, 1000, 5) == pytest.approx(np.sqrt(0.24 / 200) / 0.5)
    assert skill_standard_error(1.0, 1.0, 10, 1) == np.inf


def test_a_model_no_better_than_the_baseline_has_zero_skill():
    y = np.array([1.0, 2.0, 3.0])
    report = compare_regression(y, y + 1, y - 1, "shifted")
    assert report["skill"] == pytest.approx(0.0)
    assert compare_regression(y, y + 2, y - 1, "shifted")["skill"] == pytest.approx(-1.0)


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
