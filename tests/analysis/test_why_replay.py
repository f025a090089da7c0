"""Chapter 8's analysis on hand-made results: the frames and verdicts carry the numbers they are given."""

from types import SimpleNamespace

import pytest

from phnlab import paper
from phnlab.analysis import replay_regime as G
from phnlab.analysis import why_replay as W
from phnlab.config import get_preset
from phnlab.experiments.spec import RunSpec
from phnlab.experiments.sweeps import combined_specs, hn4_specs, regime_specs, sweep_specs

QUICK = get_preset("quick")
OWN = 32  # quick: 500 images per experience in batches of 64, 4 epochs
PAPER_LR4 = paper.TABLE2["cifar100"]["LR-4"]["forgetting"][0]
PAPER_HN4 = paper.TABLE2["cifar100"]["HN-4"]["forgetting"][0]


def result(spec, forgetting, aca=0.5, learning=0.55):
    return SimpleNamespace(spec=spec, metrics={"forgetting": forgetting, "aca": aca, "learning_accuracy": learning})


def lr4(*over, c=1.0, seed=0):
    return RunSpec("split", "lr", 4, replay_coef=c, seed=seed, preset="quick", overrides=tuple(over))


def test_the_sweeps_ask_for_what_the_frames_read():
    regime = regime_specs("quick")
    assert {(dict(s.normalized().overrides).get("epochs", 4), s.freeze_depth) for s in regime} == {(4, 4), (31, 4), (4, 2)}
    (combined,) = combined_specs("quick")
    assert dict(combined.overrides)["buffer_size"] == 60 and dict(combined.overrides)["bn_policy"] == "running"
    steps = [s for s in hn4_specs("quick", (0, 1)) if "epochs" in dict(s.overrides)]
    assert len(steps) == 1 and steps[0].seed == 0


def test_gap_verdict_splits_the_gap_and_names_the_largest_setting():
    off = ("curve_every_epoch", False)
    results = [
        result(lr4(), 0.00), result(lr4(("bn_policy", "running")), 0.02),  # Table 2's runs: the regime's own steps
        result(lr4(off, ("epochs", 31)), 0.05), result(lr4(("bn_policy", "running"), off, ("epochs", 31)), 0.107),
        result(lr4(("buffer_size", 60)), 0.05), result(lr4(("bn_policy", "running"), ("buffer_size", 60)), 0.08),
        result(lr4(c=0.0), 0.0), result(lr4(("bn_policy", "running"), c=0.0), -0.01),
        result(combined_specs("quick")[0], 0.15),
    ]
    regime = G.regime_frame(results, QUICK)
    assert regime.loc[("LR-4", 248, "running"), "forgetting (points)"] == pytest.approx(10.7)
    buffer = G.buffer_frame(results, QUICK)
    assert buffer.loc[("LR-4", 2.0, "running"), "forgetting (points)"] == pytest.approx(8.0)
    assert buffer.loc[("LR-4", 6.7, "population"), "forgetting (points)"] == pytest.approx(0.0)
    combined = G.combined_value(results, QUICK)
    assert combined == (pytest.approx(15.0), 248)
    verdict = G.gap_verdict(None, regime, buffer, W.drift_frame(results), QUICK, combined)
    gap = PAPER_LR4 - 0.0
    assert f"a gap of {gap:.1f} points" in verdict.notes[0]
    assert any("2.0 points, **+2.0**" in d for d in verdict.details)  # normalisation alone, at the preset's steps
    assert any("**-1.0**" in d for d in verdict.details)  # drift alone: running − population without replay
    assert any(d.startswith("The replay regime alone, 248 steps") and "**+5.0** against 32 steps" in d for d in verdict.details)
    # under running, the regime is measured against running at the preset's steps, then both against the baseline
    assert any("10.7 points, **+8.7** against 32 steps under running" in d and "**+10.7** against the baseline" in d
               for d in verdict.details)
    (claim,) = verdict.claims
    assert claim.holds is False and claim.paper == f"{PAPER_LR4:.1f}"
    assert claim.ours.endswith("15.0 points (running, 2 latents per class, 248 steps)")
    assert claim.detail.startswith(f"{PAPER_LR4 - 15.0:.1f} points ({100 * (PAPER_LR4 - 15.0) / gap:.0f} %")
    reproduced = G.gap_verdict(None, regime, buffer, W.drift_frame(results), QUICK, (30.0, 248)).claims[0]
    assert reproduced.holds is True and not reproduced.detail
    assert G.gap_verdict(None, regime.iloc[0:0], buffer, W.drift_frame(results), QUICK).claims[0].holds is None


