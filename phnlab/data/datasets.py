"""Image data sets as uint8 tensors: real on-disk loaders, the embedded synthetic domains, clear errors.

Every loader returns `ImageData` (images uint8 [N,3,size,size], labels int64 [N]); grey images get
three channels and everything is resized to `size` (32 by default, as in the paper). CIFAR, SVHN and
Fashion-MNIST are read by `torchvision.datasets` (`torchvision_sets`), GTSRB and TinyImageNet from their
image folders through a decoded cache (`folders`), all in the layouts torchvision's downloaders write,
without md5 checks, so the same code reads the real files and the tiny ones the tests write. Absent or
unreadable data raises DataMissing / DataCorrupt with one line: which data set, where it was
looked for, which files are expected and how to get them. Downloads happen only when asked.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ..errors import BadInput, DataCorrupt, DataMissing
from . import synthetic
from .fetch import TINY_URL, download_tiny, torchvision_download
from .folders import GTSRB_CLASSES, gtsrb_items, info_gtsrb, info_tiny, load_folder, tiny_items
from .system_copies import fetch_fashion
from .image_data import SPLITS, DatasetSpec, ImageData, resize_images
from .torchvision_sets import info_cifar, info_fashion, info_svhn, load_cifar, load_fashion, load_svhn

__all__ = [
    "ImageData",
    "DatasetSpec",
    "DATASETS",
    "load_dataset",
    "dataset_info",
    "download_dataset",
    "absent_datasets",
    "resolve_data_root",
    "SPLITS",
]


def resolve_data_root(data_root: str | os.PathLike | None = None) -> Path:
    """Explicit argument, else $PHNLAB_DATA, else $XDG_CACHE_HOME/phnlab/data (~/.cache/phnlab/data)."""
    if data_root is not None:
        return Path(data_root).expanduser()
    env = os.environ.get("PHNLAB_DATA")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "phnlab" / "data"


def _get_hint(name: str, place: str = "") -> str:
    return f"get it with `phnlab data get {name}` (downloads it){place}, or place those files there"


# ----------------------------------------------------------------------------- digits (sklearn)

DIGITS_SPLIT_SEED = 0
DIGITS_TEST_FRACTION = 0.2


def _digits_split():
    """sklearn's 1,797 8×8 digits, split per class (80/20) with a fixed seed."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = torch.from_numpy((d.images * (255.0 / 16.0)).round().astype(np.uint8))[:, None]  # [N,1,8,8]
    y = torch.from_numpy(d.target.astype(np.int64))
    g = torch.Generator().manual_seed(DIGITS_SPLIT_SEED)
    test = torch.zeros(len(y), dtype=torch.bool)
    for c in range(10):
        idx = torch.nonzero(y == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=g)]
        test[idx[: round(len(idx) * DIGITS_TEST_FRACTION)]] = True
    return x, y, test


def _load_digits(spec, root, split, size) -> ImageData:
    x, y, test = _digits_split()
    keep = test if split == "test" else ~test
    return ImageData(resize_images(x[keep], size), y[keep], [str(d) for d in range(10)], spec.name)


def _info_digits(spec, root) -> dict:
    _, _, test = _digits_split()
    return dict(present=True, path="(bundled with scikit-learn)", train_size=int((~test).sum()),
                test_size=int(test.sum()), num_classes=10)


# ----------------------------------------------------------------------------- synthetic domains


def _load_synthetic(spec, root, split, size) -> ImageData:
    data = synthetic.ensure_cached(spec.name, root)
    return ImageData(resize_images(data[f"{split}_x"], size), data[f"{split}_y"], list(data["class_names"]), spec.name)


def _info_synthetic(spec, root) -> dict:
    dom = synthetic.DOMAINS[spec.name]
    path = synthetic.cache_path(spec.name, root)
    return dict(
        present=path.is_file(),
        path=str(path),
        train_size=dom.num_classes * dom.train_per_class,
        test_size=dom.num_classes * dom.test_per_class,
        num_classes=dom.num_classes,
    )


def _generate_synthetic(spec, root) -> None:
    synthetic.ensure_cached(spec.name, root)


# ----------------------------------------------------------------------------- the registry


def _real(name, folder, expected, load, info, download, description, grey=False, place="", **extra) -> DatasetSpec:
    return DatasetSpec(name, folder, expected, _get_hint(name, place), load, info, download, description,
                       synthetic=False, grey=grey, extra=extra)


