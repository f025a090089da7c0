"""Chapter 4's analysis: Table 2 and Figure 8 on hand-made results."""

from types import SimpleNamespace

import pytest

from phnlab import paper
from phnlab.analysis import figures, split
from fakes import PM, FakeSpec, fake_metrics, fake_table2_rows, result


def test_table2_frame_and_verdict():
    rows = fake_table2_rows()
    t = split.table2_frame(rows)
    assert t.loc[("HN-4", 2), ("ACA (%)", "paper")] == f"73.6{PM}0.9"
    assert t.loc[("HN-4", 2), ("ACA (%)", "ours")] == f"70.0{PM}1.0"
    assert t.loc[("HN-4", 2), ("time", "ours (s)")] == "30"
    assert t.loc[("LR-0", 2), ("ACA (%)", "paper")] == "—"
    assert split.table2_frame(fake_table2_rows(seeds=1)).loc[("HN-4", 1), ("ACA (%)", "ours")] == "70.0"
    results = [result(T=4)]
    preset = SimpleNamespace(name="ci", classes_per_experience=5, epochs=2, train_per_class=40)
    v = split.table2_verdict(rows, results, preset)
    assert "HN-k beats LR-k in ACA: **5 of 5** depths" in v and "5 of the 5 differences exceed" in v
    assert "Paper: 4 of 4." in v
    t2 = paper.TABLE2["cifar100"]
    assert f"in 0.50× the time (paper: {t2['HN-2']['aca'][0] - t2['HN-F']['aca'][0]:+.1f} points" in v
    assert "HN-2 is faster: **yes**" in v and "HN-k forgets less than LR-k: **5 of 5**" in v
    assert "points); 5 of these exceed twice their sampling error" in v
    assert ("HN forgets less than Naive: **5 of 5** (Naive 30.0; HN-1 3.0, HN-2 3.0, HN-3 3.0, HN-4 3.0, HN-F 3.0 "
            "points); 5 of these exceed twice their sampling error. Paper: 5 of 5.") in v
    close = [{**r, "forgetting": (29.5, 0.5)} if r["strategy"].startswith("HN") else r for r in fake_table2_rows()]
    v_close = split.table2_verdict(close, results, preset)
    assert "points); 0 of these exceed twice their sampling error" in v_close
    assert "HN forgets less than Naive: **5 of 5** (Naive 30.0; HN-1 29.5" in v_close
    assert "29.5 points); 0 of these exceed twice their sampling error. Paper: 5 of 5." in v_close
    calm = [{**r, "forgetting": (2.0, 0.5)} if r["strategy"] == "Naive" else r for r in fake_table2_rows()]
    assert "HN forgets less than Naive: **0 of 5**" in split.table2_verdict(calm, results, preset)
    assert "barely learn" not in v
    low = split.table2_verdict(fake_table2_rows(aca_hn=22.0), results, preset)
    assert "HN-k beats LR-k in ACA: **0 of 5**" in low
    weak = fake_table2_rows()
    for r in weak:
        if r["strategy"].startswith("HN"):
            r["learning_accuracy"] = (25.0, 1.0)
    assert "HN-1, HN-2, HN-3, HN-4, HN-F learn each experience to within 10 points of chance (20 %" in \
        split.table2_verdict(weak, results, preset)


def test_experience_panels_retention_and_figure8_verdict():
    groups = {"HN-3": [fake_metrics(FakeSpec(seed=s), T=4, decay=0.01, base=0.6) for s in (0, 1)],
              "LR-3 (c=1)": [fake_metrics(FakeSpec(strategy="lr", freeze_depth=3), T=4, decay=0.3)],
              "LR-3 (c=0)": [fake_metrics(FakeSpec(strategy="lr", freeze_depth=3), T=4, decay=0.2)]}
    fig = figures.plot_experience_panels(groups, (0, 1, 2))
    assert len([ax for ax in fig.axes if ax.axison]) == 3
    assert fig.get_supxlabel() == "training epochs since the stream began"  # one x label for the row
    assert fig.axes[0].get_ylabel() == "test accuracy (%)" and fig.axes[1].get_ylabel() == ""
    assert all(ax.get_xlim() == (0.5, 8.5) for ax in fig.axes if ax.axison)  # same time axis in every panel
    ret = split.retention_frame(groups, (0, 1, 2))
    assert ret.loc[("LR-3 (c=1)", 1), "lost (points)"] == pytest.approx(90.0)
    assert ret.loc[("HN-3", 3), "lost (points)"] == pytest.approx(1.0)
    assert ret.attrs == {"test_images": 100, "seeds": 1}
    v = split.figure8_verdict(ret)
    assert "Does HN-3 lose the least, as in the paper? **yes**" in v
    assert "Is its learning accuracy the lower one, as in the paper? **yes**" in v and "sampling error" not in v
    close = {name: [fake_metrics(FakeSpec(), T=4, decay=d)] for name, d in
             (("HN-3", 0.02), ("LR-3 (c=1)", 0.03), ("LR-3 (c=0)", 0.01))}
    v = split.figure8_verdict(split.retention_frame(close, (0, 1, 2)))
    assert "lose the least, as in the paper? **no**" in v
    assert "within twice their sampling error" in v and "100 test images per experience" in v


def test_split_groups_name_replay_and_draw_figure8_and_each_depth():
    results = [result(stream="split", strategy="lr", freeze_depth=k, replay_coef=c, T=3)
               for k in range(5) for c in (0.0, 1.0)]
    results += [result(stream="split", strategy="hn", freeze_depth=k, T=3) for k in range(5)]
    groups = split.split_groups(results)
    assert {"LR-3 (c=1)", "LR-3 (c=0)", "HN-3", "HN-F", "LR-0 (c=1)"} <= set(groups)
    fig8 = split.figure8_groups(groups)
    assert list(fig8) == ["LR-3 (c=0)", "LR-3 (c=1)", "HN-3"]
    assert len([ax for ax in split.plot_figure8(fig8).axes if ax.axison]) == 3
    fig = split.depth_panels(groups, 0)
    assert fig.get_suptitle() == "freeze depth k = 0: LR-0 (c=1) vs HN-F"
    labels = [line.get_label() for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")]
    assert labels == ["LR-0 (c=1)", "HN-F"]
