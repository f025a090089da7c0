"""One split of a data set as uint8 tensors, and how a data set is found, read, counted and fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from ..errors import DataCorrupt, DataMissing

__all__ = [
    "SPLITS", "ImageData", "DatasetSpec", "resize_images"
]

SPLITS = ("train", "test")


@dataclass(frozen=True, eq=False)
class ImageData:
    """One split of a data set: images uint8 [N,3,S,S], labels int64 [N], names of all classes."""

    images: torch.Tensor
    labels: torch.Tensor
    class_names: list[str]
    name: str

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


@dataclass(frozen=True)
class DatasetSpec:
    """How to find, read, count and fetch one data set."""

    name: str
    folder: str  # directory under the data root that holds the data set ("" for bundled ones)
    expected: str  # the files expected there, for messages
    how_to_get: str  # for messages
    load: Callable  # (spec, root, split, size) -> ImageData
    info: Callable  # (spec, root) -> dict(present, train_size, test_size, num_classes)
    download: Callable | None = None  # (spec, root) -> None
    description: str = ""
    synthetic: bool = False
    grey: bool = False
    extra: dict = field(default_factory=dict)

    def path(self, root: Path) -> Path:
        return root / self.folder if self.folder else root

    def problem(self, root: Path, what: str) -> str:
        """The one-line message of every missing / corrupt error."""
        return (
            f"data set {self.name!r}: {what}; looked in {self.path(root)}; expected {self.expected}; "
            f"{self.how_to_get}"
        )

    def missing(self, root: Path, what: str = "not found") -> DataMissing:
        return DataMissing(self.problem(root, what))

    def corrupt(self, root: Path, what: str) -> DataCorrupt:
        return DataCorrupt(self.problem(root, what))


def resize_images(x: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 [N,C,H,W] → uint8 [N,3,size,size]: grey → 3 channels, bilinear (antialiased) resize."""
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    if x.shape[-2:] == (size, size):
        return x.contiguous()
    out = []
    for chunk in torch.split(x, 4096):  # bounded float memory
        y = F.interpolate(chunk.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        out.append(y.round_().clamp_(0, 255).to(torch.uint8))
    return torch.cat(out) if out else x.new_empty(0, 3, size, size)
