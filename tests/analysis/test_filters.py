"""Figure 6: generated kernels read from a checkpoint, compared and drawn."""

from types import SimpleNamespace

import numpy as np
import pytest
from phnlab.analysis import filters


def test_filter_similarity_and_plot():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 6, 4, 3, 3))
    w[2] = w[1]
    same = filters.filter_similarity(w, 1, 2)
    assert same["mean_cosine"] == pytest.approx(1.0) and same["relative_change"] == pytest.approx(0.0)
    w[2] = -w[1]
    assert filters.filter_similarity(w, 1, 2)["mean_cosine"] == pytest.approx(-1.0)
    for e in range(3):
        fig = filters.plot_filters(w, e, layer="layer3.0.conv2.weight")
        assert fig.get_size_inches()[0] <= 10 and len(fig.axes[0].images) == 1
    preset = SimpleNamespace(name="ci", epochs=2)
    assert filters.filters_verdict(w, preset).claims[0].holds is True  # w[2] = -w[1]: mostly different
    w[2] = w[1] * 1.001
    (same,) = filters.filters_verdict(w, preset).claims
    assert same.holds is False and same.ours.startswith("mostly the same") and "**ci** preset, 2 epoch(s)" in same.detail
    w[2] = w[1] + rng.normal(size=(1, 4, 3, 3))  # one offset for every output channel
    assert filters.shared_change(w, 1, 2) == pytest.approx(1.0)
    assert "Of that change, 100 % is one offset" in filters.filters_verdict(w, preset).notes[0]
    w[2] = w[1] + rng.normal(size=(6, 4, 3, 3))  # independent changes per channel: little is shared
    assert filters.shared_change(w, 1, 2) < 0.4
    w[2] = w[1]
    assert filters.shared_change(w, 1, 2) is None and not filters.filters_verdict(w, preset).notes


def test_generated_filters_trains_through_the_runner_then_reads_the_cache(tmp_path, monkeypatch):
    import torch

    from phnlab.experiments import runner
    from phnlab.experiments.spec import RunSpec
    from phnlab.experiments.store import ResultsStore
    from phnlab.hyper.model import PartialHyperModel

    spec = RunSpec("noisy", "hn", 2, seed=0, preset="ci")
    p = spec.resolved_preset()
    calls = []

    def fake_run(s, *, results_dir, stop_after=None, **kw):  # the runner's checkpoint after `stop_after`
        calls.append((str(results_dir), stop_after))
        torch.manual_seed(1)
        model = PartialHyperModel(freeze_depth=2, num_tasks=4, num_classes=5, embedding_dim=p.embedding_dim,
                                  hidden_dim=p.hidden_dim, chunk_dim=p.chunk_dim)
        ResultsStore(results_dir).save_checkpoint(s, {"next": stop_after, "model": model.state_dict()})

    monkeypatch.setattr(runner, "run", fake_run)
    params = SimpleNamespace(results_dir=tmp_path, device="cpu", data_root=None)
    f = filters.generated_filters(spec, params, after=3, layer="layer3.0.conv2.weight")
    assert f.shape == (3, 80, 80, 3, 3) and calls == [(str(tmp_path), 3)]
    assert ResultsStore(tmp_path).load_checkpoint(spec)["next"] == 3  # left for the sweep to resume from
    again = filters.generated_filters(spec, params, after=3, layer="layer3.0.conv2.weight")
    assert np.array_equal(f, again) and len(calls) == 1  # cached in the store
    with pytest.raises(ValueError, match="hypernetwork run"):
        filters.generated_filters(RunSpec("noisy", "lr", 2, preset="ci"), params)


def test_generated_filters_uses_a_temporary_store_when_the_run_is_finished(tmp_path, monkeypatch):
    import torch

    from phnlab.experiments import runner
    from phnlab.experiments.spec import RunSpec
    from phnlab.experiments.store import ResultsStore
    from phnlab.hyper.model import PartialHyperModel

    spec = RunSpec("noisy", "hn", 2, seed=0, preset="ci")
    ResultsStore(tmp_path).save_metrics(spec, {"label": "HN-2"})
    roots = []

    def fake_run(s, *, results_dir, stop_after=None, **kw):
        roots.append(str(results_dir))
        torch.manual_seed(1)
        model = PartialHyperModel(freeze_depth=2, num_tasks=4, num_classes=5)
        ResultsStore(results_dir).save_checkpoint(s, {"next": stop_after, "model": model.state_dict()})

    monkeypatch.setattr(runner, "run", fake_run)
    params = SimpleNamespace(results_dir=tmp_path, device="cpu", data_root=None)
    f = filters.generated_filters(spec, params, after=2, layer="layer4.1.conv1.weight")
    assert f.shape == (2, 160, 160, 3, 3) and roots and roots[0] != str(tmp_path)
    assert ResultsStore(tmp_path).load_checkpoint(spec) is None


def test_generated_filters_reads_a_kept_checkpoint_without_training(tmp_path, monkeypatch):
    import torch

    from phnlab.experiments import runner
    from phnlab.experiments.spec import RunSpec
    from phnlab.experiments.store import ResultsStore
    from phnlab.hyper.model import PartialHyperModel

    spec = RunSpec("noisy", "hn", 2, seed=0, preset="ci")
    store = ResultsStore(tmp_path)
    torch.manual_seed(1)
    model = PartialHyperModel(freeze_depth=2, num_tasks=4, num_classes=5)
    store.save_kept(spec, 3, {"next": 3, "model": model.state_dict()})
    store.save_metrics(spec, {"label": "HN-2"})  # the run is finished: only the kept checkpoint has experience 3

    def no_training(*a, **kw):
        raise AssertionError("the kept checkpoint is there: nothing is trained")

    monkeypatch.setattr(runner, "run", no_training)
    params = SimpleNamespace(results_dir=tmp_path, device="cpu", data_root=None)
    f = filters.generated_filters(spec, params)  # Figure 6's experience and layer
    with torch.no_grad():
        expected = model.hnet.generate(torch.arange(3))[filters.FIGURE6_LAYER].numpy()
    assert np.array_equal(f, expected)
