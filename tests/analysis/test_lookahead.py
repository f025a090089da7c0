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
    improves = v4["Look-ahead improves"]
    assert improves.holds and improves.ours == "at 5 of 5 depths" and improves.paper == f"{p_better} of 5"
    assert improves.detail.startswith("k = 0: +1.0") and improves.clear is None and not v4.notes
    assert v4["Look-ahead costs little"].ours.startswith("1.50× the time")
    v4n = lookahead.table4_verdict(r4, test_images=400)  # ±7 points: a 1-point gain is noise
    assert v4n["Look-ahead improves"].clear is False and "shows no clear effect" in v4n.notes[0]
    assert "0 of the 5 differences exceed twice their test-set sampling error" in v4n["Look-ahead improves"].detail
    assert lookahead.table4_verdict(r4, test_images=10**6)["Look-ahead improves"].clear is True
    r5 = rows45("5", {"first": 50.0, "second": 51.0}, {"first": 1.0, "second": 3.0})
    v5 = lookahead.table5_verdict(r5)
    assert v5["Second order beats"].ours == "at 5 of 5 depths" and v5["Second order takes"].ours.startswith("3.00×")
    assert v5["First order is the better"].holds is False
    assert v5["First order is the better"].ours == "second order has the better ACA at most depths (5 of 5)"
    r5 = rows45("5", {"first": 51.0, "second": 50.0}, {"first": 1.0, "second": 3.0})
    better = lookahead.table5_verdict(r5)["First order is the better"]
    assert better.holds and better.ours.startswith("second order wins at 0 of 5 depths and costs more")
    r5 = rows45("5", {"first": 51.0, "second": 50.0}, {"first": 1.0, "second": 0.5})
    cheap = lookahead.table5_verdict(r5)["First order is the better"]
    assert cheap.holds is False and cheap.ours == "second order is not slower in total: 0.50×"
    frame = cost.lookahead_cost_frame(r4, r5)
    assert frame.loc["HN-F", "first / none (ours)"] == 1.5 and frame.loc["HN-4", "second / first (ours)"] == 0.5
    assert frame.loc["HN-4", "first / none (paper)"] == round(paper.TABLE4[4]["first"][2] / paper.TABLE4[4]["none"][2], 2)
    assert cost.lookahead_cost_verdict(frame)["Second order is dearer"].holds is False


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
    (fig11,) = lookahead.figure11_verdict(f11).claims
    assert fig11.ours.startswith("higher on 8 of 16 (experience, depth) curves (50 %)") and fig11.holds is False


def test_depth_curves_only_where_both_modes_ran():
    results = [result(strategy="hn", freeze_depth=k, lookahead=mode, T=3)
               for k in (2, 4) for mode in ("none", "first")] + [result(strategy="hn", freeze_depth=0, T=3)]
    curves = lookahead.depth_curves(lookahead.lookahead_groups(results))
    assert sorted(curves) == [2, 4] and curves[4].get_suptitle() == "HN-4: look-ahead vs none"


def test_a_difference_that_rounds_to_zero_shows_its_sign():
    from phnlab.analysis.lookahead import _points

    assert [_points(d) for d in (1.04, -0.3, 0.03, -0.004, 0.0)] == ["+1.0", "-0.3", "+0.03", "-0.00", "+0.0"]


def test_figure11_calls_a_coin_flip_not_resolved():
    import pandas as pd

    from phnlab.analysis.lookahead import figure11_verdict

    flip = pd.DataFrame({"look-ahead higher on average": [16], "experiences": [30]})
    assert figure11_verdict(flip).claims[0].verdict == "not resolved"
    clear = pd.DataFrame({"look-ahead higher on average": [27], "experiences": [30]})
    assert figure11_verdict(clear).claims[0].verdict == "yes"


def test_lookahead_verdicts_on_part_of_the_depths_and_untimed_runs():
    r4 = rows45("4", {"none": 50.0, "first": 52.0}, {"none": 1.0, "first": 1.5})
    part = [r for r in r4 if r["mode"] == "first" or r["k"] in (2, 4)]  # no look-ahead computed at k = 2, 4 only
    v4 = lookahead.table4_verdict(part, timing=False)
    assert v4["Look-ahead improves"].ours == "at 2 of 2 depths (only k = 2, 4 of 0-4 computed)"
    cost_claim = v4["Look-ahead costs little"]
    assert cost_claim.holds is None and cost_claim.verdict == "cannot tell" and "not measured" in cost_claim.ours
    assert lookahead.table4_verdict([r for r in r4 if r["mode"] == "first"]) is None  # nothing to compare
    one = lookahead.table4_verdict([r for r in r4 if r["mode"] == "first" or r["k"] == 4])["Look-ahead improves"]
    assert one.holds is None and one.verdict == "cannot tell"  # 1 of 5 depths cannot say "most"
    three = [r for r in r4 if r["mode"] == "first" or r["k"] in (0, 1, 2)]
    assert lookahead.table4_verdict(three)["Look-ahead improves"].holds is True  # 3 of 5 already decide it
    r5 = rows45("5", {"first": 51.0, "second": 50.0}, {"first": 1.0, "second": 3.0})
    untimed = lookahead.table5_verdict(r5, timing=False)
    assert untimed["Second order takes"].holds is None
    assert untimed["First order is the better"].holds is None  # first order wins in ACA; the time decides
    r5 = rows45("5", {"first": 50.0, "second": 51.0}, {"first": 1.0, "second": 3.0})
    assert lookahead.table5_verdict(r5, timing=False)["First order is the better"].holds is False  # ACA alone


def test_a_second_order_gain_within_the_noise_does_not_pay_for_its_time():
    r5 = rows45("5", {"first": 50.0, "second": 50.5}, {"first": 1.0, "second": 3.0})  # +0.5 at every depth
    tiny = lookahead.table5_verdict(r5, test_images=1000)  # 2·SE of a difference ≈ 4.5 points: within the noise
    assert tiny["Second order beats"].holds and tiny["First order is the better"].holds
    assert "(0 clear of the noise)" in tiny["First order is the better"].ours
    large = lookahead.table5_verdict(r5, test_images=10_000_000)  # the same gain, far beyond its noise
    assert large["First order is the better"].holds is False
    assert "clearly better ACA at most depths (5 of 5)" in large["First order is the better"].ours
