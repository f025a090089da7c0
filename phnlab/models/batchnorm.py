"""BatchNorm policies of a model whose prefix is trained, then frozen (`Preset.bn_policy`).

- population (phnlab's default): until it is frozen, the prefix normalises with batch statistics
  (train and eval), like every other layer. When it is frozen, its running statistics are
  recomputed exactly over the experience it was trained on (a cumulative average, not the lagging
  momentum estimate) and it switches to them for good: a frozen prefix is then a fixed function.
  The layers after it keep batch statistics.
- running (the authors' latent replay): standard BatchNorm in every layer, momentum 0.1; training
  updates the running statistics on every experience, frozen layers included ("frozen" stops
  gradients only); evaluation uses them.
- batch (the authors' hypernetworks): batch statistics in every layer, in training and evaluation;
  nothing is stored, and an accuracy depends on the evaluation batch.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

__all__ = ["batchnorms", "use_batch_statistics", "recalibrate", "MODEL_POLICIES", "tracks_running_stats",
           "apply_policy_mode", "check_model_policy", "FIXED_PREFIX_POLICIES"]

MODEL_POLICIES = ("population", "running", "batch")  # what a model runs under ("authors" resolves to one)
# Policies under which a frozen prefix's output on a given batch never changes again: population (fixed
# statistics) and batch (the statistics of that batch itself). Under running, every training step moves them.
FIXED_PREFIX_POLICIES = ("population", "batch")


def check_model_policy(policy: str) -> str:
    if policy not in MODEL_POLICIES:
        raise ValueError(f"BatchNorm policy {policy!r} of a model must be one of {', '.join(MODEL_POLICIES)}")
    return policy


def tracks_running_stats(policy: str, in_prefix: bool) -> bool:
    """Whether a BatchNorm layer stores running statistics: population only in the stateful prefix."""
    return {"population": in_prefix, "running": True, "batch": False}[check_model_policy(policy)]


def apply_policy_mode(model: nn.Module, prefix: nn.Module, *, frozen: bool, policy: str) -> None:
    """Called after `model.train(mode)`. population: batch statistics everywhere until the prefix is
    frozen, then the prefix on its running statistics for good; running and batch: the modes as set."""
    if policy != "population":
        return
    if frozen:
        prefix.eval()  # a frozen prefix is a fixed function
    else:
        use_batch_statistics(model)


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
