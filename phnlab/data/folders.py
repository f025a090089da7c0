"""Data sets stored as image files in folders (GTSRB, TinyImageNet), decoded once into a cache under
the data root and read from it while the files are unchanged.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import torch

from ..errors import DataCorrupt
from ..files import atomic_write
from .image_data import SPLITS, DatasetSpec, ImageData

__all__ = [
    "CACHE_DIR", "pil_to_tensor", "decode_files", "GTSRB_CLASSES", "gtsrb_items", "load_folder", "info_gtsrb",
    "tiny_classes", "tiny_items", "info_tiny"
]

CACHE_DIR = ".phnlab-cache"  # decoded tensors of image-folder data sets (GTSRB, TinyImageNet)


def pil_to_tensor(path: Path, size: int, spec: "DatasetSpec", root: Path) -> torch.Tensor:
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


def fingerprint(paths: list[Path]) -> str:
    """Cheap identity of a file set (names, sizes, mtimes): a decoded cache is valid while it holds."""
    h = hashlib.sha1()
    for p in paths:
        st = p.stat()
        h.update(f"{p}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def decode_files(spec, root: Path, split: str, size: int, items: list[tuple[Path, int]]) -> torch.Tensor:
    """Decode image files to uint8 [N,3,size,size], through a cache under the data root."""
    key = fingerprint([p for p, _ in items]) if items else "empty"
    cache = root / CACHE_DIR / f"{spec.name}-{split}-{size}.pt"
    if cache.is_file():
        try:
            blob = torch.load(cache, weights_only=True)
            if blob.get("key") == key and blob["images"].shape[0] == len(items):
                return blob["images"]
        except Exception:  # a damaged cache is rebuilt, never trusted
            pass
    images = torch.stack([pil_to_tensor(p, size, spec, root) for p, _ in items]) if items else torch.empty(
        0, 3, size, size, dtype=torch.uint8
    )
    try:
        atomic_write(cache, lambda f: torch.save({"key": key, "images": images}, f))
    except OSError:  # read-only data root: decode again next time
        pass
    return images


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


def gtsrb_items(spec, root, split) -> list[tuple[Path, int]]:
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


def load_folder(items_fn):
    def load(spec, root, split, size) -> ImageData:
        items, names = items_fn(spec, root, split)
        images = decode_files(spec, root, split, size, items)
        labels = torch.tensor([c for _, c in items], dtype=torch.int64)
        return ImageData(images, labels, names, spec.name)

    return load


def info_gtsrb(spec, root) -> dict:
    base = spec.path(root)
    if not ((base / "GTSRB" / "Training").is_dir() and (base / "GT-final_test.csv").is_file()):
        return dict(present=False)
    n = {s: len(gtsrb_items(spec, root, s)) for s in SPLITS}
    return dict(present=True, train_size=n["train"], test_size=n["test"], num_classes=len(GTSRB_CLASSES))


def tiny_classes(spec, root) -> tuple[list[str], list[str]]:
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


def tiny_items(spec, root, split) -> tuple[list[tuple[Path, int]], list[str]]:
    base = spec.path(root)
    wnids, names = tiny_classes(spec, root)
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


def info_tiny(spec, root) -> dict:
    base = spec.path(root)
    if not ((base / "wnids.txt").is_file() and (base / "val" / "val_annotations.txt").is_file()):
        return dict(present=False)
    wnids, _ = tiny_classes(spec, root)
    train = sum(len(list((base / "train" / w / "images").glob("*.JPEG"))) for w in wnids)
    test = sum(1 for line in (base / "val" / "val_annotations.txt").read_text().splitlines() if line.strip())
    return dict(present=True, train_size=train, test_size=test, num_classes=len(wnids))
