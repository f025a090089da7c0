"""Naive fine-tuning: plain Adam updates on each experience, the task's head chosen by its task id."""

from __future__ import annotations

from ..models.multitask import MultiTaskResNet
from .base import PhnTemplate
from .registry import Declaration, NoHyperparameters

__all__ = ["Naive", "DECLARATION"]


class Naive(PhnTemplate):
    """Plain SGD (Adam) updates on each experience; the task's head is chosen by its task id."""


def _build(ctx):
    model = MultiTaskResNet.for_run(ctx)
    return Naive(model=model, **ctx.common)


DECLARATION = Declaration(
    name="naive", label="Naive", depths=(0,), hyperparameters=NoHyperparameters, build=_build,
    first_experience="plain", authors_bn="batch", step_cost={0: 1.0},
    description="fine-tuning, the lower bound")
