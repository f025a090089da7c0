"""EWC: Naive plus Avalanche's EWC plugin (separate importances per experience, λ = 1), its penalty summed."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from avalanche.training.plugins import EWCPlugin
from avalanche.training.utils import ParamData, copy_params_dict, zerolike_params_dict

from ..models.multitask import MultiTaskResNet
from .base import PhnTemplate
from .registry import Declaration

__all__ = ["EWC", "SummedEWCPlugin", "EWCHyperparameters", "DECLARATION"]


class SummedEWCPlugin(EWCPlugin):
    """Avalanche's EWC in `separate` mode, its penalty summed over experiences once per experience.

    Σ_e F_e (θ − θ*_e)² = F (θ − θ̄)² + const, with F = Σ_e F_e and θ̄ = Σ_e F_e θ*_e / F: the same loss and
    gradient as the plugin's loop over experiences × parameters, with one term per parameter tensor.
    """

    def __init__(self, ewc_lambda: float):
        super().__init__(ewc_lambda=ewc_lambda, mode="separate")
        self._summed: tuple[int, dict, float] | None = None  # (experiences, {name: (F, θ̄)}, const)

    def summed(self, model, experiences: int):
        if self._summed is None or self._summed[0] != experiences:
            tables, const = {}, 0.0
            for name, _ in model.named_parameters():
                seen = [e for e in range(experiences) if name in self.saved_params[e]]
                if not seen:
                    continue
                f = sum(self.importances[e][name].data for e in seen)
                mean = sum(self.importances[e][name].data * self.saved_params[e][name].data for e in seen)
                mean = torch.where(f > 0, mean / f.clamp_min(torch.finfo(f.dtype).tiny), torch.zeros_like(f))
                const += sum(float((self.importances[e][name].data * (self.saved_params[e][name].data - mean) ** 2)
                                   .sum()) for e in seen)
                tables[name] = (f, mean)
            self._summed = (experiences, tables, const)
        return self._summed[1], self._summed[2]

    def before_backward(self, strategy, **kwargs):
        experiences = strategy.clock.train_exp_counter
        if experiences == 0:
            return
        tables, const = self.summed(strategy.model, experiences)
        penalty = sum((tables[n][0] * (p - tables[n][1]) ** 2).sum()
                      for n, p in strategy.model.named_parameters() if n in tables)
        strategy.loss += self.ewc_lambda * (penalty + const)

    def after_training_exp(self, strategy, **kwargs):
        super().after_training_exp(strategy, **kwargs)
        self._summed = None


class EWC(PhnTemplate):
    """Naive + EWC (separate importances per experience, Avalanche's plugin with a summed penalty)."""

    def __init__(self, *, model, ewc_lambda: float = 1.0, plugins=None, **kwargs):
        self.ewc = SummedEWCPlugin(ewc_lambda=ewc_lambda)
        super().__init__(model=model, plugins=[self.ewc, *(plugins or [])], **kwargs)

    def _assume_previous_tasks(self, current: int, generator: torch.Generator) -> None:
        """Parameters and stand-in importances saved after every earlier experience."""
        for e in range(current):
            self.ewc.saved_params[e] = copy_params_dict(self.model)
            imp = zerolike_params_dict(self.model)
            for p in imp.values():
                p.data.copy_(torch.rand(p.data.shape, generator=generator))
            self.ewc.importances[e] = imp
        self.ewc._summed = None

    def memory_bytes(self) -> int:
        """What EWC keeps for earlier experiences: each one's parameters and importances, as stored."""
        return sum(p.data.numel() * p.data.element_size() for table in (self.ewc.saved_params, self.ewc.importances)
                   for d in table.values() for p in d.values())

    def state_tensors(self):
        yield from super().state_tensors()
        for table in (self.ewc.saved_params, self.ewc.importances):
            for d in table.values():
                yield from (v.data for v in d.values())

    def extra_state(self) -> dict:
        as_tensors = lambda table: {e: {n: p.data.cpu() for n, p in d.items()} for e, d in table.items()}  # noqa: E731
        return {"saved_params": as_tensors(self.ewc.saved_params), "importances": as_tensors(self.ewc.importances)}

    def load_extra_state(self, state: dict) -> None:
        for attr in ("saved_params", "importances"):
            table = getattr(self.ewc, attr)
            for e, d in state[attr].items():
                table[e] = {n: ParamData(n, init_tensor=t.to(self.device), device=self.device) for n, t in d.items()}
        self.ewc._summed = None


@dataclass(frozen=True)
class EWCHyperparameters:
    ewc_lambda: float = field(default=1.0, metadata={"after_first": True, "zero_allowed": True})  # the penalty's weight


def _build(ctx):
    model = MultiTaskResNet.for_run(ctx)
    return EWC(model=model, ewc_lambda=ctx.hyperparameters.ewc_lambda, **ctx.common)


DECLARATION = Declaration(
    name="ewc", label="EWC", depths=(0,), hyperparameters=EWCHyperparameters, build=_build,
    first_experience="plain", authors_bn="batch", step_cost={0: 1.26},  # against Naive's step (`phnlab bench`)
    description="elastic weight consolidation")
