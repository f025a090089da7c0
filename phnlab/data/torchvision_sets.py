"""CIFAR-10/100, SVHN and Fashion-MNIST read by `torchvision.datasets`, behind phnlab's errors.

torchvision's classes read the layouts their downloaders write. Loading checks that the files are
there, not their md5 sums (torchvision's downloaders check those when they fetch, `phnlab data get`),
so the same code reads the real files and the tiny ones the tests write. A missing file is one
DataMissing line naming it; whatever torchvision cannot read is one DataCorrupt line.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch
import torchvision.datasets as tvd

from ..files import atomic_write
from .image_data import SPLITS, ImageData, resize_images

__all__ = ["CIFAR", "load_cifar", "info_cifar", "load_svhn", "info_svhn", "FASHION_CLASSES", "load_fashion",
           "info_fashion"]


# md5 None: torchvision's check_integrity then checks that the file exists
class _CIFAR10(tvd.CIFAR10):
    train_list = [[f, None] for f, _ in tvd.CIFAR10.train_list]
    test_list = [[f, None] for f, _ in tvd.CIFAR10.test_list]
    meta = {**tvd.CIFAR10.meta, "md5": None}


class _CIFAR100(tvd.CIFAR100):
    train_list = [[f, None] for f, _ in tvd.CIFAR100.train_list]
    test_list = [[f, None] for f, _ in tvd.CIFAR100.test_list]
    meta = {**tvd.CIFAR100.meta, "md5": None}


class _SVHN(tvd.SVHN):
    split_list = {k: [url, f, None] for k, (url, f, _) in tvd.SVHN.split_list.items()}


_FashionMNIST = tvd.FashionMNIST  # not subclassed: its folder is named after the class
CIFAR = {"cifar10": _CIFAR10, "cifar100": _CIFAR100}
FASHION_CLASSES = list(tvd.FashionMNIST.classes)


def _require(spec, root: Path, names) -> None:
    for name in names:
        if not (spec.path(root) / name).is_file():
            raise spec.missing(root, f"missing file {name}")


def _read(spec, root: Path, what: str, make):
    """torchvision's reader, its failures as one DataCorrupt line."""
    try:
        return make()
    except Exception as e:  # noqa: BLE001 - any reader failure (pickle, scipy's MatReadError, idx asserts)
        first = (str(e).strip().splitlines() or [""])[0][:160]
        raise spec.corrupt(root, f"{what}: torchvision.datasets cannot read it ({type(e).__name__}: {first})") from None


def _images(spec, root: Path, what: str, data: np.ndarray, labels: np.ndarray, shape: tuple, classes: int):
    """uint8 [N,C,H,W] and int64 [N] from torchvision's arrays, checked."""
    if data.ndim != 4 or data.shape[1:] != shape or data.shape[0] != labels.shape[0]:
        raise spec.corrupt(root, f"{what} holds images of shape {data.shape} for {labels.shape[0]} labels")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise spec.corrupt(root, f"{what} has labels outside 0..{classes - 1}")
    return torch.from_numpy(np.ascontiguousarray(data)), torch.from_numpy(labels.astype(np.int64))


def _cifar_files(cls, split: str) -> list[str]:
    return [f for f, _ in (cls.train_list if split == "train" else cls.test_list)] + [cls.meta["filename"]]


def load_cifar(spec, root, split, size) -> ImageData:
    cls = CIFAR[spec.name]
    files = _cifar_files(cls, split)
    _require(spec, root, files)
    what = f"the {split} split ({', '.join(files)})"
    ds = _read(spec, root, what, lambda: cls(str(root), train=split == "train"))
    images, labels = _images(spec, root, what, np.asarray(ds.data).transpose(0, 3, 1, 2),  # HWC → CHW
                             np.asarray(ds.targets), (3, 32, 32), len(ds.classes))
    return ImageData(resize_images(images, size), labels, [str(c) for c in ds.classes], spec.name)


def info_cifar(spec, root) -> dict:
    cls = CIFAR[spec.name]
    if not all((spec.path(root) / f).is_file() for s in SPLITS for f in _cifar_files(cls, s)):
        return dict(present=False)
    # pickled batches have no header: counting means reading them (about a second for CIFAR)
    n = {s: load_cifar(spec, root, s, 32) for s in SPLITS}
    return dict(present=True, train_size=len(n["train"]), test_size=len(n["test"]),
                num_classes=n["train"].num_classes)


def _svhn_file(split: str) -> str:
    return _SVHN.split_list[split][1]


def load_svhn(spec, root, split, size) -> ImageData:
    _require(spec, root, [_svhn_file(split)])
    what = _svhn_file(split)
    ds = _read(spec, root, what, lambda: _SVHN(str(spec.path(root)), split=split))  # maps digit 0's label 10 to 0
    images, labels = _images(spec, root, what, np.asarray(ds.data), np.asarray(ds.labels).reshape(-1),
                             (3, 32, 32), 10)
    return ImageData(resize_images(images, size), labels, [str(d) for d in range(10)], spec.name)


def info_svhn(spec, root) -> dict:
    import scipy.io as sio

    if not all((spec.path(root) / _svhn_file(s)).is_file() for s in SPLITS):
        return dict(present=False)
    n = {}
    for s in SPLITS:  # the headers only
        shapes = _read(spec, root, _svhn_file(s),
                       lambda: {k: shape for k, shape, _ in sio.whosmat(str(spec.path(root) / _svhn_file(s)))})
        if "X" not in shapes:
            raise spec.corrupt(root, f"{_svhn_file(s)} holds no X")
        n[s] = int(shapes["X"][-1])
    return dict(present=True, train_size=n["train"], test_size=n["test"], num_classes=10)


_IDX = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _fashion_raw(spec, root) -> None:
    """torchvision reads the raw idx files; a folder that holds only the .gz files gets them unpacked."""
    for name in (f for pair in _IDX.values() for f in pair):
        raw = spec.path(root) / name
        gz = raw.with_name(name + ".gz")
        if raw.is_file():
            continue
        if not gz.is_file():
            raise spec.missing(root, f"missing file {name}")
        try:
            blob = gzip.decompress(gz.read_bytes())
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            raise spec.corrupt(root, f"{gz.name} is unreadable ({type(e).__name__})") from None
        atomic_write(raw, lambda f: f.write(blob))


def _fashion_set(spec, root, split):
    _fashion_raw(spec, root)
    what = f"{' / '.join(_IDX[split])} (truncated, or not idx files?)"
    return _read(spec, root, what, lambda: _FashionMNIST(str(root), train=split == "train"))


def load_fashion(spec, root, split, size) -> ImageData:
    ds = _fashion_set(spec, root, split)
    images, labels = _images(spec, root, " / ".join(_IDX[split]), np.asarray(ds.data)[:, None],
                             np.asarray(ds.targets), (1, 28, 28), len(FASHION_CLASSES))
    return ImageData(resize_images(images, size), labels, list(FASHION_CLASSES), spec.name)


def info_fashion(spec, root) -> dict:
    if not all((spec.path(root) / f).is_file() or (spec.path(root) / f"{f}.gz").is_file()
               for pair in _IDX.values() for f in pair):
        return dict(present=False)
    n = {s: len(_fashion_set(spec, root, s).targets) for s in SPLITS}
    return dict(present=True, train_size=n["train"], test_size=n["test"], num_classes=len(FASHION_CLASSES))
