"""Data sets stored as arrays: CIFAR's pickled batches, SVHN's .mat files, Fashion-MNIST's idx files.

Read in torchvision's on-disk layouts without its md5 checks, so that the same code reads the real files
and the tiny ones the tests write; anything unreadable is one DataCorrupt line.
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import torch

from .image_data import SPLITS, ImageData, resize_images

__all__ = [
    "CIFAR_FILES", "load_cifar", "info_cifar", "load_svhn", "info_svhn", "FASHION_CLASSES", "load_idx", "info_idx"
]

CIFAR_FILES = {
    "cifar10": dict(
        train=[f"data_batch_{i}" for i in range(1, 6)],
        test=["test_batch"],
        meta="batches.meta",
        names_key="label_names",
        labels_key="labels",
    ),
    "cifar100": dict(
        train=["train"],
        test=["test"],
        meta="meta",
        names_key="fine_label_names",
        labels_key="fine_labels",
    ),
}


def _unpickle(spec, root: Path, path: Path) -> dict:
    if not path.is_file():
        raise spec.missing(root, f"missing file {path.name}")
    try:
        with open(path, "rb") as f:
            return pickle.load(f, encoding="latin1")
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError) as e:
        raise spec.corrupt(root, f"{path.name} is not a readable CIFAR batch ({type(e).__name__})") from None


def _cifar_names(spec, root: Path) -> list[str]:
    meta = _unpickle(spec, root, spec.path(root) / spec.extra["meta"])
    names = meta.get(spec.extra["names_key"]) if isinstance(meta, dict) else None
    if not isinstance(names, list):
        raise spec.corrupt(root, f"{spec.extra['meta']} has no {spec.extra['names_key']!r}")
    return [str(n) for n in names]


def _cifar_batch(spec, root: Path, fname: str) -> tuple[np.ndarray, np.ndarray]:
    entry = _unpickle(spec, root, spec.path(root) / fname)
    try:
        data = np.asarray(entry["data"], dtype=np.uint8)
        labels = np.asarray(entry[spec.extra["labels_key"]], dtype=np.int64)
    except (KeyError, TypeError, ValueError) as e:
        raise spec.corrupt(root, f"{fname} lacks 'data' / {spec.extra['labels_key']!r} ({e})") from None
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or data.shape[0] != labels.shape[0]:
        raise spec.corrupt(root, f"{fname} holds data of shape {data.shape} for {labels.shape[0]} labels")
    return data, labels


def load_cifar(spec, root, split, size) -> ImageData:
    names = _cifar_names(spec, root)
    parts = [_cifar_batch(spec, root, f) for f in spec.extra[split]]
    data = np.concatenate([p[0] for p in parts]).reshape(-1, 3, 32, 32)
    labels = np.concatenate([p[1] for p in parts])
    if labels.size and (labels.min() < 0 or labels.max() >= len(names)):
        raise spec.corrupt(root, f"labels outside 0..{len(names) - 1}")
    return ImageData(resize_images(torch.from_numpy(data), size), torch.from_numpy(labels), names, spec.name)


def info_cifar(spec, root) -> dict:
    files = spec.extra["train"] + spec.extra["test"] + [spec.extra["meta"]]
    if not all((spec.path(root) / f).is_file() for f in files):
        return dict(present=False)
    # pickled batches have no header: counting means unpickling (about a second for CIFAR)
    n = {s: sum(_cifar_batch(spec, root, f)[1].shape[0] for f in spec.extra[s]) for s in SPLITS}
    return dict(present=True, train_size=n["train"], test_size=n["test"], num_classes=len(_cifar_names(spec, root)))


def _svhn_file(spec, root, split) -> Path:
    return spec.path(root) / f"{split}_32x32.mat"


def load_svhn(spec, root, split, size) -> ImageData:
    import scipy.io as sio

    path = _svhn_file(spec, root, split)
    if not path.is_file():
        raise spec.missing(root, f"missing file {path.name}")
    try:
        mat = sio.loadmat(str(path))
        x = np.asarray(mat["X"], dtype=np.uint8)  # [32,32,3,N]
        y = np.asarray(mat["y"], dtype=np.int64).reshape(-1)  # digit 0 is stored as 10
    except (ValueError, TypeError, OSError, KeyError, EOFError, NotImplementedError) as e:
        raise spec.corrupt(root, f"{path.name} is not a readable SVHN .mat ({type(e).__name__})") from None
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.shape[3] != y.shape[0]:
        raise spec.corrupt(root, f"{path.name} holds X of shape {x.shape} for {y.shape[0]} labels")
    y = np.where(y == 10, 0, y)
    if y.size and (y.min() < 0 or y.max() > 9):
        raise spec.corrupt(root, f"{path.name} has labels outside 1..10")
    images = torch.from_numpy(np.ascontiguousarray(x.transpose(3, 2, 0, 1)))  # as torchvision: [N,3,H,W]
    return ImageData(resize_images(images, size), torch.from_numpy(y), [str(d) for d in range(10)], spec.name)


def info_svhn(spec, root) -> dict:
    import scipy.io as sio

    if not all(_svhn_file(spec, root, s).is_file() for s in SPLITS):
        return dict(present=False)
    n = {}
    for s in SPLITS:
        try:  # reads the headers only
            shapes = {k: shape for k, shape, _ in sio.whosmat(str(_svhn_file(spec, root, s)))}
            n[s] = int(shapes["X"][-1])
        except Exception as e:
            raise spec.corrupt(root, f"{s}_32x32.mat is unreadable ({type(e).__name__})") from None
    return dict(present=True, train_size=n["train"], test_size=n["test"], num_classes=10)


_IDX = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FASHION_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]


def _idx_path(spec, root, fname) -> Path | None:
    """torchvision keeps the raw file (and the .gz it came in): accept either."""
    raw = spec.path(root) / fname
    if raw.is_file():
        return raw
    gz = raw.with_name(fname + ".gz")
    return gz if gz.is_file() else None


def _read_idx(spec, root, fname, *, header_only=False) -> tuple[tuple[int, ...], np.ndarray | None]:
    path = _idx_path(spec, root, fname)
    if path is None:
        raise spec.missing(root, f"missing file {fname}")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] != 8 or not 1 <= head[3] <= 3:
                raise spec.corrupt(root, f"{path.name} is not an uint8 idx file (magic {head.hex() or 'empty'})")
            nd = head[3]
            dims_raw = f.read(4 * nd)
            if len(dims_raw) < 4 * nd:
                raise spec.corrupt(root, f"{path.name} is truncated (header)")
            dims = tuple(int.from_bytes(dims_raw[4 * i : 4 * i + 4], "big") for i in range(nd))
            if header_only:
                return dims, None
            body = f.read()
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise spec.corrupt(root, f"{path.name} is unreadable ({type(e).__name__})") from None
    expected = int(np.prod(dims))
    if len(body) != expected:
        raise spec.corrupt(root, f"{path.name} holds {len(body)} data bytes, its header says {expected} (truncated?)")
    return dims, np.frombuffer(body, dtype=np.uint8).reshape(dims)


def load_idx(spec, root, split, size) -> ImageData:
    img_f, lab_f = _IDX[split]
    dims, x = _read_idx(spec, root, img_f)
    ldims, y = _read_idx(spec, root, lab_f)
    if len(dims) != 3 or len(ldims) != 1 or dims[0] != ldims[0]:
        raise spec.corrupt(root, f"{img_f} {dims} and {lab_f} {ldims} do not match")
    y = y.astype(np.int64)
    if y.size and y.max() >= len(FASHION_CLASSES):
        raise spec.corrupt(root, f"{lab_f} has labels outside 0..9")
    images = torch.from_numpy(x.copy())[:, None]  # [N,1,28,28]
    return ImageData(resize_images(images, size), torch.from_numpy(y), list(FASHION_CLASSES), spec.name)


def info_idx(spec, root) -> dict:
    if not all(_idx_path(spec, root, f) for pair in _IDX.values() for f in pair):
        return dict(present=False)
    n = {s: _read_idx(spec, root, _IDX[s][1], header_only=True)[0][0] for s in SPLITS}
    return dict(present=True, train_size=n["train"], test_size=n["test"], num_classes=10)
