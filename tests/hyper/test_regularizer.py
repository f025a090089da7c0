import copy

import pytest
import torch
from torch.func import functional_call, grad

from phnlab.hyper import PartialHyperModel
from phnlab.hyper.regularizer import OutputRegularizer, lookahead_gradients

LR = 0.05


def setup(k=3, tasks=3):
    torch.manual_seed(0)
    model = PartialHyperModel(freeze_depth=k, num_tasks=tasks, num_classes=3, chunk_dim=4)
    model.freeze_prefix()
    reg = OutputRegularizer(model.hnet, torch.tensor([0, 1]), coef=0.5)
    with torch.no_grad():  # move ψ away from ψ* so that the regulariser is not zero
        for p in model.hnet.parameters():
            p.add_(0.05 * torch.randn_like(p))
    x, y = torch.randn(8, 3, 32, 32), torch.randint(0, 3, (8,))
    return model, reg, x, y


def ce_of(model, x, y, params=None):
    if params is None:
        return torch.nn.functional.cross_entropy(model(x, 2), y)
    gen = functional_call(model.hnet, params, (torch.tensor([2]),))
    logits = model.suffix(model.prefix(x), 2, {n: t[0] for n, t in gen.items()})
    return torch.nn.functional.cross_entropy(logits, y)


def test_first_order_g2_is_the_regulariser_gradient_at_the_virtual_step():
    model, reg, x, y = setup()
    g = lookahead_gradients(ce_of(model, x, y), reg, "first", LR)
    # independent: copy the hypernetwork, move it to ψ' = ψ − lr·g1, differentiate L_H there
    virtual = copy.deepcopy(model.hnet)
    with torch.no_grad():
        for p, g1 in zip(virtual.parameters(), g.g1):
            p.sub_(LR * g1)
    reg_v = copy.copy(reg)  # same targets, previous tasks and λ; the moved hypernetwork
    reg_v.hnet = virtual
    expected = torch.autograd.grad(reg_v.loss(), list(virtual.parameters()))
    for a, b in zip(g.g2, expected):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
    assert max(float(t.abs().max()) for t in g.g2) > 0


def test_second_order_g2_differentiates_through_the_virtual_step():
    model, reg, x, y = setup(k=4)
    g = lookahead_gradients(ce_of(model, x, y), reg, "second", LR)
    names = [n for n, _ in model.hnet.named_parameters()]
    psi = {n: p.detach().clone() for n, p in model.hnet.named_parameters()}

    def lookahead_loss(params):
        g1 = grad(lambda q: ce_of(model, x, y, q))(params)
        return reg.loss({n: params[n] - LR * g1[n] for n in names})

    expected = grad(lookahead_loss)(psi)
    for n, a in zip(names, g.g2):
        torch.testing.assert_close(a, expected[n], rtol=1e-4, atol=1e-6)
    first = lookahead_gradients(ce_of(model, x, y), reg, "first", LR)
    assert any(not torch.allclose(a, b, atol=1e-7) for a, b in zip(first.g2, g.g2))  # the Hessian term matters


def test_no_lookahead_is_zero_at_the_first_step_of_an_experience():
    model = PartialHyperModel(freeze_depth=2, num_tasks=3, num_classes=3, chunk_dim=4)
    reg = OutputRegularizer(model.hnet, torch.tensor([0, 1]), coef=0.5)
    x, y = torch.randn(4, 3, 32, 32), torch.randint(0, 3, (4,))
    g = lookahead_gradients(ce_of(model, x, y), reg, "none", LR)
    assert g.reg_loss == 0.0
    assert all(float(t.abs().max()) == 0.0 for t in g.g2)


def test_regulariser_is_mean_over_previous_tasks_of_the_summed_squares():
    model, reg, _, _ = setup()
    out = model.hnet(reg.previous)
    targets = reg.full_targets()
    per_task = [sum(float(((out[n][j] - targets[n][j]) ** 2).sum()) for n in out) for j in range(2)]
    assert float(reg.loss()) == pytest.approx(0.5 * sum(per_task) / 2, rel=1e-5)


def test_factored_regulariser_has_the_gradient_of_the_full_squared_error():
    model, reg, _, _ = setup(k=2)
    params = [p for p in model.hnet.parameters() if p.requires_grad]
    targets = reg.full_targets()
    out = model.hnet(reg.previous)  # every generated tensor materialised: [P, *shape]
    brute = 0.5 * sum(((out[n] - targets[n]) ** 2).flatten(1).sum(1) for n in out).mean()
    for a, b in zip(torch.autograd.grad(reg.loss(), params), torch.autograd.grad(brute, params)):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
    assert reg.targets.convs and all(len(f) == 2 for f in reg.targets.convs.values())  # conv targets kept as factors


def test_sampled_regulariser_is_an_unbiased_estimate_over_random_subsets_of_previous_tasks():
    torch.manual_seed(0)
    model = PartialHyperModel(freeze_depth=3, num_tasks=6, num_classes=3, chunk_dim=4)
    model.freeze_prefix()
    previous = torch.arange(5)
    full = OutputRegularizer(model.hnet, previous, coef=0.5)
    sampled = OutputRegularizer(model.hnet, previous, coef=0.5, tasks_per_step=2, seed=1)
    with torch.no_grad():
        for p in model.hnet.parameters():
            p.add_(0.05 * torch.randn_like(p))
    seen = {tuple(sorted(sampled.sample().tolist())) for _ in range(50)}
    assert all(len(s) == 2 for s in seen) and len(seen) > 5  # different pairs of the 5 previous tasks
    estimates = [float(sampled.loss()) for _ in range(400)]
    assert len(set(estimates)) > 1
    assert sum(estimates) / len(estimates) == pytest.approx(float(full.loss()), rel=0.1)
    assert OutputRegularizer(model.hnet, previous, coef=0.5, tasks_per_step=5).sample() is None  # all of them


def test_second_order_equals_v_minus_the_cross_entropy_hessian_times_beta_v_in_float64():
    """The double backward's g2 against v − H_CE·(β v), with v the first-order g2 and the Hessian-vector
    product taken forward-over-reverse (torch.func.jvp of torch.func.grad) here, independently."""
    for k in (0, 3):
        model, reg, x, y = setup(k=k)
        model, x = model.double(), x.double()
        reg = OutputRegularizer(model.hnet, torch.tensor([0, 1]), coef=0.5)
        with torch.no_grad():
            for p in model.hnet.parameters():
                p.add_(0.05 * torch.randn_like(p))
        lrs = [LR if i % 2 else 3 * LR for i, _ in enumerate(model.hnet.parameters())]  # β per parameter
        z = model.prefix(x)
        second = lookahead_gradients(ce_of(model, x, y), reg, "second", lrs)
        first = lookahead_gradients(ce_of(model, x, y), reg, "first", lrs)
        at = {n: p.detach() for n, p in model.hnet.named_parameters()}
        ce = lambda q: torch.nn.functional.cross_entropy(model.logits_at(z.detach(), 2, q), y)  # noqa: E731
        tangents = {n: b * v.detach() for n, b, v in zip(at, lrs, first.g2)}
        _, hv = torch.func.jvp(grad(ce), (at,), (tangents,))
        expected = torch.cat([(v - hv[n]).flatten() for n, v in zip(at, first.g2)])
        got = torch.cat([g.flatten() for g in second.g2])
        assert float((got - expected).norm() / expected.norm()) <= 1e-5
        assert float((torch.cat([g.flatten() for g in first.g2]) - got).norm() / got.norm()) > 1e-3  # a Hessian term
