"""Naive fine-tuning: plain Adam updates on each experience, the task's head chosen by its task id."""

from __future__ import annotations

from dataclasses import dataclass

from ..models.multitask import MultiTaskResNet
from .base import PhnTemplate
from .registry import Declaration

__all__ = ["Naive", "NaiveHyperparameters", "DECLARATION"]


class Naive(PhnTemplate):
    """Plain SGD (Adam) updates on each experience; the task's head is chosen by its task id."""


@dataclass(frozen=True)
class NaiveHyperparameters:
    """None: Naive has only the schedule and optimiser every strategy shares."""


def _build(ctx):
    model = MultiTaskResNet(num_classes=ctx.num_classes, num_heads=ctx.num_tasks, running_stats_depth=0,
                            bn_policy=ctx.bn_policy)
    return Naive(model=model, **ctx.common)


DECLARATION = Declaration(
    name="naive", label="Naive", depths=(0,), hyperparameters=NaiveHyperparameters, build=_build,
    first_experience="plain", authors_bn="batch", step_cost={0: 1.0},
    description="fine-tuning, the lower bound")
