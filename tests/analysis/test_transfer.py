"""Chapter 2's analysis: freeze depth and transfer, on hand-made results."""

import pytest

from phnlab.analysis import transfer
from fakes import PM, FakeResult, FakeSpec, assert_labelled, fake_metrics


def transfer_results(seeds=(0, 1)):
    out = []
    for a, b, decay in (("synthetic-shapes", "synthetic-glyphs", 0.0), ("synthetic-shapes", "synthetic-textures", 0.1)):
        for k in range(5):
            for seed in seeds:
                spec = FakeSpec(stream="transfer", strategy="lr", freeze_depth=k, replay_coef=0.0, seed=seed,
                                dataset=a, dataset2=b)
                m = fake_metrics(spec, T=2, E=3, base=0.9 - decay * k, datasets=(a, b))
                out.append(FakeResult(spec, m))
    return out


def test_transfer_frame_table_drops_and_figures():
    results = transfer_results()
    df = transfer.transfer_frame(results)
    assert len(df) == 20 and set(df.role) == {"similar", "dissimilar"}
    row = df[(df.role == "dissimilar") & (df.k == 4) & (df.seed == 0)].iloc[0]
    assert row.acc_exp2 == pytest.approx(50.0) and row.acc_exp1 == pytest.approx(50.0) and row.test_images == 100
    table = transfer.transfer_table(df)
    assert list(table.columns) == list(range(5)) and table.columns.name == "freeze depth k"
    assert table.loc[("synthetic-shapes → synthetic-glyphs", "similar"), 0] == f"90.5{PM}0.7"
    drops = {d["role"]: d for d in transfer.transfer_drops(df)}
    assert drops["similar"]["drop"] == pytest.approx(0.0) and drops["dissimilar"]["drop"] == pytest.approx(40.0)
    assert drops["dissimilar"]["k_worst"] == 4 and drops["dissimilar"]["se"] > 0
    verdict = transfer.transfer_verdict(df, "ci")
    less = verdict["The similar pair loses less"]
    assert less.holds is True and less.clear is True and less.ours == "ahead at 4 of 4 depths (point estimates); clear at k = 1, k = 2, k = 3, k = 4; decided by k = 1 (the weakest depth short of seeds)"
    assert "k = 4: +40.0 ± " in less.detail
    # a headline claim: two seeds leave it unresolved, the paper's three settle it
    assert less.seeds == 2 and less.seeds_needed == 3 and less.verdict == "not resolved"
    three = transfer.transfer_verdict(transfer.transfer_frame(transfer_results((0, 1, 2))), "ci")["The similar pair"]
    assert three.verdict == "yes" and three.seeds == 3 and three.effect == pytest.approx(10.0)  # k = 1, least clear
    lone = transfer.transfer_frame([r for r in transfer_results((0, 1, 2))  # k = 3: the pairs on other seeds
                                    if r.spec.freeze_depth != 3 or (r.spec.seed == 0) == (r.spec.dataset2 == "synthetic-glyphs")])
    unpaired = transfer.transfer_verdict(lone, "ci")["The similar pair"]
    assert "not computed at k = 3" in unpaired.ours and unpaired.verdict == "not resolved"
    assert verdict["Freezing does not hurt"].holds is True and verdict["Freezing does not hurt"].ours == "at every depth"
    assert any("drop from k = 0 at k = 1, 2, 3, 4: 10.0, 20.0, 30.0, 40.0 points" in d for d in verdict.details)
    assert not verdict.notes and "**yes**" in verdict.render()
    hurt = df.copy()
    hurt.loc[(hurt.role == "similar") & (hurt.k >= 3), "acc_exp2"] -= 30.0
    unhurt = transfer.transfer_verdict(hurt, "ci")["Freezing does not hurt"]
    assert unhurt.holds is False and unhurt.ours == "only up to k = 2; deeper it loses more, up to 30.0 points at k = 3"
    close = df.copy()
    close.loc[close.role == "dissimilar", "acc_exp2"] = close.loc[close.role == "similar", "acc_exp2"].values
    close.loc[(close.role == "dissimilar") & (close.k == 4), "acc_exp2"] -= 1.0
    noisy = transfer.transfer_verdict(close, "ci")
    claim = noisy["The similar pair"]  # equal drops at k = 1-3, 1 point apart at k = 4: no depth clear
    assert claim.holds is False and claim.clear is False and claim.verdict == "not resolved"
    assert "At k = 1, 2, 3, 4 the difference is within" in noisy.notes[0] and "those depths did not resolve" in noisy.notes[0]
    one_role = df[df.role == "similar"]
    assert transfer.transfer_verdict(one_role, "ci")["The similar pair"].holds is None
    assert_labelled(transfer.plot_transfer(df))
    fig = transfer.transfer_depth_figure(results, 3)
    curve_ax = [ax for ax in fig.axes if ax.get_xlabel()][0]
    assert [line.get_label() for line in curve_ax.lines] == ["shapes → glyphs", "shapes → textures", "chance"]
    assert list(curve_ax.lines[0].get_xdata()) == [1, 2, 3]
    assert list(curve_ax.lines[0].get_ydata()) == pytest.approx([70.5, 80.5, 90.5])  # mean of seeds 0, 1


def test_a_pair_computed_at_k_0_alone_says_so():
    shallow = transfer.transfer_frame([r for r in transfer_results((0,)) if r.spec.freeze_depth == 0])
    verdict = transfer.transfer_verdict(shallow, "ci")
    assert verdict.claims[0].holds is None
    assert all(d.endswith("no deeper freeze depth computed yet") for d in verdict.details)
