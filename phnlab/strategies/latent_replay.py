"""Latent replay LR-k: the prefix of depth k is frozen after experience 1; each step adds
c · cross-entropy on a mini-batch of stored prefix outputs from a class-balanced buffer."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from ..models.multitask import MultiTaskResNet
from .base import PhnTemplate
from .tensors import tensors_of
from .registry import Declaration

__all__ = ["LatentReplay", "ClassBalancedBuffer", "class_quotas", "LRHyperparameters", "DECLARATION"]


def class_quotas(size: int, counts: list[int]) -> list[int]:
    """Slots per class: as even as the classes allow, every slot handed out while samples remain.

    size // n each, the remainder one by one to the first classes (Avalanche's
    `ClassBalancedBuffer` does the same); a class with fewer samples than its share passes the
    rest on to the others.
    """
    quota = [0] * len(counts)
    open_ = [i for i, c in enumerate(counts) if c > 0]
    left = size
    while open_ and left > 0:
        share, extra = divmod(left, len(open_))
        for j, i in enumerate(open_):
            give = min(share + (j < extra), counts[i] - quota[i])
            quota[i] += give
            left -= give
        open_ = [i for i in open_ if quota[i] < counts[i]]
    return quota


class ClassBalancedBuffer:
    """Latents of past experiences, at most `size` in all, split evenly over the classes seen.

    A class is (task id, label). When a new class arrives every class is cut to its quota
    (`class_quotas`), keeping a random subset drawn at insertion (as Avalanche's class-balanced
    buffer does with datasets; this one holds device tensors so that sampling stays on the device).
    """

    def __init__(self, size: int, generator: torch.Generator):
        self.size, self.generator = size, generator
        self.z = self.y = self.t = None  # [M, *latent], [M], [M]

    def __len__(self) -> int:
        return 0 if self.y is None else len(self.y)

    def add(self, z: Tensor, y: Tensor, t: Tensor) -> None:
        perm = torch.randperm(len(y), generator=self.generator, device=self.generator.device).to(y.device)
        z, y, t = z[perm], y[perm], t[perm]  # random order, so "keep the first n" is a random subset
        if self.y is not None:
            z, y, t = torch.cat([self.z, z]), torch.cat([self.y, y]), torch.cat([self.t, t])
        keys = t * (int(y.max()) + 1) + y
        members = [torch.nonzero(keys == c).flatten() for c in torch.unique(keys)]
        quotas = class_quotas(self.size, [len(m) for m in members])
        keep = torch.cat([m[:q] for m, q in zip(members, quotas)])
        self.z, self.y, self.t = z[keep], y[keep], t[keep]

    def sample(self, n: int) -> tuple[Tensor, Tensor, Tensor]:
        idx = torch.randperm(len(self), generator=self.generator, device=self.generator.device)[:n].to(self.y.device)
        return self.z[idx], self.y[idx], self.t[idx]

    def state_dict(self) -> dict:
        return {"z": self.z, "y": self.y, "t": self.t}

    def load_state_dict(self, state: dict) -> None:
        self.z, self.y, self.t = state["z"], state["y"], state["t"]


class LatentReplay(PhnTemplate):
    """Latent replay LR-k on a `MultiTaskResNet(running_stats_depth=k)`; k = 0 replays images.

    After experience 1 the prefix (stem and stages 1..k) is frozen; after every experience the prefix's
    outputs on its training data go into a class-balanced buffer of `buffer_size` latents (200 in the paper,
    2 per class on Split CIFAR-100), and each step adds `replay_coef` (c) times the cross-entropy of a
    mini-batch of `replay_mb_size` replayed latents through the trained suffix and their tasks' heads."""

    def __init__(self, *, model, freeze_depth: int, replay_coef: float = 1.0, buffer_size: int = 200,
                 replay_mb_size: int = 64, **kwargs):
        super().__init__(model=model, **kwargs)
        self.k, self.replay_coef, self.replay_mb_size = freeze_depth, replay_coef, replay_mb_size
        self.buffer = ClassBalancedBuffer(buffer_size, self.generator)

    def criterion(self):
        loss = self._criterion(self.mb_output, self.mb_y)
        if self.is_training and self.replay_coef > 0 and len(self.buffer):
            z, y, t = self.buffer.sample(self.replay_mb_size)
            with self.autocast():
                replayed = self.model.forward_from(self.as_input(z), self.k, t).float()
            loss = loss + self.replay_coef * self._criterion(replayed, y)
        return loss

    def _assume_previous_tasks(self, current: int, generator: torch.Generator) -> None:
        """Prefix frozen after experience 1; the buffer holds stand-in latents of every earlier class."""
        from ..models.resnet import feature_shape

        self.model.freeze_prefix(self.k)
        c = self.model.num_classes
        per_class = -(-self.buffer.size // (current * c)) + 1
        y = torch.arange(c).repeat_interleave(per_class).repeat(current)  # [current·c·per_class]
        t = torch.arange(current).repeat_interleave(c * per_class)
        z = torch.randn(len(y), *feature_shape(self.k), generator=generator)  # [M, C, H, W]
        self.buffer.add(z.to(self.device), y.to(self.device), t.to(self.device))

    def memory_bytes(self) -> int:
        """The latent buffer (float32)."""
        return 0 if self.buffer.z is None else self.buffer.z.numel() * 4

    def state_tensors(self):
        yield from super().state_tensors()
        yield from (v for v in (self.buffer.z, self.buffer.y, self.buffer.t) if v is not None)

    def extra_state(self) -> dict:
        return {"buffer": self.buffer.state_dict(), "frozen_depth": self.model.frozen_depth}

    def load_extra_state(self, state: dict) -> None:
        self.buffer.load_state_dict({k: None if v is None else v.to(self.device) for k, v in state["buffer"].items()})
        if state["frozen_depth"]:
            self.model.freeze_prefix(state["frozen_depth"])

    def _after_training_exp(self, **kwargs):
        if self.experience_index == 0:
            self.model.freeze_prefix(self.k, calibration=self.training_inputs())
        self.store_latents()
        super()._after_training_exp(**kwargs)

    @torch.no_grad()
    def store_latents(self) -> None:
        """Add the frozen prefix's outputs for this experience's training set to the buffer."""
        view = tensors_of(self.experience)
        if view is not None:
            batches = view.batches("train", batch_size=self.eval_mb_size, device=self.device)
        else:  # any Avalanche experience: its own data set, with its evaluation transforms (no augmentation)
            batches = torch.utils.data.DataLoader(self.experience.dataset.eval(), batch_size=self.eval_mb_size)
        self.model.eval()
        prefix = self.model.prefix(self.k)
        parts = [(prefix(x.to(self.device)), y.to(self.device), t.to(self.device)) for x, y, t, *_ in batches]
        self.buffer.add(*(torch.cat(p) for p in zip(*parts)))
        self.model.train()


@dataclass(frozen=True)
class LRHyperparameters:
    buffer_size: int = field(default=200, metadata={"after_first": True, "zero_allowed": True})  # latents kept (CIFAR-100: 200)
    replay_batch_size: int = field(default=64, metadata={"after_first": True})  # replayed per step


def _build(ctx):
    model = MultiTaskResNet.for_run(ctx, running_stats_depth=ctx.freeze_depth)
    hp = ctx.hyperparameters
    return LatentReplay(model=model, freeze_depth=ctx.freeze_depth, replay_coef=ctx.options["replay_coef"],
                        buffer_size=hp.buffer_size, replay_mb_size=hp.replay_batch_size, **ctx.common)


DECLARATION = Declaration(
    name="lr", label="LR-{k}", depths=(0, 1, 2, 3, 4), hyperparameters=LRHyperparameters, build=_build,
    options=("replay_coef",), first_experience="plain", authors_bn="running",
    step_cost={0: 1.58, 1: 1.09, 2: 0.79, 3: 0.61, 4: 0.40},  # against Naive's step (`phnlab bench`, quick)
    description="latent replay LR-k (k = 0 replays images)")
