"""One run's strategy and model, built from its declaration (`registry`) and the run's preset."""

from __future__ import annotations

import torch

from . import registry
from .evaluation import silent_evaluator

__all__ = ["make_strategy"]


def make_strategy(name: str, *, preset, num_tasks: int, num_classes: int, device, seed: int,
                  freeze_depth: int = 0, lookahead: str = "first", replay_coef: float = 1.0, plugins=None,
                  evaluator=None):
    """Model + strategy for one run; the model's initial weights are drawn from `seed`. `evaluator`: an
    Avalanche `EvaluationPlugin` (default: none of its metrics, phnlab measures accuracy itself)."""
    found = registry.check(name, freeze_depth)
    bn_policy = registry.resolve_bn_policy(preset.bn_policy, name, freeze_depth)
    torch.manual_seed(seed)
    common = dict(lr=preset.lr, train_mb_size=preset.batch_size, train_epochs=preset.epochs,
                  eval_mb_size=preset.eval_batch_size, device=device, seed=seed, plugins=plugins,
                  evaluator=silent_evaluator() if evaluator is None else evaluator,
                  precision=preset.precision, channels_last=preset.channels_last)
    options = {"lookahead": lookahead, "replay_coef": replay_coef}
    return registry.build(name, preset=preset, num_tasks=num_tasks, num_classes=num_classes,
                          freeze_depth=freeze_depth, bn_policy=bn_policy,
                          options={o: options[o] for o in found.options}, common=common)
