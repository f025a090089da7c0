"""A partial-hypernetwork model: stateful prefix of depth k + hypernetwork-generated suffix."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn
from torch.func import functional_call

from ..models.batchnorm import FIXED_PREFIX_POLICIES, apply_policy_mode, check_model_policy, recalibrate
from ..models.resnet import SlimResNet18, run_suffix
from .heads import HyperNetwork, key_of

__all__ = ["PartialHyperModel", "by_task"]


class PartialHyperModel(nn.Module):
    """f(x, t) = suffix(prefix(x); H_ψ(t)). k = 0 is HN-F (everything generated).

    BatchNorm follows `bn_policy` (`phnlab.models.batchnorm`); under "running" each generated
    BatchNorm layer keeps one row of running statistics per task (buffers, not generated).
    """

    def __init__(
        self,
        *,
        freeze_depth: int,
        num_tasks: int,
        num_classes: int,
        nf: int = 20,
        embedding_dim: int = 32,
        hidden_dim: int = 50,
        chunk_dim: int = 32,
        bn_policy: str = "population",
    ):
        super().__init__()
        self.k = freeze_depth
        self.num_tasks, self.num_classes = num_tasks, num_classes
        self.bn_policy = check_model_policy(bn_policy)
        backbone = SlimResNet18(num_classes=num_classes, num_heads=1, nf=nf, running_stats_depth=freeze_depth,
                                bn_policy=bn_policy)
        self.prefix = backbone.prefix(freeze_depth)  # stateful; frozen after experience 1
        specs = backbone.suffix_specs(freeze_depth)
        # the suffix's layers as modules, run from generated tensors; kept outside the module tree (their
        # own parameters are never used), one on batch statistics only for `logits_at` (the pure function the
        # tests' torch.func oracle differentiates). Building it draws from the RNG before the hypernetwork's
        # initialisation: without it, every run under running statistics would start elsewhere (same key)
        vars(self)["_suffix"] = backbone.suffix_module(freeze_depth)
        vars(self)["_batch_suffix"] = (backbone.suffix_module(freeze_depth, running_stats=False)
                                       if bn_policy == "running" else self._suffix)
        self.hnet = HyperNetwork(
            specs,
            num_tasks=num_tasks,
            embedding_dim=embedding_dim,
            hidden_dim=hidden_dim,
            chunk_dim=chunk_dim,
        )
        self.suffix_bn = [s.name.rsplit(".", 1)[0] for s in specs if s.role == "bn_weight"]
        if bn_policy == "running":
            for name, spec in zip(self.suffix_bn, (s for s in specs if s.role == "bn_weight")):
                self.register_buffer(f"running_mean__{key_of(name)}", torch.zeros(num_tasks, *spec.shape))  # [T, C]
                self.register_buffer(f"running_var__{key_of(name)}", torch.ones(num_tasks, *spec.shape))

    frozen = False

    def freeze_prefix(self, calibration: Iterable[Tensor] | None = None) -> None:
        """Freeze the stateful prefix after experience 1: no gradients. Under "population" its BatchNorm
        switches to running statistics recomputed exactly over the `calibration` batches."""
        if self.bn_policy == "population":
            recalibrate(self.prefix, calibration)
        self.frozen = True
        self.prefix.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True):
        super().train(mode)
        apply_policy_mode(self.prefix, self.prefix, frozen=self.frozen, policy=self.bn_policy)
        return self

    def running_stats(self, task_id: int) -> dict[str, tuple[Tensor, Tensor]] | None:
        """One task's rows of the generated layers' running statistics (views: updates land in the
        buffers); None unless the policy is "running"."""
        if self.bn_policy != "running":
            return None
        return {name: (getattr(self, f"running_mean__{key_of(name)}")[task_id],
                       getattr(self, f"running_var__{key_of(name)}")[task_id]) for name in self.suffix_bn}

    def suffix(self, z: Tensor, task_id: int, params: dict[str, Tensor] | None = None) -> Tensor:
        """Logits for prefix output z of one task (tensors generated once for the whole batch)."""
        return run_suffix(self._suffix, z, params if params is not None else self.hnet.generate_one(task_id),
                          self.running_stats(task_id), training=self.training)

    def logits_at(self, z: Tensor, task_id: int, hnet_params: dict[str, Tensor]) -> Tensor:
        """Logits of prefix output z for one task with the hypernetwork's parameters replaced by
        `hnet_params` (any subset, by name): a pure function of them, batch statistics in every generated
        layer as in training, no statistics updated (what torch.func transforms differentiate)."""
        ids = torch.tensor([task_id], device=z.device)
        generated = functional_call(self.hnet, hnet_params, (ids,), strict=False)
        return run_suffix(self._batch_suffix, z, {name: t[0] for name, t in generated.items()}, training=True)

    def fixed_prefix(self) -> nn.Module | None:
        """The frozen prefix when its output on a given batch is fixed (population or batch statistics, see
        `FIXED_PREFIX_POLICIES`), else None; `from_prefix` takes its output."""
        return self.prefix if self.frozen and self.k > 0 and self.bn_policy in FIXED_PREFIX_POLICIES else None

    def forward(self, x: Tensor, task_ids: Tensor | int = 0) -> Tensor:
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
            z = self.prefix(x)
        return self.from_prefix(z, task_ids)

    def from_prefix(self, z: Tensor, task_ids: Tensor | int = 0) -> Tensor:
        """Logits of prefix outputs z, one generation per task present (never per sample)."""
        return by_task(self.suffix, z, task_ids)


def by_task(run, x: Tensor, task_ids: Tensor | int) -> Tensor:
    """`run(x_t, t)` on the samples of each task present (one generation per task, never per sample),
    the logits put back in the batch's order."""
    if isinstance(task_ids, int):
        return run(x, task_ids)
    tasks = torch.unique(task_ids)
    if tasks.numel() == 1:
        return run(x, int(tasks))
    out = None
    for t in tasks.tolist():
        mask = task_ids == t
        logits = run(x[mask], t)
        if out is None:
            out = logits.new_empty(x.shape[0], logits.shape[1])
        out[mask] = logits
    return out
