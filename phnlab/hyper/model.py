"""A partial-hypernetwork model: stateful prefix of depth k + hypernetwork-generated suffix."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

from ..models.batchnorm import recalibrate, use_batch_statistics
from ..models.functional import suffix_forward
from ..models.resnet import SlimResNet18
from .heads import HyperNetwork

__all__ = ["PartialHyperModel"]


class PartialHyperModel(nn.Module):
    """f(x, t) = suffix(prefix(x); H_ψ(t)). k = 0 is HN-F (everything generated)."""

    def __init__(
        self,
        *,
        freeze_depth: int,
        num_tasks: int,
        num_classes: int,
        nf: int = 20,
        embedding_dim: int = 32,
        hidden_dim: int = 50,
        chunk_dim: int = 32,
    ):
        super().__init__()
        self.k = freeze_depth
        backbone = SlimResNet18(num_classes=num_classes, num_heads=1, nf=nf, running_stats_depth=freeze_depth)
        self.prefix = backbone.prefix(freeze_depth)  # stateful; frozen after experience 1
        self.hnet = HyperNetwork(
            backbone.suffix_specs(freeze_depth),
            num_tasks=num_tasks,
            embedding_dim=embedding_dim,
            hidden_dim=hidden_dim,
            chunk_dim=chunk_dim,
        )

    frozen = False

    def freeze_prefix(self, calibration: Iterable[Tensor] | None = None) -> None:
        """Freeze the stateful prefix after experience 1: no gradients; BatchNorm on running statistics
        recomputed exactly over the `calibration` batches."""
        recalibrate(self.prefix, calibration)
        self.frozen = True
        self.prefix.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.frozen:
            self.prefix.eval()
        else:
            use_batch_statistics(self.prefix)
        return self

    def suffix(self, z: Tensor, task_id: int, params: dict[str, Tensor] | None = None) -> Tensor:
        """Logits for prefix output z of one task (tensors generated once for the whole batch)."""
        return suffix_forward(z, params if params is not None else self.hnet.generate_one(task_id), self.k)

    def forward(self, x: Tensor, task_ids: Tensor | int = 0) -> Tensor:
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
            z = self.prefix(x)
        if isinstance(task_ids, int):
            return self.suffix(z, task_ids)
        tasks = torch.unique(task_ids)
        if tasks.numel() == 1:
            return self.suffix(z, int(tasks))
        out = None
        for t in tasks.tolist():  # one generation per task present, never per sample
            mask = task_ids == t
            logits = self.suffix(z[mask], t)
            if out is None:
                out = logits.new_empty(x.shape[0], logits.shape[1])
            out[mask] = logits
        return out
