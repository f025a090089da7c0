"""How phnlab measures a strategy's model: accuracy on a test set (`predict`), with a frozen prefix run once per
test set (`PrefixCache`), and no Avalanche metric or logger in the way (`silent_evaluator`)."""

from __future__ import annotations

import warnings

import torch
from avalanche.training.plugins.evaluation import EvaluationPlugin
from torch import Tensor, nn

from .tensors import TensorView

__all__ = ["silent_evaluator", "PrefixCache", "predict"]


def silent_evaluator() -> EvaluationPlugin:
    """No Avalanche metrics or loggers: phnlab measures accuracy itself (`predict`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return EvaluationPlugin(loggers=[])


class PrefixCache:
    """Outputs of a model's fixed prefix on each test set, computed once and reused by every later
    evaluation of the same run (the per-epoch curves and the accuracy matrix), so that evaluating LR-k or
    HN-k costs only the layers after the prefix. A prefix is fixed when the model says so
    (`fixed_prefix()`: frozen, on population statistics or on batch statistics, which an evaluation batch
    computes of itself, so that the same batches give the same outputs); under "running" it is not, and
    nothing is cached. Outputs are kept per batch (experience, split, batch size): the batches of a view
    come in their stored order. Sets beyond `max_bytes` in all are not cached."""

    def __init__(self, max_bytes: int = 1 << 30):
        self.max_bytes, self.bytes = max_bytes, 0
        self.outputs: dict[tuple, list[tuple[Tensor, Tensor, Tensor]]] = {}

    def batches(self, model: nn.Module, view: TensorView, *, split: str, batch_size: int, device):
        """[(z, y, t)] of the view's batches when the model's prefix is fixed, else None."""
        prefix = model.fixed_prefix() if hasattr(model, "fixed_prefix") else None
        if prefix is None:
            return None
        key = (id(view.experience), split, batch_size, str(device))
        if key not in self.outputs:
            out = [(prefix(xb), yb, tb) for xb, yb, tb in view.batches(split, batch_size=batch_size, device=device)]
            size = sum(z.numel() * z.element_size() for z, _, _ in out)
            if self.bytes + size > self.max_bytes:
                return out  # used once, not kept
            self.outputs[key], self.bytes = out, self.bytes + size
        return self.outputs[key]


@torch.no_grad()
def predict(model: nn.Module, view: TensorView, *, batch_size: int, device, split: str = "test",
            cache: PrefixCache | None = None) -> float:
    """Accuracy of a task-aware model on one phnlab experience (no augmentation); with a `cache`, a fixed
    prefix runs once per test set (`PrefixCache`)."""
    was_training = model.training
    model.eval()
    correct = total = 0
    cached = cache.batches(model, view, split=split, batch_size=batch_size, device=device) if cache else None
    if cached is not None:
        for zb, yb, tb in cached:
            correct += int((model.from_prefix(zb, tb).argmax(1) == yb).sum())
            total += len(yb)
    else:
        for xb, yb, tb in view.batches(split, batch_size=batch_size, device=device):
            correct += int((model(xb, tb).argmax(1) == yb).sum())
            total += len(yb)
    model.train(was_training)
    return correct / max(total, 1)
