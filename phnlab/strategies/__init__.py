"""Continual-learning strategies as Avalanche templates: Naive, EWC, LR-k, partial HN-k / HN-F."""

from __future__ import annotations

import torch

from ..config import STRATEGIES, Preset, check_lookahead, check_strategy, resolve_bn_policy, strategy_label
from ..hyper.model import PartialHyperModel
from .base import PhnTemplate, attach_tensors, predict, silent_evaluator, tensors_of
from .baselines import EWC, MultiTaskResNet, Naive
from .latent_replay import LatentReplay
from .partial_hn import PartialHN

__all__ = ["STRATEGIES", "make_strategy", "strategy_label", "PhnTemplate", "Naive", "EWC", "LatentReplay",
           "PartialHN", "MultiTaskResNet", "attach_tensors", "tensors_of", "predict"]

def make_strategy(name: str, *, preset: Preset, num_tasks: int, num_classes: int, device, seed: int,
                  freeze_depth: int = 0, lookahead: str = "first", replay_coef: float = 1.0, plugins=None,
                  evaluator=None):
    """Model + strategy for one run; the model's initial weights are drawn from `seed`. `evaluator`: an
    Avalanche `EvaluationPlugin` (default: none of its metrics, phnlab measures accuracy itself)."""
    check_strategy(name, freeze_depth)
    bn_policy = resolve_bn_policy(preset.bn_policy, name, freeze_depth)
    torch.manual_seed(seed)
    common = dict(lr=preset.lr, train_mb_size=preset.batch_size, train_epochs=preset.epochs,
                  eval_mb_size=preset.eval_batch_size, device=device, seed=seed, plugins=plugins,
                  evaluator=silent_evaluator() if evaluator is None else evaluator,
                  precision=preset.precision, channels_last=preset.channels_last)
    if name in ("naive", "ewc", "lr"):
        model = MultiTaskResNet(num_classes=num_classes, num_heads=num_tasks,
                                running_stats_depth=freeze_depth if name == "lr" else 0, bn_policy=bn_policy)
        if name == "naive":
            return Naive(model=model, **common)
        if name == "ewc":
            return EWC(model=model, ewc_lambda=preset.ewc_lambda, **common)
        return LatentReplay(model=model, freeze_depth=freeze_depth, replay_coef=replay_coef, buffer_size=preset.buffer_size,
                            replay_mb_size=preset.replay_batch_size, **common)
    check_lookahead(lookahead)
    model = PartialHyperModel(freeze_depth=freeze_depth, num_tasks=num_tasks, num_classes=num_classes,
                              embedding_dim=preset.embedding_dim, hidden_dim=preset.hidden_dim,
                              chunk_dim=preset.chunk_dim, bn_policy=bn_policy)
    return PartialHN(model=model, lookahead=lookahead, reg_coef=preset.reg_coef, task_lr=preset.task_lr,
                     reg_tasks_per_step=preset.reg_tasks_per_step, **common)
