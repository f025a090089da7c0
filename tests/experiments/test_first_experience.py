from dataclasses import replace

import pytest

from phnlab.experiments.first_experience import shared_key
from phnlab.experiments.runner import run
from phnlab.experiments.spec import RunSpec


def _key(strategy, k=0, **kw):
    overrides = kw.pop("overrides", ())
    return shared_key(RunSpec("split", strategy, k, preset="quick", overrides=overrides, **kw))


def test_the_runs_that_train_experience_1_alike_share_a_key():
    plain = _key("naive")
    assert plain == _key("ewc") == _key("lr", 4) == _key("lr", 2, replay_coef=0.0) == _key(
        "lr", 0, overrides=(("buffer_size", 60),))
    assert _key("hn", 2, lookahead="none") == _key("hn", 2, lookahead="second") == _key(
        "hn", 2, overrides=(("reg_coef", 2.0),))
    different = {plain, _key("hn", 2), _key("hn", 3), _key("naive", seed=1), _key("lr", 4, overrides=(("epochs", 31),)),
                 _key("lr", 4, overrides=(("bn_policy", "running"),)), _key("hn", 2, overrides=(("task_lr", 1e-3),)),
                 shared_key(RunSpec("noisy", "lr", 4, preset="quick"))}
    assert len(different) == 8
    # the noisy stream's experience 1 is clean
    assert shared_key(RunSpec("noisy", "hn", 3, preset="quick")) == shared_key(RunSpec("clean", "hn", 3, preset="quick"))
    # Naive under the authors' normalisation is Naive (batch statistics without a prefix): the same epochs
    assert _key("naive", overrides=(("bn_policy", "authors"),)) == plain


@pytest.mark.parametrize("leader, followers", [
    (("lr", 2, {}), [("naive", 0, {}), ("ewc", 0, {}), ("lr", 4, {"replay_coef": 0.0})]),
    (("hn", 2, {"lookahead": "first"}), [("hn", 2, {"lookahead": "none"})]),
    (("lr", 2, {"bn_policy": "running"}), [("lr", 4, {"bn_policy": "running"})]),
    (("hn", 3, {"stream": "noisy"}), [("hn", 3, {"stream": "clean"})]),
])
def test_a_run_that_loads_experience_1_equals_one_that_trains_it(tmp_path, tiny_spec, data_root, leader, followers):
    def make(strategy, k, changes):
        changes = dict(changes)
        fields = {f: changes.pop(f) for f in ("lookahead", "replay_coef") if f in changes}
        return replace(tiny_spec(strategy, k, stream=changes.pop("stream", "split"), **changes), **fields)

    shared = tmp_path / "shared"
    run(make(*leader), results_dir=shared, device="cpu", data_root=data_root, quiet=True, stop_after=1)
    for n, follower in enumerate(followers):
        spec = make(*follower)
        loaded = run(spec, results_dir=shared, device="cpu", data_root=data_root, quiet=True).metrics
        trained = run(spec, results_dir=tmp_path / f"alone{n}", device="cpu", data_root=data_root, quiet=True).metrics
        assert loaded["first_experience_shared_s"] > 0 and trained["first_experience_shared_s"] == 0
        assert loaded["accuracy_matrix"] == trained["accuracy_matrix"]
        assert loaded["epoch_curves"] == trained["epoch_curves"]
        assert loaded["cosines"] == trained["cosines"]
        # the time of experience 1 is that of its epochs, wherever they ran, plus this run's own end of it
        assert loaded["time_per_experience_s"][0] >= loaded["first_experience_shared_s"]
        assert 0 < loaded["curve_eval_s"][0] < loaded["first_experience_shared_s"]  # the leader's, loaded too


def test_the_runner_s_key_holds_experience_1_s_own_data(data_root):
    from phnlab.data.streams import build_stream

    def key(kind, **kw):
        spec = RunSpec(kind, "lr", 4, preset="ci", **kw)
        stream = build_stream(kind, preset=spec.resolved_preset(), seed=spec.seed, dataset=spec.dataset,
                              dataset2=spec.dataset2, data_root=data_root)
        return shared_key(spec, stream)

    assert key("noisy") == key("clean") != key("split")
    assert key("noisy") != key("noisy", seed=1)
    # a transfer stream draws both class orders before its images: experience 1 differs with the second data set
    first, second = "synthetic-shapes", "synthetic-glyphs"
    assert key("transfer", dataset=first, dataset2=second) != key("transfer", dataset=first, dataset2="synthetic-textures")


def test_a_stored_experience_1_of_another_layout_is_trained_again_and_replaced(tmp_path, tiny_spec, data_root):
    from phnlab.data.streams import build_stream
    from phnlab.experiments.store import ResultsStore

    spec = tiny_spec("lr", 2)
    stream = build_stream("split", preset=spec.resolved_preset(), seed=0, data_root=data_root)
    store, key = ResultsStore(tmp_path / "shared"), shared_key(spec, stream, "cpu")
    store.save_first_experience(key, {"model": {"another.weight": 0}})
    mixed = run(spec, results_dir=tmp_path / "shared", device="cpu", data_root=data_root, quiet=True).metrics
    alone = run(spec, results_dir=tmp_path / "alone", device="cpu", data_root=data_root, quiet=True).metrics
    assert mixed["first_experience_shared_s"] == 0 and mixed["accuracy_matrix"] == alone["accuracy_matrix"]
    assert "another.weight" not in store.load_first_experience(key)["model"]


def test_a_run_without_curves_loads_experience_1_of_one_with_them_and_not_the_other_way_round(tmp_path, tiny_spec,
                                                                                               data_root):
    assert _key("naive", overrides=(("curve_every_epoch", False),)) == _key("lr", 2)
    shared = tmp_path / "shared"
    run(tiny_spec("lr", 2), results_dir=shared, device="cpu", data_root=data_root, quiet=True, stop_after=1)
    off = tiny_spec("naive", 0, curve_every_epoch=False)
    loaded = run(off, results_dir=shared, device="cpu", data_root=data_root, quiet=True).metrics
    alone = run(off, results_dir=tmp_path / "alone", device="cpu", data_root=data_root, quiet=True).metrics
    assert loaded["first_experience_shared_s"] > 0
    assert loaded["accuracy_matrix"] == alone["accuracy_matrix"]
    assert loaded["epoch_curves"] == alone["epoch_curves"] == [] and loaded["curve_eval_s"] == [0.0, 0.0, 0.0]

    # a snapshot without curve points: a run that records them trains experience 1 itself, and stores it
    lone = tmp_path / "lone"
    run(tiny_spec("ewc", 0, curve_every_epoch=False), results_dir=lone, device="cpu", data_root=data_root, quiet=True,
        stop_after=1)
    on = tiny_spec("naive", 0)
    trained = run(on, results_dir=lone, device="cpu", data_root=data_root, quiet=True).metrics
    assert trained["first_experience_shared_s"] == 0 and trained["epoch_curves"]
    assert trained["accuracy_matrix"] == run(on, results_dir=tmp_path / "on", device="cpu", data_root=data_root,
                                             quiet=True).metrics["accuracy_matrix"]
    again = run(tiny_spec("lr", 3), results_dir=lone, device="cpu", data_root=data_root, quiet=True).metrics
    assert again["first_experience_shared_s"] > 0 and again["epoch_curves"]  # the snapshot now has them