def test_hn4_verdict_reports_each_change_against_the_preset():
    hn4 = lambda *over, seed=0: RunSpec("split", "hn", 4, seed=seed, preset="quick", overrides=tuple(over))  # noqa: E731
    results = [result(hn4(seed=0), 0.062, aca=0.418), result(hn4(seed=1), 0.058, aca=0.40),
               result(hn4(("reg_coef", 2.0), seed=0), 0.003, aca=0.46),
               result(hn4(("task_lr", 1e-3), seed=0), 0.103, aca=0.30),
               result(hn4(("curve_every_epoch", False), ("epochs", 31)), 0.02, aca=0.55),
               result(hn4(("bn_policy", "batch")), 0.2)]  # another policy: not in this frame
    frame = G.hn4_frame(results)
    assert len(frame) == 4
    assert frame.loc[(0.03, 0.5, OWN), "seeds"] == 2
    assert frame.loc[(0.03, 0.5, OWN), "forgetting (points)"] == pytest.approx(6.0)
    verdict = G.hn4_verdict(frame, QUICK)
    assert "forgets **6.0** points" in verdict.notes[0] and f"(paper: {PAPER_HN4:.1f})" in verdict.notes[0]
    by_change = {c.claim.split(":")[0]: c for c in verdict.claims}
    assert by_change["λ 2"].ours.startswith(f"forgetting 0.3 points (paper {PAPER_HN4:.1f}; -5.7 against the preset's)")
    assert by_change["λ 2"].holds is True and by_change["λ 2"].paper is None  # no figure mislabelled as the paper's
    assert by_change["task-row lr 0.001"].ours.startswith(f"forgetting 10.3 points (paper {PAPER_HN4:.1f}; +4.3")
    assert by_change["task-row lr 0.001"].holds is False
    assert "ACA 55.0 % (+14.1)" in by_change["steps per experience 248"].ours


def test_long_schedule_verdict_compares_hn_and_lr_at_each_schedule():
    off, longer = ("curve_every_epoch", False), ("epochs", 31)
    spec = lambda s, k, *over, seed=0: RunSpec("split", s, k, seed=seed, preset="quick", overrides=tuple(over))  # noqa: E731
    results = [result(spec("lr", 4), -0.006, aca=0.505), result(spec("hn", 4), 0.062, aca=0.418),
               result(spec("lr", 4, off), -0.006, aca=0.505),  # the regime study's copy: not a row of its own
               result(spec("lr", 4, off, longer), 0.053, aca=0.608), result(spec("hn", 4, off, longer), 0.002, aca=0.68),
               result(spec("lr", 2), 0.037, aca=0.663), result(spec("hn", 2), -0.004, aca=0.498),
               result(spec("hn", 2, seed=1), 0.0, aca=0.9),  # another seed
               result(spec("lr", 4, ("bn_policy", "running"), off, longer), 0.107, aca=0.566)]  # another policy
    frame = G.long_schedule_frame(results, seed=0)
    assert len(frame) == 6
    assert frame.loc[(4, 248, "HN-4"), "ACA (%)"] == pytest.approx(68.0)
    claims = G.long_schedule_verdict(frame).claims
    assert len(claims) == 3
    assert claims[0].claim.startswith("k = 2, 32 steps") and claims[0].holds is False
    assert claims[1].claim.startswith("k = 4, 32 steps") and claims[1].holds is False
    assert claims[2].claim.startswith("k = 4, 248 steps") and claims[2].ours == "HN-4 68.0 % against LR-4 60.8 %"
    assert claims[2].holds is True and claims[2].verdict == "not resolved"  # one seed: the ordering's rule needs three
    assert G.long_schedule_verdict(frame.iloc[0:0]).render() == ""


def test_longer_runs_in_the_store_are_read_and_the_longest_combined_one_counts(tmp_path):
    from phnlab.experiments.store import ResultsStore

    store = ResultsStore(tmp_path)
    (combined,) = combined_specs("quick")
    longer = RunSpec("split", "lr", 4, seed=0, preset="quick",
                     overrides=tuple(dict(combined.overrides, epochs=125).items()))
    other_preset = RunSpec("split", "lr", 4, seed=0, preset="ci", overrides=(("epochs", 9),))
    for spec, f in ((combined, 0.183), (longer, 0.25), (other_preset, 0.5), (lr4(), 0.0)):
        store.save_metrics(spec, {"forgetting": f, "aca": 0.5, "learning_accuracy": 0.5})
    swept = [result(combined, 0.183), result(lr4(), 0.0)]
    extra = G.longer_stored_runs(store, "quick", swept)
    assert [r.spec.key() for r in extra] == [longer.key()]
    assert G.combined_value(swept, QUICK) == (pytest.approx(18.3), 248)
    assert G.combined_value(swept + extra, QUICK) == (pytest.approx(25.0), 1000)


