"""The output regulariser of a continually trained hypernetwork, and its look-ahead gradients.

L_H(ψ) = λ · mean_j Σ (H*(j) − H_ψ(j))², over the previous task ids j and every generated entry;
H* is the hypernetwork frozen at the end of the previous experience, whose outputs (the targets)
are computed once per experience. The regulariser never touches data: one batched forward over the
previous task ids.

Look-ahead (Algorithm 1): g1 = ∇ψ CE; virtual step ψ' = ψ − β·g1; g2 = ∇ L_H at ψ' —
"first" treats g1 as constant, "second" differentiates through the virtual step; "none"
evaluates L_H at ψ itself (von Oswald et al. 2019). The update uses g1 + g2.

Second order, exactly: with v = ∇L_H(ψ') (the first-order g2) and β diagonal,
g2 = (I − β·H_CE)ᵀ v = v − H_CE·(β v), one Hessian-vector product of the cross-entropy, taken by a double
backward through g1's graph. (A forward-over-reverse product, `torch.func.jvp` of `torch.func.grad`, gives
the same g2 and was slower in `phnlab bench`: 4.4x first order's step against 3.4x; it is not kept.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor
from torch.func import functional_call

from ..choices import LOOKAHEAD_MODES, check_lookahead
from .heads import FactoredOutputs, HyperNetwork

__all__ = ["LOOKAHEAD_MODES", "OutputRegularizer", "HyperGradients", "lookahead_gradients", "check_lookahead",
           "trainable"]

class OutputRegularizer:
    """Targets H*(j) for previous tasks, fixed at construction; `loss(params)` is L_H at params."""

    def __init__(self, hnet: HyperNetwork, previous_tasks: Tensor, coef: float, tasks_per_step: int | None = None,
                 seed: int = 0):
        self.hnet, self.previous, self.coef = hnet, previous_tasks, coef
        # very long streams: each evaluation uses a random subset of previous tasks (an unbiased estimate
        # of the mean), as von Oswald et al. allow; None or ≥ P: every previous task
        self.tasks_per_step = tasks_per_step
        self.sampler = torch.Generator().manual_seed(seed)
        with torch.no_grad():  # conv targets as their factors: [P, in·k·k] and [out, in·k·k]
            out = hnet.factored(previous_tasks)
            self.targets = FactoredOutputs({n: f.detached() for n, f in out.convs.items()},
                                           {n: t.detach().clone() for n, t in out.tensors.items()})

    def loss(self, params: dict[str, Tensor] | None = None) -> Tensor:
        rows = self.sample()
        ids = self.previous if rows is None else self.previous[rows]
        out = self.hnet.factored(ids) if params is None else functional_call(
            _Factored(self.hnet), {f"hnet.{n}": p for n, p in params.items()}, (ids,))
        per_task = sum(self._squared_error(out, n, rows) for n in self.hnet.target_shapes)  # [P] or [m]
        return self.coef * per_task.mean()

    def _squared_error(self, out: FactoredOutputs, name: str, rows: Tensor | None) -> Tensor:
        """Σ over one generated tensor of each task of (out − target)², [P] (the tensors in the suffix's order)."""
        if name in out.convs:
            return out.convs[name].squared_error(self.targets.convs[name].rows(rows))
        return ((out.tensors[name] - _rows(self.targets.tensors[name], rows)) ** 2).flatten(1).sum(1)

    def sample(self) -> Tensor | None:
        """Positions of the previous tasks this evaluation uses; None: all of them."""
        p = len(self.previous)
        if self.tasks_per_step is None or self.tasks_per_step >= p:
            return None
        return torch.randperm(p, generator=self.sampler)[: self.tasks_per_step].to(self.previous.device)

    def target_tensors(self) -> list[Tensor]:
        """Every tensor the targets hold (the memory they take)."""
        return [t for f in self.targets.convs.values() for t in f] + list(self.targets.tensors.values())

    def full_targets(self) -> dict[str, Tensor]:
        """The targets as whole tensors {name: [P, *shape]} (for inspection; the loss never forms them)."""
        shapes = self.hnet.target_shapes
        return {n: self.targets.convs[n].assemble(shapes[n]) if n in self.targets.convs else self.targets.tensors[n]
                for n in shapes}


class _Factored(torch.nn.Module):
    """The hypernetwork's `factored` as a module call, for `functional_call` at other parameters."""

    def __init__(self, hnet: HyperNetwork):
        super().__init__()
        self.hnet = hnet

    def forward(self, task_ids: Tensor) -> FactoredOutputs:
        return self.hnet.factored(task_ids)


def _rows(target: Tensor, rows: Tensor | None) -> Tensor:
    return target if rows is None else target[rows]


def trainable(hnet: HyperNetwork) -> list[tuple[str, torch.nn.Parameter]]:
    """The hypernetwork's trainable parameters by name, in the one order that every gradient list follows."""
    return [(n, p) for n, p in hnet.named_parameters() if p.requires_grad]


@dataclass
class HyperGradients:
    g1: list[Tensor]  # ∇ψ CE
    g2: list[Tensor]  # ∇ψ of the regulariser (after the look-ahead)
    reg_loss: float
    params: list[torch.nn.Parameter] = field(default_factory=list)  # what g1[i] and g2[i] are the gradients of

    def total(self) -> list[Tensor]:
        return [a + b for a, b in zip(self.g1, self.g2)]

    def cosine(self) -> float:
        a = torch.cat([g.flatten() for g in self.g1])
        b = torch.cat([g.flatten() for g in self.g2])
        return float(torch.nn.functional.cosine_similarity(a, b, dim=0))


def lookahead_gradients(ce: Tensor, reg: OutputRegularizer, mode: str,
                        lr: float | Sequence[float] | Mapping[str, float]) -> HyperGradients:
    """g1 and g2 for every trainable hypernetwork parameter (`trainable`), by the chosen look-ahead mode.
    `lr`: β of the virtual step: one number, one per parameter by name, or a list in `trainable`'s order."""
    names, params = zip(*trainable(reg.hnet))
    if isinstance(lr, Mapping):
        lrs = [lr[n] for n in names]
    else:
        lrs = [lr] * len(params) if isinstance(lr, (int, float)) else list(lr)
    assert len(lrs) == len(params), (len(lrs), len(params))
    grad = lambda out, wrt, **kw: torch.autograd.grad(out, wrt, materialize_grads=True, **kw)  # noqa: E731
    if mode == "none":
        g1 = grad(ce, params)
        reg_loss = reg.loss()
        g2 = grad(reg_loss, params)
    elif mode == "first":
        g1 = grad(ce, params)
        virtual = {n: (p - b * g).detach().requires_grad_() for n, p, g, b in zip(names, params, g1, lrs)}
        reg_loss = reg.loss(virtual)
        g2 = grad(reg_loss, list(virtual.values()))
    elif mode == "second":
        g1 = grad(ce, params, create_graph=True)
        virtual = {n: p - b * g for n, p, g, b in zip(names, params, g1, lrs)}
        reg_loss = reg.loss(virtual)
        g2 = grad(reg_loss, params)
        g1 = [g.detach() for g in g1]
    else:
        check_lookahead(mode)
    return HyperGradients(list(g1), list(g2), float(reg_loss.detach()), list(params))

