"""Mean ± sd, chance and the sampling noise behind the verdicts."""

import pytest
from phnlab.analysis import stats
from fakes import PM


def test_pm_and_noise_helpers():
    assert stats.pm(61.94, 1.66) == f"61.9{PM}1.7"
    assert stats.pm(5.0) == "5.0" and stats.pm(None) == "—" and stats.pm(float("nan")) == "—"
    assert stats.accuracy_se(0.5, 100) == pytest.approx(5.0)
    assert stats.accuracy_se(0.5, None) == 0.0 and stats.accuracy_se(0.5, float("nan")) == 0.0
    assert stats.diff_se(0.5, 0.5, 100) == pytest.approx(5 * 2 ** 0.5)
    assert stats.diff_se(0.5, 0.5, 100, runs=4) == pytest.approx(5 * 2 ** 0.5 / 2)
    assert stats.clear_effect(10.1, 5) and not stats.clear_effect(-9.9, 5)