def test_ordering_summary_reads_chapter_4s_rule_and_the_longest_schedule():
    from phnlab.analysis.central import DepthComparison

    def comp(k, lr, hn, se=1.0, seeds=(0, 1, 2)):
        return DepthComparison(k, seeds, (lr, 0.0), (hn, 0.0), lr, hn, (1.0, None), (1.0, None), hn - lr, se)

    by_policy = {"population": [comp(2, 66.3, 49.8), comp(4, 50.5, 41.8)],
                 "authors": [comp(2, 55.2, 56.0), comp(4, 44.3, 38.0)]}
    import pandas as pd

    schedule = pd.DataFrame([{"k": 2, "steps per experience": 248, "model": "LR-2", "ACA (%)": 80.1},
                             {"k": 2, "steps per experience": 248, "model": "HN-2", "ACA (%)": 76.7},
                             {"k": 4, "steps per experience": 248, "model": "LR-4", "ACA (%)": 60.8},
                             {"k": 4, "steps per experience": 248, "model": "HN-4", "ACA (%)": 68.0},
                             {"k": 4, "steps per experience": 32, "model": "HN-4", "ACA (%)": 99.0}]
                            ).set_index(["k", "steps per experience", "model"])
    claims = G.ordering_summary(by_policy, schedule).claims
    assert claims[0].claim.startswith("Our (population)") and claims[0].ours.startswith("ahead at 0 of 2 depths (point estimates)")
    assert claims[0].verdict == "no"  # clearly behind at k = 2 with three seeds
    assert "(running for LR, batch for HN)" in claims[1].claim and claims[1].ours.startswith("ahead at 1 of 2 depths (point estimates)")
    assert claims[1].verdict == "no" and "decided by k = 4" in claims[1].ours  # -6.3 ± 1.0 at k = 4
    assert claims[2].claim.startswith("248 steps") and claims[2].ours.startswith("at 1 of 2 depths")
    assert "k = 2: LR, k = 4: HN" in claims[2].ours and claims[2].holds is False
    assert claims[2].verdict == "not resolved"  # one seed, and the ordering's rule needs three


def test_the_batch_size_probe_and_the_old_task_figure_take_plain_runs_at_one_depth():
    from fakes import fake_metrics

    def spec(strategy, k, *over, c=1.0, seed=0):
        return RunSpec("split", strategy, k, replay_coef=c, seed=seed, preset="quick", overrides=tuple(over))

    specs = [spec("lr", 2), spec("hn", 2), spec("lr", 2, ("bn_policy", "running")), spec("hn", 2, ("bn_policy", "batch")),
             spec("lr", 2, c=0.0), spec("lr", 2, ("epochs", 31)), spec("lr", 4), spec("hn", 2, seed=1)]
    probe = W.batch_size_probe(specs, seed=0)
    assert probe == specs[:4]
    # the same models named another way (the default policy by name, the authors' policy of LR) are probed once
    assert W.batch_size_probe(specs[:4] + [spec("lr", 2, ("bn_policy", "population")),
                                           spec("lr", 2, ("bn_policy", "authors"), ("curve_experiences", 1))], seed=0) == specs[:4]
    quick = W.batch_size_probe(sweep_specs("why-replay", "quick"), seed=0)
    assert len({s.trained().key() for s in quick}) == len(quick) == 4
    results = [SimpleNamespace(spec=s, metrics=fake_metrics(s)) for s in specs]
    fig = W.old_task_figure(results, 2)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")}
    assert set(lines) == {"LR-2 · population", "LR-2 · running", "HN-2 · population", "HN-2 · batch"}
    assert lines["LR-2 · running"].get_linestyle() == "--" and lines["HN-2 · population"].get_linestyle() == "-"


