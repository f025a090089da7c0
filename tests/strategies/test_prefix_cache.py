"""Evaluation through a fixed prefix: computed once per test set, the same accuracies as without."""

import pytest

from phnlab.strategies import make_strategy, predict, tensors_of
from phnlab.strategies.evaluation import PrefixCache
from phnlab.strategies.tensors import TensorView


def make(name, preset, **kw):
    return make_strategy(name, preset=preset, num_tasks=3, num_classes=2, device="cpu", seed=0, **kw)


def stem_calls(model):
    stem = model.stem if hasattr(model, "stem") else model.prefix[0]
    calls = []
    stem.register_forward_hook(lambda *a: calls.append(1))
    return calls


@pytest.mark.parametrize("name, policy", [("lr", "population"), ("hn", "population"), ("lr", "batch"),
                                          ("hn", "batch")])
def test_a_frozen_prefix_on_population_or_batch_statistics_runs_once_per_test_set(name, policy, tiny_preset,
                                                                                   tiny_stream, train_stream):
    s = make(name, tiny_preset.with_overrides(bn_policy=policy), freeze_depth=2)
    views = [tensors_of(e) for e in train_stream(s, tiny_stream, upto=2)]
    assert s.model.fixed_prefix() is not None
    calls, cache = stem_calls(s.model), PrefixCache()
    plain = [predict(s.model, v, batch_size=8, device="cpu") for v in views]
    n = len(calls)
    first = [predict(s.model, v, batch_size=8, device="cpu", cache=cache) for v in views]
    assert len(calls) == 2 * n  # the cache was filled: one prefix pass per batch
    again = [predict(s.model, v, batch_size=8, device="cpu", cache=cache) for v in views]
    assert len(calls) == 2 * n  # and reused: no prefix pass at all
    assert plain == first == again
    assert cache.bytes > 0


@pytest.mark.parametrize("name, policy", [("lr", "running"), ("hn", "running")])
def test_no_cache_where_the_prefix_is_not_fixed(name, policy, tiny_preset, tiny_stream, train_stream):
    s = make(name, tiny_preset.with_overrides(bn_policy=policy), freeze_depth=2)
    views = [tensors_of(e) for e in train_stream(s, tiny_stream, upto=2)]
    assert s.model.fixed_prefix() is None
    cache = PrefixCache()
    assert [predict(s.model, v, batch_size=8, device="cpu", cache=cache) for v in views] == \
        [predict(s.model, v, batch_size=8, device="cpu") for v in views]
    assert cache.outputs == {} and cache.bytes == 0


def test_before_the_freeze_and_over_the_budget_nothing_is_kept(tiny_preset, tiny_stream):
    s = make("hn", tiny_preset, freeze_depth=2)
    view = TensorView(tiny_stream.experiences[0])
    cache = PrefixCache()
    predict(s.model, view, batch_size=8, device="cpu", cache=cache)
    assert cache.outputs == {}  # not frozen yet
    s.model.freeze_prefix()
    small = PrefixCache(max_bytes=0)
    assert predict(s.model, view, batch_size=8, device="cpu", cache=small) == \
        predict(s.model, view, batch_size=8, device="cpu")
    assert small.outputs == {}
