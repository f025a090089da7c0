"""What a run records while it trains, as an Avalanche plugin: per-epoch curve points. Kept apart from the
runner so that reading stored results never imports Avalanche."""

from __future__ import annotations

import time

from avalanche.core import SupervisedPlugin

from .checkpoint import model_state

__all__ = ["CurveRecorder"]


class CurveRecorder(SupervisedPlugin):
    """Per-epoch accuracy on every experience seen so far, or on the first `experiences` of them (learning
    curves)."""

    def __init__(self, views, *, eval_batch_size: int, every_epoch: bool, cache=None, experiences: int | None = None):
        super().__init__()
        self.views, self.eval_batch_size, self.every_epoch = views, eval_batch_size, every_epoch
        self.experiences = experiences
        self.cache = cache
        self.curves: list[dict] = []
        self.eval_s: list[float] = []  # per experience: seconds of its curve points (part of its training time)
        self.evaluated_state = None  # `model_state` when the last curve point was measured

    def after_training_epoch(self, strategy, **kwargs):
        if not self.every_epoch:
            return
        from ..strategies import predict

        i = strategy.experience_index
        t0 = time.perf_counter()
        seen = i + 1 if self.experiences is None else min(i + 1, self.experiences)
        acc = [predict(strategy.model, v, batch_size=self.eval_batch_size, device=strategy.device, cache=self.cache)
               for v in self.views[:seen]]
        self.eval_s += [0.0] * (i + 1 - len(self.eval_s))
        self.eval_s[i] += time.perf_counter() - t0
        self.curves.append({"experience": i, "epoch": strategy.clock.train_exp_epochs, "accuracy": acc})
        self.evaluated_state = model_state(strategy.model)

    def last_point_if_current(self, model, experience: int) -> list[float]:
        """The accuracies of the last curve point when they are those of `model` as it is now (the end of
        `experience`, nothing changed since the last epoch): the start of the accuracy-matrix row (all of it
        unless the curves hold fewer experiences), without evaluating again; [] when there is none."""
        if not self.curves or self.curves[-1]["experience"] != experience or self.evaluated_state is None:
            return []
        return list(self.curves[-1]["accuracy"]) if model_state(model) == self.evaluated_state else []
