"""Naive fine-tuning and EWC (Avalanche's plugin, λ = 1) on the multi-head slim ResNet-18."""

from __future__ import annotations

from avalanche.models import MultiTaskModule
from avalanche.training.plugins import EWCPlugin
from avalanche.training.utils import ParamData

from ..models.resnet import SlimResNet18
from .base import PhnTemplate

__all__ = ["MultiTaskResNet", "Naive", "EWC"]


class MultiTaskResNet(SlimResNet18, MultiTaskModule):
    """The slim ResNet-18, seen by Avalanche as task-aware (its plugins call `model(x, task_labels)`)."""

    def forward_single_task(self, x, task_label):
        return SlimResNet18.forward(self, x, int(task_label))

    def forward(self, x, task_labels=0):
        return SlimResNet18.forward(self, x, task_labels)


class Naive(PhnTemplate):
    """Plain SGD (Adam) updates on each experience; the task's head is chosen by its task id."""


class EWC(PhnTemplate):
    """Naive + Avalanche's EWC penalty (separate importances per experience)."""

    def __init__(self, *, model, ewc_lambda: float = 1.0, plugins=None, **kwargs):
        self.ewc = EWCPlugin(ewc_lambda=ewc_lambda)
        super().__init__(model=model, plugins=[self.ewc, *(plugins or [])], **kwargs)

    def extra_state(self) -> dict:
        as_tensors = lambda table: {e: {n: p.data.cpu() for n, p in d.items()} for e, d in table.items()}  # noqa: E731
        return {"saved_params": as_tensors(self.ewc.saved_params), "importances": as_tensors(self.ewc.importances)}

    def load_extra_state(self, state: dict) -> None:
        for attr in ("saved_params", "importances"):
            table = getattr(self.ewc, attr)
            for e, d in state[attr].items():
                table[e] = {n: ParamData(n, init_tensor=t.to(self.device), device=self.device) for n, t in d.items()}
