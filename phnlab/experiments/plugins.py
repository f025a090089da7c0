"""The runner's Avalanche plugins that change nothing a run computes: its progress bar, and the step
boundary where a signal stops training."""

from __future__ import annotations

from avalanche.core import SupervisedPlugin

from . import stopping

__all__ = ["ProgressBar", "StopOnSignal"]


class ProgressBar(SupervisedPlugin):
    """A tqdm bar of training steps, with the experience and epoch beside it."""

    def __init__(self, bar):
        super().__init__()
        self.bar = bar

    def after_training_iteration(self, strategy, **kwargs):
        self.bar.update(1)

    def before_training_epoch(self, strategy, **kwargs):
        self.bar.set_postfix(experience=strategy.experience_index + 1, epoch=strategy.clock.train_exp_epochs + 1)


class StopOnSignal(SupervisedPlugin):
    """A SIGTERM / SIGINT noted by `stopping.graceful` stops training here, at a step boundary."""

    def after_training_iteration(self, strategy, **kwargs):
        stopping.check()
