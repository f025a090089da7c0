"""Chapter 6's analysis: the gradient cosine per step."""

import pytest

from phnlab.analysis import cosine
from fakes import assert_labelled, result


def test_cosine_frame_selects_one_epoch_and_counts_its_steps():
    results = [result(seed=s, T=3, E=2) for s in (0, 1)]
    df = cosine.cosine_frame(results, experience=1, epoch=0)
    assert len(df) == 6 and set(df.seed) == {0, 1}
    assert list(df[df.seed == 0].step) == [1, 2, 3]
    assert list(df[df.seed == 0].cosine) == pytest.approx([-0.5, -0.4, -0.3])
    assert len(cosine.cosine_frame(results, experience=2, epoch=1)) == 6
    assert cosine.cosine_frame([result(strategy="lr")] * 0).empty
    assert_labelled(cosine.plot_cosines(df))
    verdict, per_seed = cosine.cosine_verdict(df, "ci")
    (claim,) = verdict.claims
    assert claim.holds and claim.ours.endswith("negative for 2 of 2 seeds")
    assert verdict.notes == ("With 3 steps per epoch at the **ci** preset, this is a thin sample.",)
    assert per_seed.loc[0, "mean"] == pytest.approx(-0.4) and per_seed.loc[0, "negative"] == 1.0
    df.loc[df.seed == 1, "cosine"] += 1.0
    (claim,) = cosine.cosine_verdict(df, "ci")[0].claims
    assert claim.holds is False and claim.ours.endswith("negative for 1 of 2 seeds")
    per_exp = cosine.cosine_experiences_frame(results)
    assert list(per_exp.index) == [2, 3] and list(per_exp["steps"]) == [6, 6]
    assert per_exp.loc[2, "mean"] == pytest.approx(-0.4) and per_exp.loc[3, "negative"] == 1.0
    (every,) = cosine.cosine_experiences_verdict(per_exp).claims
    assert every.holds and "negative in 2 of 2 experiences" in every.ours
    assert every.detail.startswith("per experience, mean and share of steps below zero: 2: -0.40 (")


def test_one_figure_per_experience_from_the_second():
    figs = cosine.experience_figures([result(seed=0, T=4, E=2)])
    assert sorted(figs) == [2, 3, 4]
    assert figs[3].axes[0].get_title() == "HN-4, first epoch of experience 3"


def test_the_conflict_weakens_only_when_the_trend_over_all_experiences_says_so():
    import pandas as pd

    frame = lambda means: pd.DataFrame({"steps": 10, "mean": means, "negative": 1.0},  # noqa: E731
                                       index=pd.Index(range(2, 2 + len(means)), name="experience"))
    # the ends halve, but experience 5 conflicts most: no trend to speak of
    assert not cosine.cosine_experiences_verdict(frame([-0.458, -0.436, -0.284, -0.555, -0.226])).notes
    (note,) = cosine.cosine_experiences_verdict(frame([-0.6, -0.45, -0.3, -0.2, -0.1])).notes
    assert note.startswith("The conflict weakens") and "-0.58 at experience 2" in note and "-0.08 at experience 6" in note  # fitted: -0.33 + 0.125 (e - 4)
    assert not cosine.cosine_experiences_verdict(frame([0.4, 0.2, 0.1])).notes  # no conflict to weaken


def test_every_experience_means_every_one_clear_of_its_noise():
    import pandas as pd

    from phnlab.analysis.cosine import cosine_experiences_verdict

    frame = pd.DataFrame({"steps": [40, 40], "mean": [-0.5, -0.23], "se": [0.02, 0.2], "negative": [0.9, 0.56]},
                         index=pd.Index([2, 3], name="experience"))
    claim = cosine_experiences_verdict(frame).claims[0]
    assert claim.holds is True and claim.clear is False and claim.verdict == "not resolved"
    assert "more than 2 SE below zero in 1" in claim.ours


def test_every_experience_is_judged_against_the_spread_over_seeds_not_over_steps():
    """Two seeds whose steps sit tightly around -0.5 and -0.02: the steps' error is tiny, the seeds' is not."""
    results = [result(seed=s, T=3, E=2) for s in (0, 1)]
    for r, shift in zip(results, (0.0, 0.48)):
        for c in r.metrics["cosines"]:
            c["cosine"] = -0.5 + shift + 0.001 * c["step"] % 0.003
    frame = cosine.cosine_experiences_frame(results)
    assert list(frame["seeds"]) == [2, 2] and frame.loc[2, "se"] == pytest.approx(0.24, abs=0.01)
    claim = cosine.cosine_experiences_verdict(frame).claims[0]
    assert claim.holds and claim.clear is False and claim.verdict == "not resolved"
    assert claim.seeds == 2 and claim.se == pytest.approx(0.24, abs=0.01) and "over seeds" in claim.rule
    assert "± 0.24 SE" in claim.render()  # a cosine's effect prints with two decimals
    one = cosine.cosine_experiences_frame(results[:1])  # one seed: the error over its steps
    assert one.loc[2, "se"] < 0.01 and "over its steps" in cosine.cosine_experiences_verdict(one).claims[0].rule


def test_figure12s_claim_carries_its_mean_and_error_over_seeds():
    results = [result(seed=s, T=3, E=2) for s in (0, 1, 2)]
    for r, shift in zip(results, (0.0, 0.1, 0.2)):
        for c in r.metrics["cosines"]:
            c["cosine"] += shift
    (claim,) = cosine.cosine_verdict(cosine.cosine_frame(results, experience=1, epoch=0), "ci")[0].claims
    assert claim.holds and claim.effect == pytest.approx(-0.3) and claim.se == pytest.approx(0.1 / 3 ** 0.5)
    assert claim.clear and claim.seeds == 3 and "over seeds" in claim.rule and "(effect -0.30 ± 0.06 SE" in claim.render()
