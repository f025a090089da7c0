"""Run the generated suffix of the slim ResNet-18 from a dict of tensors (no module rebuilt per step).

BatchNorm in generated layers uses batch statistics (train and eval) unless `running_stats` supplies
one task's (mean, var) per layer (the "running" policy): then training normalises with batch
statistics and updates them in place (momentum 0.1, as nn.BatchNorm2d), evaluation uses them.
γ/β always come from the dict (per-task tables of the hypernetwork).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor

from .resnet import BLOCKS_PER_STAGE, STAGE_STRIDES

__all__ = ["suffix_forward", "BN_EPS", "BN_MOMENTUM"]

BN_EPS = 1e-5
BN_MOMENTUM = 0.1
Stats = Mapping[str, tuple[Tensor, Tensor]]  # BatchNorm name → (running mean [C], running var [C])


def _bn(x: Tensor, p: Mapping[str, Tensor], name: str, stats: Stats | None, update: bool) -> Tensor:
    mean, var = stats[name] if stats is not None else (None, None)
    return F.batch_norm(x, mean, var, p[f"{name}.weight"], p[f"{name}.bias"], training=stats is None or update,
                        momentum=BN_MOMENTUM, eps=BN_EPS)


def _conv(x: Tensor, p: Mapping[str, Tensor], name: str, stride: int) -> Tensor:
    w = p[f"{name}.weight"]  # [out, in, kh, kw]
    return F.conv2d(x, w, stride=stride, padding=w.shape[-1] // 2)


def _block(x: Tensor, p, name: str, stride: int, stats: Stats | None, update: bool) -> Tensor:
    out = torch.relu(_bn(_conv(x, p, f"{name}.conv1", stride), p, f"{name}.bn1", stats, update))
    out = _bn(_conv(out, p, f"{name}.conv2", 1), p, f"{name}.bn2", stats, update)
    if f"{name}.shortcut.conv.weight" in p:
        x = _bn(_conv(x, p, f"{name}.shortcut.conv", stride), p, f"{name}.shortcut.bn", stats, update)
    return torch.relu(out + x)


def suffix_forward(
    z: Tensor,
    params: Mapping[str, Tensor],
    k: int,
    running_stats: Stats | None = None,
    update_stats: bool = False,
) -> Tensor:
    """Logits of the suffix at depth k: z is the prefix output ([B, 3, 32, 32] when k = 0).
    With `running_stats`: normalise with them, or (`update_stats`) with the batch's, updating them."""
    if k == 0:
        z = torch.relu(_bn(_conv(z, params, "stem.conv", 1), params, "stem.bn", running_stats, update_stats))
    for stage in range(max(k, 0) + 1, 5):
        for b in range(BLOCKS_PER_STAGE):
            stride = STAGE_STRIDES[stage - 1] if b == 0 else 1
            z = _block(z, params, f"layer{stage}.{b}", stride, running_stats, update_stats)
    feats = torch.flatten(F.adaptive_avg_pool2d(z, 1), 1)  # [B, 160]
    return F.linear(feats, params["classifier.weight"], params["classifier.bias"])
