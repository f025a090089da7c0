"""Chapter 3's analysis: Table 1 and Figure 7 on hand-made results."""

import pytest

from phnlab import paper
from phnlab.analysis import noisy, stats
from fakes import FakeResult, fake_metrics, result


def noisy_results():
    out = []
    for stream, harm in (("noisy", 0.2), ("clean", 0.0)):
        for strategy in ("lr", "hn"):
            for k in (2, 3, 4):
                decay = 0.05 + (harm if strategy == "lr" else 0.0)
                out.append(result(stream=stream, strategy=strategy, freeze_depth=k, T=4, E=2, decay=decay))
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
    verdict = noisy.noisy_verdict(results, "ci")
    # LR: noisy ends 60 points lower than normal at every depth; HN: the same in both streams
    harmed = verdict["LR ends lower"]
    assert harmed.holds is True and harmed.ours == "at 3 of 3 depths" and harmed.clear is True
    assert "Normal − noisy: k = 2: +60.0, k = 3: +60.0, k = 4: +60.0 points" in harmed.detail
    assert "exceeded at 3 of 3" in harmed.detail and "LR forgets experience 1 by " in harmed.detail
    assert verdict["At the end of the noisy stream HN holds"].holds is True
    assert verdict["HN's accuracy on experience 1 moves less"].ours == "at 3 of 3 depths"
    assert verdict["HN learns less"].paper == "6 of 6" and not verdict.notes
    fig = noisy.plot_noisy_first_experience(results)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_ylabel() == "accuracy on experience 1 (%)" and fig.axes[1].get_xlabel()
    assert len(fig.axes[0].lines) >= 6  # LR-2..4 noisy and normal
    weak = [FakeResult(r.spec, fake_metrics(r.spec, T=4, decay=0.05)) for r in results]
    weak_verdict = noisy.noisy_verdict(weak, "ci")
    assert weak_verdict["LR ends lower"].holds is False and weak_verdict["LR ends lower"].clear is False
    assert "this run **cannot show** the paper's effect" in weak_verdict.notes[0]
