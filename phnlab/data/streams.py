"""The paper's streams as tensors (and as Avalanche benchmarks): split, noisy / clean, transfer.

A stream is a list of experiences; experience i has task id i, labels 0..c−1 and uint8 images.
Augmentation and noise are not baked in: `phnlab.data.augment.prepare` applies them per batch on
the device (each experience names its noise), and `Stream.to_avalanche()` attaches the same
operations as per-sample transforms for Avalanche's own strategies.

Randomness: one generator seeded with `seed` draws the class order, then the per-class subsets,
so the same seed gives the same classes and images and another seed another order. Within an
experience the images are stored in a seeded random order, never sorted by class.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

import torch

from ..choices import NOISY_EXPERIENCES, STREAM_KINDS
from ..config import Preset, get_preset
from ..errors import BadInput
from .augment import NOISES, SampleTransform
from .datasets import ImageData, load_dataset

__all__ = ["Experience", "Stream", "build_stream", "STREAM_KINDS", "NOISY_SCHEDULE", "normalization"]

NOISY_SCHEDULE = (None,) + NOISES  # experience 1 clean, then solarize, blur, autocontrast-grey-blur
assert len(NOISY_SCHEDULE) == NOISY_EXPERIENCES

# Published statistics (the paper normalises CIFAR-100 with these); other data sets: computed.
KNOWN_NORMALIZATION = {"cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762))}


@dataclass(eq=False)
class Experience:
    """One experience: uint8 images [N,3,32,32], labels 0..c−1, the noise it is seen through."""

    index: int
    task_id: int
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    class_names: list[str]  # original names, in label order
    classes: list[int]  # original class ids, in label order
    dataset: str
    noise: str | None
    mean: tuple[float, float, float]  # normalisation of this experience's data set
    std: tuple[float, float, float]


@dataclass(eq=False)
class Stream:
    """Experiences + what built them. `mean`/`std` are the stream's first data set's statistics;
    in a transfer stream each experience carries its own data set's in `exp.mean`/`exp.std`."""

    experiences: list[Experience]
    meta: dict = field(default_factory=dict)
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.25, 0.25, 0.25)
    num_classes_per_experience: int = 5

    def __len__(self) -> int:
        return len(self.experiences)

    def __iter__(self):
        return iter(self.experiences)

    def __getitem__(self, i: int) -> Experience:
        return self.experiences[i]

    def to_avalanche(self):
        """An Avalanche 0.6 task-incremental benchmark (train_stream / test_stream, task label =
        experience index) over these tensors, with per-sample transforms equal to the device path
        (train: crop + flip, noise, normalise; eval: noise, normalise)."""
        from avalanche.benchmarks.scenarios.dataset_scenario import benchmark_from_datasets
        from avalanche.benchmarks.scenarios.supervised import with_classes_timeline
        from avalanche.benchmarks.scenarios.task_aware import with_task_labels
        from avalanche.benchmarks.utils import (
            ConstantSequence,
            DataAttribute,
            TaskAwareSupervisedClassificationDataset,
            TaskLabels,
            TransformGroups,
        )
        from torch.utils.data import TensorDataset

        def make(x, y, exp, group):
            groups = TransformGroups(
                {
                    "train": SampleTransform(train=True, noise=exp.noise, mean=exp.mean, std=exp.std),
                    "eval": SampleTransform(train=False, noise=exp.noise, mean=exp.mean, std=exp.std),
                }
            )
            ds = TaskAwareSupervisedClassificationDataset(
                [TensorDataset(x, y)],
                data_attributes=[
                    DataAttribute(y.tolist(), "targets"),
                    TaskLabels(ConstantSequence(exp.task_id, len(y))),
                ],
                transform_groups=groups,
            )
            return ds.with_transforms(group)

        bm = benchmark_from_datasets(
            train=[make(e.train_x, e.train_y, e, "train") for e in self.experiences],
            test=[make(e.test_x, e.test_y, e, "eval") for e in self.experiences],
        )
        return with_classes_timeline(with_task_labels(bm))


def normalization(name: str, train: ImageData) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean/std of a data set's whole training split (published values where known)."""
    if name in KNOWN_NORMALIZATION:
        return KNOWN_NORMALIZATION[name]
    s = torch.zeros(3, dtype=torch.int64)  # exact integer sums of pixel values and their squares
    s2 = torch.zeros(3, dtype=torch.int64)
    for chunk in torch.split(train.images, 8192):
        c = chunk.to(torch.int32)
        s += c.sum(dim=(0, 2, 3), dtype=torch.int64)
        s2 += (c * c).sum(dim=(0, 2, 3), dtype=torch.int64)
    n = max(train.images.shape[0] * train.images.shape[2] * train.images.shape[3], 1)
    mean = s.double() / n / 255.0
    std = (s2.double() / n / 255.0**2 - mean**2).clamp(min=1e-12).sqrt()
    return tuple(round(float(v), 4) for v in mean), tuple(round(float(v), 4) for v in std)


def _subsample(labels: torch.Tensor, cls: int, k: int | None, g: torch.Generator) -> torch.Tensor:
    idx = torch.nonzero(labels == cls).flatten()
    idx = idx[torch.randperm(len(idx), generator=g)]
    return idx if k is None else idx[:k]


