"""Chapter 5's analysis: Tables 4 and 5 and Figure 11 on hand-made rows."""

from phnlab import paper
from phnlab.analysis import cost, lookahead
from fakes import FakeSpec, fake_metrics, result


def rows45(table, aca, minutes):
    modes = ("none", "first") if table == "4" else ("first", "second")
    published = paper.TABLE4 if table == "4" else paper.TABLE5
    return [{"k": k, "mode": mode, "seeds": 1, "aca": aca[mode] + k, "learning_accuracy": 60.0,
             "minutes": minutes[mode], "paper_aca": published[k][mode][0],
             "paper_learning_accuracy": published[k][mode][1], "paper_minutes": published[k][mode][2]}
            for k in range(5) for mode in modes]


def test_table45_frame_and_verdicts():
    r4 = rows45("4", {"none": 50.0, "first": 51.04}, {"none": 1.0, "first": 1.5})
    t = lookahead.table45_frame(r4, "4")
    assert t.loc[("ResNet-0", "first order"), ("ACA (%)", "ours")] == 51.0
    assert t.loc[("ResNet-0", "no look-ahead"), ("time", "paper (min)")] == paper.TABLE4[0]["none"][2]
    p_better = sum(v["first"][0] > v["none"][0] for v in paper.TABLE4.values())
    v4 = lookahead.table4_verdict(r4)
    assert "**5 of 5** depths (k = 0: +1.0" in v4 and f"paper: {p_better} of 5" in v4
    assert "in most cases: **yes**" in v4 and "it takes 1.50× the time" in v4 and "sampling error" not in v4
    v4n = lookahead.table4_verdict(r4, test_images=400)  # ±7 points: a 1-point gain is noise
    assert "0 of these 5 differences exceed twice their test-set sampling error" in v4n and "shows no effect" in v4n
    assert "5 of these 5 differences" in lookahead.table4_verdict(r4, test_images=10**6)
    r5 = rows45("5", {"first": 50.0, "second": 51.0}, {"first": 1.0, "second": 3.0})
    v5 = lookahead.table5_verdict(r5)
    assert "at **5 of 5** depths" in v5 and "It takes 3.00× the time" in v5
    assert "as the paper concludes: **no** (second order has the better ACA at most depths (5 of 5))." in v5
    r5 = rows45("5", {"first": 51.0, "second": 50.0}, {"first": 1.0, "second": 3.0})
    assert "as the paper concludes: **yes** (second order wins at 0 of 5 depths and costs more" in lookahead.table5_verdict(r5)
    r5 = rows45("5", {"first": 51.0, "second": 50.0}, {"first": 1.0, "second": 0.5})
    assert "**no** (second order is not slower in total: 0.50×)." in lookahead.table5_verdict(r5)
    frame = cost.lookahead_cost_frame(r4, r5)
    assert frame.loc["HN-F", "first / none (ours)"] == 1.5 and frame.loc["HN-4", "second / first (ours)"] == 0.5
    assert frame.loc["HN-4", "first / none (paper)"] == round(paper.TABLE4[4]["first"][2] / paper.TABLE4[4]["none"][2], 2)
    assert "Second order dearer than first at every depth: **no**" in cost.lookahead_cost_verdict(frame)


def test_lookahead_curves_and_figure11():
    first = [fake_metrics(FakeSpec(), T=10)]
    none = [fake_metrics(FakeSpec(lookahead="none"), T=10, decay=0.2)]
    fig = lookahead.plot_lookahead_curves(none, first)
    assert len([ax for ax in fig.axes if ax.axison]) == 8  # the paper's 8 experiences at most
    assert fig.get_size_inches()[0] <= 10
    six = lookahead.plot_lookahead_curves([fake_metrics(FakeSpec(), T=6)], [fake_metrics(FakeSpec(), T=6)])
    assert len(six.axes) == 6 and six.get_size_inches()[1] <= 8  # 2 rows of 3
    groups = {(4, "first"): first, (4, "none"): none, (0, "first"): none, (0, "none"): first}
    f11 = lookahead.figure11_frame(groups)
    assert f11.loc["HN-4", "look-ahead higher on average"] == 8
    assert f11.loc["HN-F", "look-ahead higher on average"] == 0 and f11.loc["HN-F", "which"] == "—"
    v = lookahead.figure11_verdict(f11)
    assert "higher on 8 of 16 (experience, depth) curves (50 %)" in v and "most curves here: **no**" in v


def test_depth_curves_only_where_both_modes_ran():
    results = [result(strategy="hn", freeze_depth=k, lookahead=mode, T=3)
               for k in (2, 4) for mode in ("none", "first")] + [result(strategy="hn", freeze_depth=0, T=3)]
    curves = lookahead.depth_curves(lookahead.lookahead_groups(results))
    assert sorted(curves) == [2, 4] and curves[4].get_suptitle() == "HN-4: look-ahead vs none"
