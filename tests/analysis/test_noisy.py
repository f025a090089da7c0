"""Chapter 3's analysis: Table 1 and Figure 7 on hand-made results."""

import pytest

from phnlab import paper
from phnlab.analysis import noisy, stats
from fakes import FakeResult, fake_metrics, result


def noisy_results(seeds=(0,)):
    out = []
    for seed in seeds:
        for stream, harm in (("noisy", 0.2), ("clean", 0.0)):
            for strategy in ("lr", "hn"):
                for k in (2, 3, 4):
                    decay = 0.05 + (harm if strategy == "lr" else 0.0)
                    out.append(result(stream=stream, strategy=strategy, freeze_depth=k, T=4, E=2, decay=decay,
                                      seed=seed))
    return out


def test_table1_frame_beside_the_paper():
    t1 = noisy.table1_frame(noisy_results())
    assert t1.index.names == ["model", "stream", "source"] and list(t1.columns) == ["e1", "e2", "e3", "e4"]
    assert list(t1.index[:4]) == [("ResNet-2", "noisy", "ours (1 seed)"), ("ResNet-2", "noisy", "paper"),
                                  ("ResNet-2", "normal", "ours (1 seed)"), ("ResNet-2", "normal", "paper")]
    assert t1.loc[("ResNet-2*", "noisy", "paper"), "e4"] == stats.pm(*paper.TABLE1[("hn", 2, "noisy")][3])
    assert t1.loc[("ResNet-3", "normal", "ours (1 seed)"), "e1"] == "80.0"  # one seed: no spread shown


def test_first_experience_summary_verdict_and_figure7():
    results = noisy_results()
    s = noisy.first_experience_summary(results).set_index(["model", "stream"])
    assert s.loc[("LR-2", "noisy"), "forgetting of exp. 1 (points)"] == pytest.approx(3 * 25.0)
    assert s.loc[("HN-2", "noisy"), "forgetting of exp. 1 (points)"] == pytest.approx(15.0)
    assert s.loc[("LR-2", "normal"), "exp. 1 at the end (%)"] == pytest.approx(65.0)
    verdict = noisy.noisy_verdict(noisy_results(seeds=(0, 1, 2)), "ci")
    # LR: noisy ends 60 points lower than normal at every depth; HN: the same in both streams
    harmed = verdict["LR ends lower"]
    assert harmed.verdict == "yes" and harmed.clear is True and harmed.seeds == 3 and harmed.seeds_needed == 3
    assert harmed.effect == pytest.approx(60.0) and 0 < harmed.se < 30 and harmed.ours.endswith("lower at 3 of 3 depths")
    assert "k = 2: +60.0 ± " in harmed.detail and "LR forgets experience 1 by " in harmed.detail
    assert noisy.noisy_verdict(results, "ci")["LR ends lower"].verdict == "not resolved"  # one seed of three
    holds = verdict["At the end of the noisy stream HN holds"]
    assert holds.verdict == "yes" and holds.effect == pytest.approx(60.0)
    steadier = verdict["HN's accuracy on experience 1 moves less"]
    assert steadier.verdict == "yes" and steadier.effect == pytest.approx(60.0) and steadier.seeds_needed is None
    # the fakes learn each experience alike in both streams and both models: LR's gap is 0 (within the paper's
    # 3.4, clear of it beyond 2 SE), HN learns exactly as much as LR (the effect 0 is within its noise)
    same = verdict["LR learns the noisy stream about as well"]
    assert same.holds is True and same.effect == pytest.approx(0.0) and same.clear == (3.4 > 2 * same.se)
    less = verdict["HN learns less"]
    assert less.verdict == "not resolved" and less.paper == "in 6 of 6 pairs" and not verdict.notes
    fig = noisy.plot_noisy_first_experience(results)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_ylabel() == "accuracy on experience 1 (%)" and fig.axes[1].get_xlabel()
    assert len(fig.axes[0].lines) >= 6  # LR-2..4 noisy and normal
    weak = [FakeResult(r.spec, fake_metrics(r.spec, T=4, decay=0.05)) for r in results]
    weak_verdict = noisy.noisy_verdict(weak, "ci")
    assert weak_verdict["LR ends lower"].holds is False and weak_verdict["LR ends lower"].clear is False
    assert "this run **did not resolve** the paper's effect" in weak_verdict.notes[0]
    assert "is bounded" not in weak_verdict.notes[0]  # one seed: no spread to bound it with
    weak3 = [FakeResult(r.spec, fake_metrics(r.spec, T=4, decay=0.05)) for r in noisy_results(seeds=(0, 1, 2))]
    weak3_verdict = noisy.noisy_verdict(weak3, "ci")
    weak_lr = weak3_verdict["LR ends lower"]  # unresolved on three seeds: how large a harm it leaves open
    assert weak_lr.clear is False
    assert f"normal − noisy is at most {weak_lr.effect + 2 * weak_lr.se:+.1f} points" in weak3_verdict.notes[0]
    assert "LR forgets experience 1 by at most" in weak3_verdict.notes[0]


def test_depths_whose_runs_share_no_seed_are_left_out():
    apart = [r for r in noisy_results(seeds=(0, 1)) if (r.spec.strategy == "lr") == (r.spec.seed == 0)
             or r.spec.freeze_depth != 3]  # k = 3: LR on seed 0 only, HN on seed 1 only
    verdict = noisy.noisy_verdict(apart, "ci")
    assert "k = 3" not in verdict["LR ends lower"].detail and "k = 2: " in verdict["LR ends lower"].detail
    lone = [r for r in noisy_results(seeds=(0, 1)) if (r.spec.strategy == "lr") == (r.spec.seed == 0)]
    assert noisy.noisy_verdict(lone, "ci").claims[0].holds is None
