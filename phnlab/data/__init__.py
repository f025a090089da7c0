"""Data: real and synthetic image data sets, the paper's streams, batched augmentation.

- `datasets`: `load_dataset(name, split)` → uint8 tensors; clear errors when data is absent.
- `synthetic`: the procedural domains that make the project run offline.
- `streams`: `build_stream(kind, preset=..., seed=...)` → split / noisy / clean / transfer streams.
- `augment`: `prepare(x, train=..., noise=..., mean=..., std=...)` on whole batches, on any device.
"""

from .augment import prepare
from .datasets import DATASETS, ImageData, dataset_info, download_dataset, load_dataset, resolve_data_root
from .streams import Experience, Stream, build_stream

__all__ = [
    "DATASETS",
    "ImageData",
    "load_dataset",
    "dataset_info",
    "download_dataset",
    "resolve_data_root",
    "Experience",
    "Stream",
    "build_stream",
    "prepare",
]