def _mixed(per_class: list[torch.Tensor], g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(indices, labels 0..c−1) of the per-class subsets in one seeded random order: never class by
    class, so that every batch of an in-order pass (evaluation, BatchNorm calibration, importance
    estimates) holds a mix of the classes, as a test set drawn at random does."""
    idx = torch.cat(per_class)
    y = torch.cat([torch.full((len(i),), j, dtype=torch.int64) for j, i in enumerate(per_class)])
    perm = torch.randperm(len(y), generator=g)
    return idx[perm], y[perm]


def _experience(index, classes, train, test, preset, g, noise, norm, seed) -> Experience:
    tr = [_subsample(train.labels, c, preset.train_per_class, g) for c in classes]
    te = [_subsample(test.labels, c, preset.test_per_class, g) for c in classes]
    # the order comes from its own generator: the classes and images stay those the seed always drew
    order = torch.Generator().manual_seed(1_000_003 * seed + index)
    tr_idx, ytr = _mixed(tr, order)
    te_idx, yte = _mixed(te, order)
    return Experience(
        index=index,
        task_id=index,
        train_x=train.images[tr_idx],
        train_y=ytr,
        test_x=test.images[te_idx],
        test_y=yte,
        class_names=[train.class_names[c] for c in classes],
        classes=list(classes),
        dataset=train.name,
        noise=noise,
        mean=norm[0],
        std=norm[1],
    )


@functools.lru_cache(maxsize=8)
def _load(name, data_root, download):
    """Both splits and the normalisation, once per process (a book builds many streams of one data set)."""
    train = load_dataset(name, "train", data_root=data_root, download=download)
    test = load_dataset(name, "test", data_root=data_root, download=download)
    return train, test, normalization(name, train)


def _order(num_needed: int, train: ImageData, g: torch.Generator, what: str) -> list[int]:
    present = sorted(set(train.labels.tolist()))
    if num_needed > len(present):
        raise BadInput(
            f"{what} needs {num_needed} classes but {train.name!r} has {len(present)} here; "
            f"allowed: fewer experiences or classes per experience (preset overrides)"
        )
    perm = torch.randperm(len(present), generator=g).tolist()
    return [present[i] for i in perm[:num_needed]]


def build_stream(
    kind: str,
    *,
    preset: Preset | str,
    seed: int,
    dataset: str | None = None,
    dataset2: str | None = None,
    data_root: str | os.PathLike | None = None,
    download: bool = False,
) -> Stream:
    """Build a stream of `kind` ∈ split | noisy | clean | transfer from the preset's data sizes.

    split: preset.num_experiences × classes_per_experience classes of `dataset` (default the
    preset's). noisy: 4 experiences × c classes, experiences 2–4 seen through solarize, blur,
    autocontrast-grey-blur; clean: the same classes without noise. transfer: 2 experiences × c
    classes (`preset.transfer_classes` where set), the first from `dataset`, the second from `dataset2` (default the preset's first
    transfer pair).
    """
    if kind not in STREAM_KINDS:
        raise BadInput(f"unknown stream {kind!r}; allowed: {', '.join(STREAM_KINDS)}")
    if isinstance(preset, str):
        preset = get_preset(preset)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise BadInput(f"seed {seed!r} is not allowed; allowed: an integer ≥ 0")
    c = preset.classes_per_experience
    g = torch.Generator().manual_seed(seed)
    exps: list[Experience] = []
    if kind == "transfer":
        c = preset.stream_shape(kind)[1]
        first, second = preset.transfer_pairs[0] if preset.transfer_pairs else (None, None)
        names = [dataset or first, dataset2 or second]
        if None in names:
            raise BadInput(f"transfer stream needs two data sets; preset {preset.name!r} names no transfer pair")
        loaded = {n: _load(n, data_root, download) for n in dict.fromkeys(names)}
        if names[0] == names[1]:  # one data set: disjoint classes
            order = _order(2 * c, loaded[names[0]][0], g, "a transfer stream within one data set")
            orders = [order[:c], order[c:]]
        else:
            orders = [_order(c, loaded[n][0], g, "a transfer experience") for n in names]
        for i, (n, cls) in enumerate(zip(names, orders)):
            train, test, norm = loaded[n]
            exps.append(_experience(i, cls, train, test, preset, g, None, norm, seed))
    else:
        name = dataset or preset.dataset
        train, test, norm = _load(name, data_root, download)
        n_exp = preset.stream_shape(kind)[0]
        order = _order(n_exp * c, train, g, f"a {kind} stream of {n_exp}×{c}")
        noises = NOISY_SCHEDULE if kind == "noisy" else (None,) * n_exp
        for i in range(n_exp):
            exps.append(_experience(i, order[i * c : (i + 1) * c], train, test, preset, g, noises[i], norm, seed))
        names = [name] * n_exp
    meta = dict(
        kind=kind,
        datasets=list(dict.fromkeys(names)),
        preset=preset.name,
        seed=seed,
        class_order=[e.classes for e in exps],
        sources=names,
        noise=[e.noise for e in exps],
        train_per_class=preset.train_per_class,
        test_per_class=preset.test_per_class,
    )
    return Stream(exps, meta, exps[0].mean, exps[0].std, c)
