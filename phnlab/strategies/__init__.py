"""Continual-learning strategies as Avalanche templates: Naive, EWC, LR-k, partial HN-k / HN-F."""

from __future__ import annotations

import torch

from ..config import Preset, check_freeze_depth
from ..errors import BadInput
from ..hyper.model import PartialHyperModel
from ..hyper.regularizer import check_lookahead
from .base import PhnTemplate, attach_tensors, predict, tensors_of
from .baselines import EWC, MultiTaskResNet, Naive
from .latent_replay import LatentReplay
from .partial_hn import PartialHN

__all__ = ["STRATEGIES", "make_strategy", "strategy_label", "PhnTemplate", "Naive", "EWC", "LatentReplay",
           "PartialHN", "MultiTaskResNet", "attach_tensors", "tensors_of", "predict"]

STRATEGIES = ("naive", "ewc", "lr", "hn")


def check_strategy(name: str, freeze_depth: int) -> None:
    if name not in STRATEGIES:
        raise BadInput(f"unknown strategy {name!r}; allowed: {', '.join(STRATEGIES)}")
    if name in ("naive", "ewc") and freeze_depth != 0:
        raise BadInput(f"strategy {name} freezes nothing: freeze depth must be 0, got {freeze_depth}")
    check_freeze_depth(freeze_depth)


def strategy_label(name: str, freeze_depth: int = 0, replay_coef: float = 1.0) -> str:
    """The paper's names: Naive, EWC, LR-k, HN-k, HN-F (k = 0)."""
    if name == "naive":
        return "Naive"
    if name == "ewc":
        return "EWC"
    if name == "lr":
        return f"LR-{freeze_depth}" + ("" if replay_coef == 1 else f" (c={replay_coef:g})")
    return "HN-F" if freeze_depth == 0 else f"HN-{freeze_depth}"


def make_strategy(name: str, *, preset: Preset, num_tasks: int, num_classes: int, device, seed: int,
                  freeze_depth: int = 0, lookahead: str = "first", replay_coef: float = 1.0, plugins=None):
    """Model + strategy for one run; the model's initial weights are drawn from `seed`."""
    check_strategy(name, freeze_depth)
    torch.manual_seed(seed)
    common = dict(lr=preset.lr, train_mb_size=preset.batch_size, train_epochs=preset.epochs,
                  eval_mb_size=preset.eval_batch_size, device=device, seed=seed, plugins=plugins)
    if name in ("naive", "ewc", "lr"):
        model = MultiTaskResNet(num_classes=num_classes, num_heads=num_tasks,
                                running_stats_depth=freeze_depth if name == "lr" else 0)
        if name == "naive":
            return Naive(model=model, **common)
        if name == "ewc":
            return EWC(model=model, ewc_lambda=preset.ewc_lambda, **common)
        return LatentReplay(model=model, freeze_depth=freeze_depth, replay_coef=replay_coef, buffer_size=preset.buffer_size,
                            replay_mb_size=preset.replay_batch_size, **common)
    check_lookahead(lookahead)
    model = PartialHyperModel(freeze_depth=freeze_depth, num_tasks=num_tasks, num_classes=num_classes,
                              embedding_dim=preset.embedding_dim, hidden_dim=preset.hidden_dim,
                              chunk_dim=preset.chunk_dim)
    return PartialHN(model=model, lookahead=lookahead, reg_coef=preset.reg_coef, **common)
