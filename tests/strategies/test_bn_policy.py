"""Every strategy under every BatchNorm policy; what each policy keeps across experiences."""

import pytest
import torch

from phnlab.errors import BadInput
from phnlab.strategies import make_strategy, predict, tensors_of
from phnlab.strategies.tensors import TensorView


def make(name, preset, policy, **kw):
    return make_strategy(name, preset=preset.with_overrides(bn_policy=policy), num_tasks=3, num_classes=2,
                         device="cpu", seed=0, **kw)


def prefix_of(strategy):
    m = strategy.model
    return m.prefix if hasattr(m, "hnet") else m.prefix(strategy.k if hasattr(strategy, "k") else 2)


def prefix_stats(strategy):
    return {n: b.clone() for n, b in prefix_of(strategy).named_buffers() if n.endswith(("running_mean", "running_var"))}


@pytest.mark.parametrize("policy", ["running", "batch", "authors"])
@pytest.mark.parametrize("name, kw", [("naive", {}), ("ewc", {}), ("lr", {"freeze_depth": 2}),
                                      ("hn", {"freeze_depth": 2})])
def test_every_strategy_runs_under_every_policy(name, kw, policy, tiny_preset, tiny_stream, train_stream):
    s = make(name, tiny_preset, policy, **kw)
    accs = [predict(s.model, tensors_of(exp), batch_size=32, device="cpu")
            for exp in train_stream(s, tiny_stream, upto=2)]
    assert len(accs) == 2 and all(0.0 <= a <= 1.0 for a in accs)
    expected = {"running": "running", "batch": "batch", "authors": "running" if name == "lr" else "batch"}[policy]
    if expected == "batch" and name in ("naive", "ewc"):
        expected = "population"  # no frozen prefix: batch statistics everywhere either way
    assert s.model.bn_policy == expected


@pytest.mark.parametrize("name", ["lr", "hn"])
def test_running_moves_a_frozen_prefix_population_keeps_it_batch_stores_none(name, tiny_preset, tiny_stream,
                                                                          train_stream):
    seen = {}
    for policy in ("running", "population", "batch"):
        s = make(name, tiny_preset, policy, freeze_depth=2)
        snapshots = [prefix_stats(s) for _ in train_stream(s, tiny_stream)]
        seen[policy] = snapshots
        assert not any(p.requires_grad for p in prefix_of(s).parameters())  # frozen in every policy
    first, last = seen["running"][0], seen["running"][-1]
    assert first and all(not torch.equal(first[n], last[n]) for n in first)
    first, last = seen["population"][0], seen["population"][-1]
    assert first and all(torch.equal(first[n], last[n]) for n in first)
    assert all(snapshot == {} for snapshot in seen["batch"])


def test_batch_policy_accuracy_depends_on_the_evaluation_batch(tiny_preset, tiny_stream, train_stream):
    s = make("hn", tiny_preset, "batch", freeze_depth=2)
    exp = next(train_stream(s, tiny_stream, upto=1))
    view = tensors_of(exp)
    accs = {b: predict(s.model, view, batch_size=b, device="cpu") for b in (1, 4, 24)}
    assert len(set(accs.values())) > 1, accs
    pop = make("hn", tiny_preset, "population", freeze_depth=4)
    exp = next(train_stream(pop, tiny_stream, upto=1))
    same = {b: predict(pop.model, tensors_of(exp), batch_size=b, device="cpu") for b in (1, 4, 24)}
    assert len(set(same.values())) == 1, same  # k = 4 under population: no batch statistics after the prefix


def test_evaluation_does_not_depend_on_the_test_order_under_the_default_policy(tiny_preset, data_root):
    """The stream's own order is one random order among others; a class-sorted order is not."""
    from phnlab.data.streams import build_stream
    from phnlab.strategies import attach_tensors

    preset = tiny_preset.with_overrides(num_experiences=1, train_per_class=32, test_per_class=64, epochs=2)
    stream = build_stream("split", preset=preset, seed=0, data_root=data_root)
    exp = attach_tensors(list(stream.to_avalanche().train_stream)[0], stream[0])
    s = make("naive", preset, "population")
    s.train(exp, eval_streams=[])
    e = stream[0]

    def accuracy(order):
        view = TensorView(type("E", (), dict(vars(e), test_x=e.test_x[order], test_y=e.test_y[order]))())
        return predict(s.model, view, batch_size=32, device="cpu")  # 128 test images: 4 batches

    n = len(e.test_y)
    shuffled = [accuracy(torch.randperm(n, generator=torch.Generator().manual_seed(i))) for i in range(4)]
    own = accuracy(torch.arange(n))
    by_class = accuracy(torch.argsort(e.test_y, stable=True))
    assert max(shuffled) > 0.8, shuffled  # trained well past chance (0.5)
    assert min(shuffled) - 0.05 <= own <= max(shuffled) + 0.05, (own, shuffled)
    assert by_class < min(shuffled) - 0.1, (by_class, shuffled)  # the defect the stream order avoids


def test_unknown_policy_is_bad_input(tiny_preset):
    with pytest.raises(BadInput, match="allowed: population, running, batch, authors"):
        tiny_preset.with_overrides(bn_policy="group")
