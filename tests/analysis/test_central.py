"""The central comparison per depth and policy: paired over seeds, noisy verdicts unresolved, three seeds needed."""

from phnlab.analysis import central
from phnlab.experiments.spec import RunSpec
from phnlab.experiments.store import ResultsStore
from phnlab.experiments.sweeps import AUTHORS

from fakes import assert_labelled


def _save(store, strategy, k, seed, aca, forgetting=0.05, overrides=()):
    spec = RunSpec("split", strategy, k, seed=seed, overrides=overrides)
    store.save_metrics(spec, {"label": spec.label(), "aca": aca, "learning_accuracy": aca + forgetting,
                              "forgetting": forgetting, "accuracy_matrix": [[aca]] * 5, "wall_time_s": 1.0,
                              "stream": {"test_per_class": 500}, "preset": {"classes_per_experience": 2}})


def _fill(store, hn_minus_lr, seeds=(0, 1, 2), depths=(1, 2, 3, 4, 0), overrides=()):
    for seed in seeds:
        for k in depths:
            jitter = 0.002 * seed
            _save(store, "lr", k, seed, 0.80 + jitter, forgetting=0.3, overrides=overrides)
            _save(store, "hn", k, seed, 0.80 + jitter + hn_minus_lr, forgetting=0.01, overrides=overrides)


def test_paired_effect_and_clear_verdict_with_three_seeds(tmp_path):
    store = ResultsStore(tmp_path)
    _fill(store, 0.05)
    comps = central.depth_comparisons(store, "ci")
    assert [c.k for c in comps] == [1, 2, 3, 4, 0]
    assert all(abs(c.effect - 5.0) < 1e-9 and c.seeds == (0, 1, 2) for c in comps)
    verdict = central.central_verdict({"population": comps}, "synthetic")
    assert verdict["synthetic, population normalisation: HN-k beats"].verdict == "yes"
    assert verdict["synthetic, population normalisation: HN-k beats"].paper == "4 of 4 (no LR-0 row)"  # Table 2's
    assert verdict["synthetic, population normalisation: LR forgets"].verdict == "yes"  # 30 points >= 27.3


def test_one_seed_is_not_resolved_whatever_the_estimate(tmp_path):
    store = ResultsStore(tmp_path)
    _fill(store, 0.05, seeds=(0,))
    claim = central.central_verdict({"population": central.depth_comparisons(store, "ci")}, "x")["x, population"
                                                                                                   " normalisation: HN-k"]
    assert claim.holds and claim.verdict == "not resolved" and "1 of the 3 seeds" in claim.render()


def test_a_difference_within_the_noise_is_not_resolved(tmp_path):
    store = ResultsStore(tmp_path)
    _fill(store, 0.001)  # 0.1 points on 5,000 test images: far inside the sampling error
    (c, *_) = central.depth_comparisons(store, "ci")
    assert not c.clear and c.claim("p").verdict == "not resolved"


def test_missing_depths_keep_every_depth_open_and_policies_are_apart(tmp_path):
    store = ResultsStore(tmp_path)
    _fill(store, 0.05, depths=(2, 4))
    _fill(store, -0.05, depths=(2, 4), overrides=AUTHORS)
    by = central.policy_comparisons(store, "ci")
    assert [c.effect > 0 for c in by["population"]] == [True, True]
    assert [c.effect < 0 for c in by["authors"]] == [True, True]
    v = central.central_verdict(by, "x")
    assert v["x, population normalisation: HN-k"].verdict == "not resolved"  # k = 1, 3, F not computed
    assert v["x, authors normalisation: HN-k"].verdict == "no"  # clearly behind at a depth: fails clearly
    assert v["x: the authors' normalisation"].holds is False
    assert "under ours HN-k beats LR-k at every depth: not resolved (point estimate yes)" in v["x: the authors'"].ours
    assert v["x: the authors'"].verdict == "not resolved"  # built on an unresolved claim, it is not resolved either


def test_plot_depths(tmp_path):
    store = ResultsStore(tmp_path)
    _fill(store, 0.05, seeds=(0, 1))
    assert_labelled(central.plot_depths(central.depth_comparisons(store, "ci"), "t"))


def test_the_depth_grid_reads_the_store_once_and_shows_each_policy(tmp_path, monkeypatch):
    store = ResultsStore(tmp_path)
    _fill(store, 0.05)
    _fill(store, 0.05, overrides=(("bn_policy", "authors"),))
    reads = []
    original = ResultsStore.all_metrics
    monkeypatch.setattr(ResultsStore, "all_metrics", lambda self: reads.append(1) or original(self))
    items, controls, value = central.depth_grid(store, [("ci", (0, 1, 2))])
    assert len(reads) == 1
    assert {key[1] for key in items} == {"population", "authors"} and dict(controls)["data set"] == [central.data_name("ci")]


def test_lr_forgetting_alike_on_every_seed_still_carries_the_test_sets_noise(tmp_path):
    store = ResultsStore(tmp_path)
    for seed in (0, 1, 2):  # forgetting 27.5 on every seed: sd 0, yet 0.2 points above 27.3 is not resolved
        for k in (1, 2, 3, 4):
            _save(store, "lr", k, seed, 0.60, forgetting=0.275)
            _save(store, "hn", k, seed, 0.65, forgetting=0.01)
    comps = central.depth_comparisons(store, "ci")
    assert all(c.lr_forgetting[1] == 0 and c.lr_forgetting_se > 0.1 for c in comps)
    claim = central.central_verdict({"population": comps}, "x")["x, population normalisation: LR forgets"]
    assert claim.holds and claim.se > 0.1 and claim.verdict == "not resolved"
