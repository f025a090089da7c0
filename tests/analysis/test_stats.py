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


def test_every_claim_is_decided_by_its_least_clear_depth_or_its_clearest_case_behind():
    E = stats.Effect
    both = {"k = 1": E(5.0, 1.0, 3), "k = 2": E(2.5, 1.0, 3)}
    ok = stats.every_claim("c", both, headline=True)
    assert ok.verdict == "yes" and ok.effect == 2.5 and ok.ours.endswith("decided by k = 2 (the weakest depth)")
    open_ = stats.every_claim("c", {**both, "k = 3": E(1.0, 1.0, 3)}, headline=True)
    assert open_.holds and open_.verdict == "not resolved" and "within the noise at k = 3" in open_.ours
    missing = stats.every_claim("c", both, headline=True, missing=["k = F"])
    assert missing.verdict == "not resolved" and "not computed at k = F" in missing.ours
    # a depth whose runs share no seed is missing too, and no depth at all is no verdict
    unpaired = stats.every_claim("c", {**both, "k = 4": None}, headline=True)
    assert unpaired.verdict == "not resolved" and "not computed at k = 4" in unpaired.ours
    assert stats.every_claim("c", {"k = 1": None}).holds is None and stats.every_claim("c", {}).verdict == "cannot tell"
    # behind: a clear case with the seeds it needs decides, though another depth lacks seeds
    behind = stats.every_claim("c", {"k = 1": E(4.0, 1.0, 1), "k = 2": E(-3.0, 1.0, 3), "k = 3": E(-9.0, 1.0, 2)},
                               headline=True)
    assert behind.verdict == "no" and behind.effect == -3.0 and behind.seeds == 3
    short = stats.every_claim("c", {"k = 1": E(4.0, 1.0, 3), "k = 2": E(-3.0, 1.0, 2)}, headline=True)
    assert short.verdict == "not resolved" and "2 of the 3 seeds" in short.render()
    # where it holds, a depth short of seeds decides and shows its own seeds
    few = stats.every_claim("c", {"k = 1": E(3.0, 1.0, 3), "k = 2": E(50.0, 1.0, 1)}, headline=True)
    assert few.verdict == "not resolved" and few.effect == 50.0 and few.seeds == 1 and few.ours.endswith("k = 2 (the weakest depth short of seeds)")
    # a printed tie is neither ahead nor behind, even with no error at all, and it is what decides
    tie = stats.every_claim("c", {"k = 1": E(4.0, 1.0, 3), "k = 2": E(0.04, 0.0, 3)})
    assert tie.holds is False and tie.verdict == "not resolved" and tie.ours.endswith("decided by k = 2 (the weakest depth not ahead)")
    assert stats.every_claim("c", {"k = 1": E(4.0, 1.0, 3), "k = 2": E(-0.04, 0.0, 3)}).verdict == "not resolved"


def test_an_experience_counts_the_classes_its_stream_recorded_not_the_split_presets():
    transfer = {"stream": {"test_per_class": 500, "class_order": [[4, 1, 7, 5, 3], [9, 0, 8, 6, 2]]},
                "preset": {"classes_per_experience": 2, "transfer_classes": 5}}
    assert stats.test_size(transfer) == 2500 and stats.chance(transfer) == 20.0
    split = {"stream": {"test_per_class": 500}, "preset": {"classes_per_experience": 2}}  # no order recorded
    assert stats.test_size(split) == 1000 and stats.chance(split) == 50.0
