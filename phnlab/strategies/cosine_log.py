"""Figure 12's log as an Avalanche plugin: cos(g1, g2) of every look-ahead step of a partial hypernetwork."""

from __future__ import annotations

from avalanche.core import SupervisedPlugin

__all__ = ["GradientCosineLog"]


class GradientCosineLog(SupervisedPlugin):
    """After each backward of a `PartialHN` from experience 2 on, the cosine between the cross-entropy's
    gradient g1 and the regulariser's g2, and the regulariser's loss. Steps without look-ahead gradients
    (experience 1, or another strategy) add nothing."""

    def __init__(self):
        super().__init__()
        self.entries: list[dict] = []  # {"experience", "epoch", "step", "cosine", "reg_loss"}

    def after_backward(self, strategy, **kwargs):
        grads = getattr(strategy, "last_gradients", None)
        if grads is None:
            return
        self.entries.append({"experience": strategy.experience_index, "epoch": strategy.clock.train_exp_epochs,
                             "step": strategy.clock.train_exp_iterations, "cosine": grads.cosine(),
                             "reg_loss": grads.reg_loss})