DATASETS: dict[str, DatasetSpec] = {
    "cifar10": _real(
        "cifar10", "cifar-10-batches-py", "data_batch_1..5, test_batch, batches.meta (torchvision's CIFAR10 layout)",
        load_cifar, info_cifar, torchvision_download("CIFAR10", [{"train": True}]),
        "CIFAR-10, 10 classes of 32×32 photos",
    ),
    "cifar100": _real(
        "cifar100", "cifar-100-python", "train, test, meta (torchvision's CIFAR100 layout)",
        load_cifar, info_cifar, torchvision_download("CIFAR100", [{"train": True}]),
        "CIFAR-100, 100 classes of 32×32 photos (the paper's split and noisy streams)",
    ),
    "svhn": _real(
        "svhn", "svhn", "train_32x32.mat, test_32x32.mat (torchvision's SVHN files)",
        load_svhn, info_svhn,
        torchvision_download("SVHN", [{"split": "train"}, {"split": "test"}], into_folder=True),
        "SVHN house-number digits, 10 classes, 32×32",
    ),
    "fashionmnist": _real(
        "fashionmnist", os.path.join("FashionMNIST", "raw"),
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or .gz)",
        load_fashion, info_fashion, fetch_fashion,  # data root, Debian's system copy, torchvision, apt-get
        "Fashion-MNIST, 10 classes, 28×28 grey → 32×32 RGB", grey=True,
    ),
    "gtsrb": _real(
        "gtsrb", "gtsrb",
        "GTSRB/Training/000NN/*.ppm, GTSRB/Final_Test/Images/*.ppm, GT-final_test.csv (torchvision's GTSRB layout)",
        load_folder(lambda s, r, split: (gtsrb_items(s, r, split), list(GTSRB_CLASSES))), info_gtsrb,
        torchvision_download("GTSRB", [{"split": "train"}, {"split": "test"}]),
        "German traffic signs, 43 classes, resized to 32×32",
    ),
    "tinyimagenet": _real(
        "tinyimagenet", "tiny-imagenet-200",
        "wnids.txt, words.txt, train/<wnid>/images/*.JPEG, val/val_annotations.txt, val/images/*.JPEG",
        load_folder(tiny_items), info_tiny, download_tiny,
        "Tiny ImageNet, 200 classes, 64×64 → 32×32 (size=64 keeps them); test = the official val split",
        place=f", or unzip {TINY_URL.rsplit('/', 1)[1]} from {TINY_URL.rsplit('/', 1)[0]}/ into the data root",
    ),
    "digits": DatasetSpec(
        "digits", "", "nothing (bundled with scikit-learn)", "it ships with scikit-learn",
        _load_digits, _info_digits, None, "scikit-learn's 8×8 handwritten digits, 10 classes, upscaled to 32×32",
        grey=True,
    ),
}
for _name, _dom in synthetic.DOMAINS.items():
    DATASETS[_name] = DatasetSpec(
        _name, "synthetic", f"{synthetic.cache_path(_name, '.').name} (generated on first use)",
        f"it is generated on first use (or with `phnlab data get {_name}`)",
        _load_synthetic, _info_synthetic, _generate_synthetic,
        f"procedural, {_dom.num_classes} classes; stands in for {_dom.stands_in_for}", synthetic=True,
    )


# ----------------------------------------------------------------------------- public functions


def _spec(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        raise BadInput(f"unknown data set {name!r}; allowed: {', '.join(DATASETS)}") from None


def load_dataset(
    name: str,
    split: str = "train",
    *,
    data_root: str | os.PathLike | None = None,
    download: bool = False,
    size: int = 32,
) -> ImageData:
    """One split of a data set as uint8 tensors (see the module docstring for errors)."""
    spec = _spec(name)
    if split not in SPLITS:
        raise BadInput(f"unknown split {split!r}; allowed: {', '.join(SPLITS)}")
    if not isinstance(size, int) or isinstance(size, bool) or not 8 <= size <= 256:
        raise BadInput(f"image size {size!r} is not allowed; allowed: an integer in 8..256 (32 as in the paper)")
    root = resolve_data_root(data_root)
    if download and not spec.synthetic and not _usable(spec, root):
        download_dataset(name, data_root=root)
    if spec.folder and not spec.synthetic and not spec.path(root).is_dir():
        raise spec.missing(root, "not found")
    return spec.load(spec, root, split, size)


def _usable(spec, root) -> bool:
    try:
        return bool(spec.info(spec, root).get("present"))
    except (DataCorrupt, DataMissing):
        return False


def dataset_info(name: str, data_root: str | os.PathLike | None = None) -> dict:
    """{name, present, path, train_size, test_size, num_classes} (+ error when present but unreadable).

    Counts come from headers / file listings where the format allows (idx, .mat, folders); CIFAR
    batches are unpickled. Sizes of absent data sets are None, except the synthetic domains whose
    sizes are known before they are generated.
    """
    spec = _spec(name)
    root = resolve_data_root(data_root)
    out = dict(name=name, present=False, path=str(spec.path(root)) if spec.folder else spec.expected,
               train_size=None, test_size=None, num_classes=None, description=spec.description)
    try:
        out.update(spec.info(spec, root))
    except (DataCorrupt, DataMissing) as e:
        out.update(present=isinstance(e, DataCorrupt), error=str(e))
    return out


def absent_datasets(names, data_root: str | os.PathLike | None = None) -> list[str]:
    """Those of `names` a run could not read now: real data sets not in the data root (the synthetic ones are
    generated on use, digits ships with scikit-learn)."""
    return [n for n in dict.fromkeys(names) if not (_spec(n).synthetic or _spec(n).download is None)
            and not _usable(_spec(n), resolve_data_root(data_root))]


def download_dataset(name: str, *, data_root: str | os.PathLike | None = None) -> dict:
    """Fetch a data set into the data root (synthetic: generate it); returns its dataset_info."""
    spec = _spec(name)
    root = resolve_data_root(data_root)
    if spec.download is not None and not _usable(spec, root):  # None: bundled (digits)
        spec.download(spec, root)
    return dataset_info(name, root)
