"""Image data sets as uint8 tensors: real on-disk loaders, the embedded synthetic domains, clear errors.

Every loader returns `ImageData` (images uint8 [N,3,size,size], labels int64 [N]); grey images get
three channels and everything is resized to `size` (32 by default, as in the paper). Real data is
read in torchvision's on-disk layouts (the files torchvision's downloaders write), without their
md5 checks, so the same code reads the real files and the tiny ones the tests write. Absent or
unreadable data raises DataMissing / DataCorrupt with one line: which data set, where it was
looked for, which files are expected and how to get them. Downloads happen only when asked.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import BadInput, DataCorrupt, DataMissing
from ..files import atomic_write
from . import synthetic

__all__ = [
    "ImageData",
    "DatasetSpec",
    "DATASETS",
    "load_dataset",
    "dataset_info",
    "download_dataset",
    "resolve_data_root",
    "SPLITS",
]

SPLITS = ("train", "test")
CACHE_DIR = ".phnlab-cache"  # decoded tensors of image-folder data sets (GTSRB, TinyImageNet)


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


# ----------------------------------------------------------------------------- data root


def resolve_data_root(data_root: str | os.PathLike | None = None) -> Path:
    """Explicit argument, else $PHNLAB_DATA, else $XDG_CACHE_HOME/phnlab/data (~/.cache/phnlab/data)."""
    if data_root is not None:
        return Path(data_root).expanduser()
    env = os.environ.get("PHNLAB_DATA")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "phnlab" / "data"


# ----------------------------------------------------------------------------- tensor helpers


def _resize(x: torch.Tensor, size: int) -> torch.Tensor:
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


def _pil_to_tensor(path: Path, size: int, spec: "DatasetSpec", root: Path) -> torch.Tensor:
    """One image file → uint8 [3,size,size] (RGB, bilinear resize)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
            if im.size != (size, size):
                im = im.resize((size, size), Image.BILINEAR)
            arr = np.asarray(im, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise DataCorrupt(spec.problem(root, f"unreadable image {path} ({type(e).__name__})")) from None
    return torch.from_numpy(arr.copy()).permute(2, 0, 1)


def _fingerprint(paths: list[Path]) -> str:
    """Cheap identity of a file set (names, sizes, mtimes): a decoded cache is valid while it holds."""
    h = hashlib.sha1()
    for p in paths:
        st = p.stat()
        h.update(f"{p}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _decode_files(spec, root: Path, split: str, size: int, items: list[tuple[Path, int]]) -> torch.Tensor:
    """Decode image files to uint8 [N,3,size,size], through a cache under the data root."""
    key = _fingerprint([p for p, _ in items]) if items else "empty"
    cache = root / CACHE_DIR / f"{spec.name}-{split}-{size}.pt"
    if cache.is_file():
        try:
            blob = torch.load(cache, weights_only=True)
            if blob.get("key") == key and blob["images"].shape[0] == len(items):
                return blob["images"]
        except Exception:  # a damaged cache is rebuilt, never trusted
            pass
    images = torch.stack([_pil_to_tensor(p, size, spec, root) for p, _ in items]) if items else torch.empty(
        0, 3, size, size, dtype=torch.uint8
    )
    try:
        atomic_write(cache, lambda f: torch.save({"key": key, "images": images}, f))
    except OSError:  # read-only data root: decode again next time
        pass
    return images


# ----------------------------------------------------------------------------- registry


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


def _get_hint(name: str, place: str = "") -> str:
    return f"get it with `phnlab data get {name}` (downloads it){place}, or place those files there"


# ----------------------------------------------------------------------------- CIFAR-10 / CIFAR-100

_CIFAR = {
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


def _load_cifar(spec, root, split, size) -> ImageData:
    names = _cifar_names(spec, root)
    parts = [_cifar_batch(spec, root, f) for f in spec.extra[split]]
    data = np.concatenate([p[0] for p in parts]).reshape(-1, 3, 32, 32)
    labels = np.concatenate([p[1] for p in parts])
    if labels.size and (labels.min() < 0 or labels.max() >= len(names)):
        raise spec.corrupt(root, f"labels outside 0..{len(names) - 1}")
    return ImageData(_resize(torch.from_numpy(data), size), torch.from_numpy(labels), names, spec.name)


def _info_cifar(spec, root) -> dict:
    files = spec.extra["train"] + spec.extra["test"] + [spec.extra["meta"]]
    if not all((spec.path(root) / f).is_file() for f in files):
        return dict(present=False)
    # pickled batches have no header: counting means unpickling (about a second for CIFAR)
    n = {s: sum(_cifar_batch(spec, root, f)[1].shape[0] for f in spec.extra[s]) for s in SPLITS}
    return dict(present=True, train_size=n["train"], test_size=n["test"], num_classes=len(_cifar_names(spec, root)))


def _torchvision_download(cls_name: str, calls: list[dict], *, into_folder: bool = False, move: str | None = None):
    """A downloader: torchvision's `cls_name(dir, download=True, **kw)` for each kw of `calls`, run in
    a temp dir (`into_folder`: in its <folder>, for classes that write into the root they are given),
    then moved in place (the folder `move`, default the data set's)."""

    def download(spec, root: Path) -> None:
        import torchvision.datasets as tvd

        def fetch(tmp: Path) -> None:
            for kw in calls:
                getattr(tvd, cls_name)(str(tmp / spec.folder if into_folder else tmp), download=True, **kw)

        _atomic_fetch(spec, root, fetch, folder=move)

    return download


def _atomic_fetch(spec, root: Path, fetch: Callable[[Path], None], folder: str | None = None) -> None:
    """Run `fetch(tmpdir)` (a temp dir inside the data root), then move tmpdir/<folder> to
    root/<folder> with one rename; on any failure the temp dir goes and nothing else changes."""
    folder = folder or spec.folder
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".download-{spec.name}-", dir=root))
    try:
        try:
            fetch(tmp)
        except BadInput:
            raise
        except Exception as e:  # network errors, checksum mismatches, bad archives
            first_line = (str(e).splitlines() or [""])[0]
            raise DataMissing(
                f"data set {spec.name!r}: download failed ({type(e).__name__}: {first_line}); "
                f"nothing was written to {spec.path(root)}; place {spec.expected} there by hand"
            ) from None
        src, dst = tmp / folder, root / folder
        if not src.exists():
            raise DataCorrupt(f"data set {spec.name!r}: the download did not contain {folder}/; nothing was written")
        for f in list(src.rglob("*")):  # archives torchvision leaves next to what it extracted
            if f.is_file() and f.name.endswith((".zip", ".tar.gz", ".tgz")):
                f.unlink()
        if dst.exists():  # an incomplete or damaged copy: replaced as a whole
            os.replace(dst, tmp / ".old")
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------------------- SVHN


def _svhn_file(spec, root, split) -> Path:
    return spec.path(root) / f"{split}_32x32.mat"


def _load_svhn(spec, root, split, size) -> ImageData:
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
    return ImageData(_resize(images, size), torch.from_numpy(y), [str(d) for d in range(10)], spec.name)


def _info_svhn(spec, root) -> dict:
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


# ----------------------------------------------------------------------------- FashionMNIST (idx)

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


def _load_idx(spec, root, split, size) -> ImageData:
    img_f, lab_f = _IDX[split]
    dims, x = _read_idx(spec, root, img_f)
    ldims, y = _read_idx(spec, root, lab_f)
    if len(dims) != 3 or len(ldims) != 1 or dims[0] != ldims[0]:
        raise spec.corrupt(root, f"{img_f} {dims} and {lab_f} {ldims} do not match")
    y = y.astype(np.int64)
    if y.size and y.max() >= len(FASHION_CLASSES):
        raise spec.corrupt(root, f"{lab_f} has labels outside 0..9")
    images = torch.from_numpy(x.copy())[:, None]  # [N,1,28,28]
    return ImageData(_resize(images, size), torch.from_numpy(y), list(FASHION_CLASSES), spec.name)


def _info_idx(spec, root) -> dict:
    if not all(_idx_path(spec, root, f) for pair in _IDX.values() for f in pair):
        return dict(present=False)
    n = {s: _read_idx(spec, root, _IDX[s][1], header_only=True)[0][0] for s in SPLITS}
    return dict(present=True, train_size=n["train"], test_size=n["test"], num_classes=10)


# ----------------------------------------------------------------------------- GTSRB

GTSRB_CLASSES = [
    "speed limit 20", "speed limit 30", "speed limit 50", "speed limit 60", "speed limit 70",
    "speed limit 80", "end of speed limit 80", "speed limit 100", "speed limit 120", "no passing",
    "no passing for vehicles over 3.5 t", "right-of-way at next intersection", "priority road", "yield",
    "stop", "no vehicles", "vehicles over 3.5 t prohibited", "no entry", "general caution",
    "dangerous curve left", "dangerous curve right", "double curve", "bumpy road", "slippery road",
    "road narrows on the right", "road work", "traffic signals", "pedestrians", "children crossing",
    "bicycles crossing", "beware of ice/snow", "wild animals crossing", "end of all limits",
    "turn right ahead", "turn left ahead", "ahead only", "go straight or right", "go straight or left",
    "keep right", "keep left", "roundabout mandatory", "end of no passing",
    "end of no passing by vehicles over 3.5 t",
]  # fmt: skip


def _gtsrb_items(spec, root, split) -> list[tuple[Path, int]]:
    base = spec.path(root)
    if split == "train":
        train = base / "GTSRB" / "Training"
        if not train.is_dir():
            raise spec.missing(root, "missing folder GTSRB/Training")
        items = []
        for d in sorted(p for p in train.iterdir() if p.is_dir()):
            if not d.name.isdigit() or int(d.name) >= len(GTSRB_CLASSES):
                raise spec.corrupt(root, f"unexpected class folder GTSRB/Training/{d.name} (want 00000..00042)")
            items += [(f, int(d.name)) for f in sorted(d.glob("*.ppm"))]
        if not items:
            raise spec.corrupt(root, "no .ppm images under GTSRB/Training/<class>/")
        return items
    images, gt = base / "GTSRB" / "Final_Test" / "Images", base / "GT-final_test.csv"
    if not images.is_dir() or not gt.is_file():
        raise spec.missing(root, "missing GTSRB/Final_Test/Images or GT-final_test.csv")
    try:
        with open(gt, newline="") as f:
            rows = list(csv.DictReader(f, delimiter=";", skipinitialspace=True))
        items = [(images / r["Filename"], int(r["ClassId"])) for r in rows]
    except (KeyError, ValueError, TypeError, csv.Error) as e:
        raise spec.corrupt(root, f"GT-final_test.csv lacks Filename/ClassId columns ({type(e).__name__})") from None
    bad = [p.name for p, c in items if not p.is_file() or not 0 <= c < len(GTSRB_CLASSES)]
    if bad:
        raise spec.corrupt(root, f"GT-final_test.csv names {len(bad)} absent image(s) or bad class ids, e.g. {bad[0]}")
    return items


def _load_folder(items_fn):
    def load(spec, root, split, size) -> ImageData:
        items, names = items_fn(spec, root, split)
        images = _decode_files(spec, root, split, size, items)
        labels = torch.tensor([c for _, c in items], dtype=torch.int64)
        return ImageData(images, labels, names, spec.name)

    return load


def _info_gtsrb(spec, root) -> dict:
    base = spec.path(root)
    if not ((base / "GTSRB" / "Training").is_dir() and (base / "GT-final_test.csv").is_file()):
        return dict(present=False)
    n = {s: len(_gtsrb_items(spec, root, s)) for s in SPLITS}
    return dict(present=True, train_size=n["train"], test_size=n["test"], num_classes=len(GTSRB_CLASSES))


# ----------------------------------------------------------------------------- TinyImageNet

TINY_URL = "http://cs231n.stanford.edu/tiny-imagenet-200.zip"
TINY_MD5 = "90528d7ca1a48142e341f4ef8d21d0de"


def _tiny_classes(spec, root) -> tuple[list[str], list[str]]:
    """(wnids sorted, readable names from words.txt)."""
    base = spec.path(root)
    if not (base / "wnids.txt").is_file():
        raise spec.missing(root, "missing wnids.txt")
    wnids = sorted(w.strip() for w in (base / "wnids.txt").read_text().split() if w.strip())
    if not wnids:
        raise spec.corrupt(root, "wnids.txt is empty")
    words = {}
    if (base / "words.txt").is_file():
        for line in (base / "words.txt").read_text(errors="replace").splitlines():
            wnid, _, text = line.partition("\t")
            words[wnid.strip()] = text.split(",")[0].strip()
    return wnids, [words.get(w) or w for w in wnids]


def _tiny_items(spec, root, split) -> tuple[list[tuple[Path, int]], list[str]]:
    base = spec.path(root)
    wnids, names = _tiny_classes(spec, root)
    index = {w: i for i, w in enumerate(wnids)}
    if split == "train":
        items = []
        for w in wnids:
            d = base / "train" / w / "images"
            if not d.is_dir():
                raise spec.corrupt(root, f"missing folder train/{w}/images (wrong layout?)")
            items += [(f, index[w]) for f in sorted(d.glob("*.JPEG"))]
        return items, names
    ann = base / "val" / "val_annotations.txt"
    if not ann.is_file():
        raise spec.missing(root, "missing val/val_annotations.txt")
    items = []
    for line in ann.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or parts[1] not in index:
            raise spec.corrupt(root, f"val_annotations.txt line {line[:60]!r} names no class of wnids.txt")
        f = base / "val" / "images" / parts[0]
        if not f.is_file():
            raise spec.corrupt(root, f"val/images/{parts[0]} listed in val_annotations.txt is absent")
        items.append((f, index[parts[1]]))
    return items, names


def _info_tiny(spec, root) -> dict:
    base = spec.path(root)
    if not ((base / "wnids.txt").is_file() and (base / "val" / "val_annotations.txt").is_file()):
        return dict(present=False)
    wnids, _ = _tiny_classes(spec, root)
    train = sum(len(list((base / "train" / w / "images").glob("*.JPEG"))) for w in wnids)
    test = sum(1 for line in (base / "val" / "val_annotations.txt").read_text().splitlines() if line.strip())
    return dict(present=True, train_size=train, test_size=test, num_classes=len(wnids))


def _download_tiny(spec, root) -> None:
    from torchvision.datasets.utils import download_url, extract_archive

    def fetch(tmp: Path) -> None:
        download_url(TINY_URL, str(tmp), "tiny-imagenet-200.zip", TINY_MD5)
        extract_archive(str(tmp / "tiny-imagenet-200.zip"), str(tmp))

    _atomic_fetch(spec, root, fetch)


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
    return ImageData(_resize(x[keep], size), y[keep], [str(d) for d in range(10)], spec.name)


def _info_digits(spec, root) -> dict:
    _, _, test = _digits_split()
    return dict(present=True, path="(bundled with scikit-learn)", train_size=int((~test).sum()),
                test_size=int(test.sum()), num_classes=10)


# ----------------------------------------------------------------------------- synthetic domains


def _load_synthetic(spec, root, split, size) -> ImageData:
    data = synthetic.ensure_cached(spec.name, root)
    return ImageData(_resize(data[f"{split}_x"], size), data[f"{split}_y"], list(data["class_names"]), spec.name)


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
        _load_cifar, _info_cifar, _torchvision_download("CIFAR10", [{"train": True}]),
        "CIFAR-10, 10 classes of 32×32 photos", **_CIFAR["cifar10"],
    ),
    "cifar100": _real(
        "cifar100", "cifar-100-python", "train, test, meta (torchvision's CIFAR100 layout)",
        _load_cifar, _info_cifar, _torchvision_download("CIFAR100", [{"train": True}]),
        "CIFAR-100, 100 classes of 32×32 photos (the paper's split and noisy streams)", **_CIFAR["cifar100"],
    ),
    "svhn": _real(
        "svhn", "svhn", "train_32x32.mat, test_32x32.mat (torchvision's SVHN files)",
        _load_svhn, _info_svhn,
        _torchvision_download("SVHN", [{"split": "train"}, {"split": "test"}], into_folder=True),
        "SVHN house-number digits, 10 classes, 32×32",
    ),
    "fashionmnist": _real(
        "fashionmnist", os.path.join("FashionMNIST", "raw"),
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or .gz)",
        _load_idx, _info_idx,
        _torchvision_download("FashionMNIST", [{"train": True}], move="FashionMNIST"),  # writes FashionMNIST/raw
        "Fashion-MNIST, 10 classes, 28×28 grey → 32×32 RGB", grey=True,
    ),
    "gtsrb": _real(
        "gtsrb", "gtsrb",
        "GTSRB/Training/000NN/*.ppm, GTSRB/Final_Test/Images/*.ppm, GT-final_test.csv (torchvision's GTSRB layout)",
        _load_folder(lambda s, r, split: (_gtsrb_items(s, r, split), list(GTSRB_CLASSES))), _info_gtsrb,
        _torchvision_download("GTSRB", [{"split": "train"}, {"split": "test"}]),
        "German traffic signs, 43 classes, resized to 32×32",
    ),
    "tinyimagenet": _real(
        "tinyimagenet", "tiny-imagenet-200",
        "wnids.txt, words.txt, train/<wnid>/images/*.JPEG, val/val_annotations.txt, val/images/*.JPEG",
        _load_folder(_tiny_items), _info_tiny, _download_tiny,
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


def download_dataset(name: str, *, data_root: str | os.PathLike | None = None) -> dict:
    """Fetch a data set into the data root (synthetic: generate it); returns its dataset_info."""
    spec = _spec(name)
    root = resolve_data_root(data_root)
    if spec.download is not None and not _usable(spec, root):  # None: bundled (digits)
        spec.download(spec, root)
    return dataset_info(name, root)
