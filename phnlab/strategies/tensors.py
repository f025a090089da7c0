"""The strategies' tensor data path: an Avalanche experience backed by phnlab tensors (`attach_tensors`) gives
mini-batches sliced from device-resident uint8 tensors and augmented on the device as whole batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch
from torch import Tensor

from ..data.augment import prepare

__all__ = ["TensorView", "attach_tensors", "tensors_of", "DeviceBatches"]


@dataclass
class TensorView:
    """A phnlab experience's tensors and its data set's normalisation."""

    experience: Any  # phnlab.data.streams.Experience

    @property
    def mean(self) -> Sequence[float]:
        return self.experience.mean

    @property
    def std(self) -> Sequence[float]:
        return self.experience.std

    def batches(self, split: str, *, batch_size: int, device, augment: bool = False,
                generator: torch.Generator | None = None) -> "DeviceBatches":
        """Mini-batches of the train or test split, shuffled and augmented only when `augment`."""
        e = self.experience
        x, y = (e.train_x, e.train_y) if split == "train" else (e.test_x, e.test_y)
        return DeviceBatches(x, y, e.task_id, batch_size=batch_size, train=augment, noise=e.noise, mean=self.mean,
                             std=self.std, generator=generator, device=device)


def attach_tensors(avalanche_experience, experience):
    """Mark an Avalanche experience as backed by phnlab tensors (enables the fast path)."""
    avalanche_experience.phnlab = TensorView(experience)
    return avalanche_experience


def tensors_of(avalanche_experience) -> TensorView | None:
    return getattr(avalanche_experience, "phnlab", None)


class DeviceBatches:
    """Mini-batches [x, y, t] of one experience, sliced from device tensors and prepared on the device."""

    def __init__(self, x: Tensor, y: Tensor, task_id: int, *, batch_size: int, train: bool, noise, mean, std,
                 generator: torch.Generator | None, device):
        self.x, self.y = x.to(device), y.to(device)  # [N, 3, 32, 32] uint8, [N]
        self.task_id, self.batch_size, self.train = task_id, batch_size, train
        self.noise, self.mean, self.std, self.generator = noise, mean, std, generator

    def __len__(self) -> int:
        return -(-len(self.y) // self.batch_size)

    def __iter__(self):
        n = len(self.y)
        order = (torch.randperm(n, generator=self.generator, device=self.generator.device).to(self.x.device)
                 if self.train else torch.arange(n, device=self.x.device))
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            xb = prepare(self.x[idx], train=self.train, noise=self.noise, mean=self.mean, std=self.std,
                         generator=self.generator)
            yield [xb, self.y[idx], torch.full_like(idx, self.task_id)]