def test_the_regime_points_at_the_presets_steps_are_table2s_runs_of_the_regime_seed():
    table2 = {s.key() for s in sweep_specs("why-replay", "quick") if (s.stream, s.strategy, s.seed) == ("split", "lr", 0)
              and s.freeze_depth in (4, 2) and s.replay_coef == 1.0 and not W.others(s)}  # under both normalisations
    assert len(table2) == 4  # no copies trained apart
    assert {s.key() for s in regime_specs("quick") if "epochs" not in dict(s.overrides)} == table2
    lr = lambda k, *over, seed=0: RunSpec("split", "lr", k, seed=seed, preset="quick", overrides=tuple(over))  # noqa: E731
    results = [result(lr4(), 0.01), result(lr4(("curve_every_epoch", False)), 0.01),  # an older store's copy
               result(lr4(seed=1), 0.09), result(lr(3), 0.2), result(lr(2), 0.04),
               result(lr(3, ("curve_every_epoch", False), ("epochs", 125)), 0.3)]  # a longer schedule run by hand
    regime = G.regime_frame(results, QUICK, seed=0)
    assert regime.loc[("LR-4", OWN, "population"), "seeds"] == 1
    assert regime.loc[("LR-4", OWN, "population"), "forgetting (points)"] == pytest.approx(1.0)
    assert regime.loc[("LR-2", OWN, "population"), "forgetting (points)"] == pytest.approx(4.0)
    assert ("LR-3", OWN, "population") not in regime.index and ("LR-3", 1000, "population") in regime.index
    assert G.regime_frame(results, QUICK, seed=1).loc[("LR-4", OWN, "population"), "forgetting (points)"] == \
        pytest.approx(9.0)


def test_the_regime_cost_is_the_longest_lr4_schedules_time_scaled_to_longer_ones():
    timed = lambda spec, wall: SimpleNamespace(spec=spec, metrics={"forgetting": 0.1, "wall_time_s": wall})  # noqa: E731
    long = ("epochs", 31)  # 248 steps per experience under quick
    results = [timed(lr4(), 20.0), timed(lr4(long, ("bn_policy", "running")), 140.0), timed(lr4(long), 160.0),
               timed(lr4(long, seed=1), 999.0),  # another seed: not the study's
               timed(RunSpec("split", "hn", 4, preset="quick", overrides=(long,)), 999.0)]  # not LR
    text = G.regime_cost(results, seed=0)
    assert "248 steps per experience" in text and "140–160 s (2 runs)" in text
    # 150 s for 248 steps: 1,000 steps ~10 min, 4,000 ~40 min
    assert "a run of 1,000 steps per experience would take about 10 min, and one of 4,000 about 40 min." in text
    assert G.regime_cost(results[:1], seed=0, towards=(16,)).endswith("took 20 s where the book's runs were computed. "
                                                                      "`phnlab.experiments.sweeps.REGIME_STEPS` says how to run longer ones.")
    assert G.regime_cost([], seed=0) == ""


def test_the_regime_figure_writes_the_papers_lines_inside_its_axes():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from fakes import assert_labelled

    results = [result(lr4(), 0.01), result(lr4(("curve_every_epoch", False), ("epochs", 31)), 0.05),
               result(lr4(("bn_policy", "running")), 0.02)]
    fig = G.plot_regime(G.regime_frame(results, QUICK))
    assert_labelled(fig)
    FigureCanvasAgg(fig).draw()
    (ax,) = fig.axes
    box = ax.get_window_extent()
    labels = [t for t in ax.texts if t.get_text().startswith("paper ")]
    assert len(labels) == 2
    for t in labels:
        extent = t.get_window_extent()
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1, t.get_text()


def test_the_noisy_claims_under_each_normalisation_follow_chapter_3s_rule():
    from fakes import FakeResult, fake_metrics

    results = []
    for seed in (0, 1, 2):
        for over in ((), (("bn_policy", "authors"),)):
            for stream in ("noisy", "clean"):
                for strategy in ("lr", "hn"):
                    for k in (2, 4):
                        spec = RunSpec(stream, strategy, k, seed=seed, preset="quick", overrides=over)
                        harm = 0.2 if (strategy, stream) == ("lr", "noisy") else 0.0
                        results.append(FakeResult(spec, fake_metrics(spec, T=4, decay=0.05 + harm, test_per_class=100)))
    claims = W.noisy_verdict(results).claims
    assert [c.claim.split(":")[0] for c in claims] == ["population normalisation"] * 2 + ["authors' normalisation"] * 2
    assert claims[0].claim.startswith("population normalisation: LR ends lower")
    assert all(c.verdict == "yes" and c.seeds == 3 for c in claims)  # paired by seed, three seeds, clear
    assert W.noisy_verdict(results[:16]).claims[0].verdict == "not resolved"  # one seed
