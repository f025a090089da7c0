"""The slim ResNet-18 as Avalanche sees a task-aware model (its plugins call `model(x, task_labels)`)."""

from __future__ import annotations

from avalanche.models import MultiTaskModule

from .resnet import SlimResNet18

__all__ = ["MultiTaskResNet"]


class MultiTaskResNet(SlimResNet18, MultiTaskModule):
    """The multi-head slim ResNet-18 of Naive, EWC and latent replay: one head per task."""

    def forward_single_task(self, x, task_label):
        return SlimResNet18.forward(self, x, int(task_label))

    def forward(self, x, task_labels=0):
        return SlimResNet18.forward(self, x, task_labels)

    @classmethod
    def for_run(cls, ctx, running_stats_depth: int = 0) -> "MultiTaskResNet":
        """The model of a run (`strategies.registry.BuildContext`): a head per task, the run's BatchNorm policy."""
        return cls(num_classes=ctx.num_classes, num_heads=ctx.num_tasks, running_stats_depth=running_stats_depth,
                   bn_policy=ctx.bn_policy)
