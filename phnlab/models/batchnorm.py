"""BatchNorm policy of a prefix that is trained, then frozen.

Until it is frozen, the prefix normalises with batch statistics (train and eval), like every other
layer in the paper's models. When it is frozen, its running statistics are recomputed exactly over
the experience it was trained on (a cumulative average, not the lagging momentum estimate) and it
switches to them for good: a frozen prefix is then a fixed function of its input.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

__all__ = ["batchnorms", "use_batch_statistics", "recalibrate"]


def batchnorms(module: nn.Module) -> list[nn.modules.batchnorm._BatchNorm]:
    return [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def use_batch_statistics(module: nn.Module) -> None:
    """Put the module's BatchNorm layers in train mode (batch statistics) whatever the module's mode."""
    for bn in batchnorms(module):
        bn.train()


@torch.no_grad()
def recalibrate(module: nn.Module, inputs: Iterable[Tensor] | None) -> None:
    """Set the module's BatchNorm running statistics to the exact average over `inputs` batches
    (None: keep them, e.g. when they were just loaded from a checkpoint)."""
    bns = batchnorms(module)
    if inputs is None or not bns:
        return
    saved = [(bn.momentum, bn.training) for bn in bns]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative moving average: every batch counts equally
        bn.train()
    for x in inputs:
        module(x)
    for bn, (momentum, training) in zip(bns, saved):
        bn.momentum = momentum
        bn.train(training)
