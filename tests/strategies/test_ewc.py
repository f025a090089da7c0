from types import SimpleNamespace

import pytest
import torch
from avalanche.training.plugins import EWCPlugin
from avalanche.training.utils import ParamData

from phnlab.strategies.ewc import SummedEWCPlugin


def _tables(model, experiences, seed=0):
    g = torch.Generator().manual_seed(seed)
    saved, imps = {}, {}
    for e in range(experiences):
        saved[e] = {n: ParamData(n, init_tensor=torch.randn(p.shape, generator=g)) for n, p in model.named_parameters()}
        imps[e] = {n: ParamData(n, init_tensor=torch.rand(p.shape, generator=g) * (torch.rand(p.shape, generator=g) > 0.3))
                   for n, p in model.named_parameters()}
    return saved, imps


@pytest.mark.parametrize("experiences", [1, 3])
def test_summed_penalty_equals_avalanches_loop_in_value_and_gradient(experiences):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(), torch.nn.LazyLinear(2))
    model(torch.randn(2, 3, 8, 8))
    saved, imps = _tables(model, experiences)
    results = []
    for plugin in (EWCPlugin(ewc_lambda=0.7), SummedEWCPlugin(ewc_lambda=0.7)):
        plugin.saved_params.update(saved)
        plugin.importances.update(imps)
        strategy = SimpleNamespace(model=model, device="cpu", loss=torch.zeros(()),
                                   clock=SimpleNamespace(train_exp_counter=experiences))
        plugin.before_backward(strategy)
        grads = torch.autograd.grad(strategy.loss, list(model.parameters()))
        results.append((strategy.loss.detach(), grads))
    (loop_loss, loop_grads), (sum_loss, sum_grads) = results
    assert float(loop_loss) > 0
    torch.testing.assert_close(sum_loss, loop_loss, rtol=1e-4, atol=1e-4)
    for a, b in zip(sum_grads, loop_grads):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_ewc_counts_the_parameters_and_importances_it_keeps(tiny_preset, tiny_stream, train_stream):
    from phnlab.counting import ewc_memory_bytes
    from phnlab.strategies import make_strategy

    s = make_strategy("ewc", preset=tiny_preset, num_tasks=3, num_classes=2, device="cpu", seed=0)
    assert s.memory_bytes() == 0
    for i, _ in enumerate(train_stream(s, tiny_stream, upto=2)):
        assert s.memory_bytes() == ewc_memory_bytes(3, 2) * (i + 1) // 3  # one copy of both tables per experience
