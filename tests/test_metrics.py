import pytest

from phnlab.metrics import aca, aca_curve, forgetting, learning_accuracy, summarize

NAN = float("nan")
# hand-worked: three experiences
ACC = [
    [0.90, NAN, NAN],
    [0.60, 0.80, NAN],
    [0.50, 0.70, 0.95],
]


def test_aca_after_each_experience():
    assert aca_curve(ACC) == pytest.approx([0.90, 0.70, (0.50 + 0.70 + 0.95) / 3])
    assert aca(ACC, after=1) == pytest.approx(0.70)


def test_learning_accuracy_is_the_diagonal_mean():
    assert learning_accuracy(ACC) == pytest.approx((0.90 + 0.80 + 0.95) / 3)


def test_forgetting_excludes_the_experience_just_trained():
    assert forgetting(ACC) == pytest.approx(((0.90 - 0.50) + (0.80 - 0.70)) / 2)
    assert forgetting(ACC, after=1) == pytest.approx(0.30)
    assert forgetting(ACC[:1]) == 0.0


def test_improvement_is_negative_forgetting():
    assert forgetting([[0.5], [0.7, 0.9]]) == pytest.approx(-0.2)


def test_summary_and_bad_matrix():
    assert set(summarize(ACC)) == {"aca", "learning_accuracy", "forgetting"}
    with pytest.raises(ValueError):
        aca([[0.5], []])
