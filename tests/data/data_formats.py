"""Writers of tiny files in each real on-disk format (imported by the tests and conftest.py).

Every writer produces 32×32 images whose pixel at (row 1, col 2) of channel 0 encodes
(class, index), so tests can check pixels and labels after loading through the real code path.
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np

def marked_images(labels, channels=3, size=32, seed=0):
    """uint8 [N,C,size,size] random images with pixel (1,2) of channel 0 = 10*label + index % 10."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(len(labels), channels, size, size), dtype=np.uint8)
    for i, y in enumerate(labels):
        x[i, 0, 1, 2] = 10 * int(y) + i % 10
    return x


def write_cifar(root: Path, kind: str, n_classes: int, per_class_train=3, per_class_test=2) -> dict:
    """torchvision's cifar-10-batches-py / cifar-100-python layout with tiny batches."""
    folder = root / ("cifar-10-batches-py" if kind == "cifar10" else "cifar-100-python")
    folder.mkdir(parents=True, exist_ok=True)
    ytr = np.repeat(np.arange(n_classes), per_class_train)
    yte = np.repeat(np.arange(n_classes), per_class_test)
    xtr, xte = marked_images(ytr, seed=1), marked_images(yte, seed=2)
    names = [f"class{c}" for c in range(n_classes)]
    if kind == "cifar10":
        parts = np.array_split(np.arange(len(ytr)), 5)
        for b, idx in enumerate(parts, start=1):
            entry = {"batch_label": f"training batch {b}", "data": xtr[idx].reshape(len(idx), -1), "labels": ytr[idx].tolist()}
            (folder / f"data_batch_{b}").write_bytes(pickle.dumps(entry))
        (folder / "test_batch").write_bytes(pickle.dumps({"data": xte.reshape(len(yte), -1), "labels": yte.tolist()}))
        (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": names, "num_cases_per_batch": 10}))
    else:
        for split, x, y in (("train", xtr, ytr), ("test", xte, yte)):
            entry = {"data": x.reshape(len(y), -1), "fine_labels": y.tolist(), "coarse_labels": (y // 2).tolist()}
            (folder / split).write_bytes(pickle.dumps(entry))
        (folder / "meta").write_bytes(pickle.dumps({"fine_label_names": names, "coarse_label_names": names[::2]}))
    return dict(folder=folder, train=(xtr, ytr), test=(xte, yte), names=names)


def write_svhn(root: Path, n=12) -> dict:
    """svhn/{train,test}_32x32.mat as scipy.io.savemat writes them: X [32,32,3,N], y [N,1] with 10 for 0."""
    import scipy.io as sio

    folder = root / "svhn"
    folder.mkdir(parents=True, exist_ok=True)
    out = {"folder": folder}
    for split, seed in (("train", 3), ("test", 4)):
        digits = np.arange(n) % 10
        x = marked_images(digits, seed=seed)  # [N,3,H,W]
        y = np.where(digits == 0, 10, digits).astype(np.uint8)[:, None]
        sio.savemat(str(folder / f"{split}_32x32.mat"), {"X": x.transpose(2, 3, 1, 0), "y": y})
        out[split] = (x, digits)
    return out


def _idx_bytes(arr: np.ndarray) -> bytes:
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def write_fashion(root: Path, n_train=10, n_test=6, gz=False) -> dict:
    """FashionMNIST/raw/*-idx?-ubyte (or .gz): constant grey 28×28 images (value 20*label + 5)."""
    folder = root / "FashionMNIST" / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    out = {"folder": folder}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        y = (np.arange(n) % 10).astype(np.uint8)
        x = np.repeat((20 * y + 5).astype(np.uint8)[:, None, None], 28, 1).repeat(28, 2)
        for kind, arr in (("images-idx3", x), ("labels-idx1", y)):
            name = f"{prefix}-{kind}-ubyte"
            data = _idx_bytes(arr)
            if gz:
                (folder / (name + ".gz")).write_bytes(gzip.compress(data))
            else:
                (folder / name).write_bytes(data)
        out["train" if prefix == "train" else "test"] = (x, y)
    return out


def _save_image(x_chw: np.ndarray, path: Path, fmt: str) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(x_chw.transpose(1, 2, 0)).save(path, format=fmt)


def write_gtsrb(root: Path, classes=(0, 1, 14), per_class=2, n_test=4) -> dict:
    """gtsrb/GTSRB/Training/000NN/*.ppm and gtsrb/GTSRB/Final_Test/Images/*.ppm + gtsrb/GT-final_test.csv."""
    base = root / "gtsrb"
    ytr = np.repeat(np.array(classes), per_class)
    xtr = marked_images(ytr, seed=5)
    for i, (x, y) in enumerate(zip(xtr, ytr)):
        cdir = base / "GTSRB" / "Training" / f"{y:05d}"
        _save_image(x, cdir / f"00000_{i:05d}.ppm", "PPM")
        (cdir / f"GT-{y:05d}.csv").write_text("Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n")
    yte = np.array([classes[i % len(classes)] for i in range(n_test)])
    xte = marked_images(yte, seed=6)
    rows = ["Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId"]
    for i, (x, y) in enumerate(zip(xte, yte)):
        _save_image(x, base / "GTSRB" / "Final_Test" / "Images" / f"{i:05d}.ppm", "PPM")
        rows.append(f"{i:05d}.ppm;32;32;5;5;27;27;{y}")
    (base / "GT-final_test.csv").write_text("\n".join(rows) + "\n")
    # files are sorted by name per class folder: the expected training order is class-major
    return dict(folder=base, train=(xtr, ytr), test=(xte, yte))


TINY_WNIDS = ("n01443537", "n01629819", "n01641577")
TINY_WORDS = {"n01443537": "goldfish, Carassius auratus", "n01629819": "European fire salamander, Salamandra salamandra",
              "n01641577": "bullfrog, Rana catesbeiana", "n00001740": "entity"}


def write_tiny(root: Path, per_class=2, n_val=3, size=64) -> dict:
    """tiny-imagenet-200/{wnids.txt, words.txt, train/<wnid>/images/*.JPEG, val/...}: solid colours."""
    base = root / "tiny-imagenet-200"
    base.mkdir(parents=True, exist_ok=True)
    (base / "wnids.txt").write_text("\n".join(reversed(TINY_WNIDS)) + "\n")  # not sorted on disk
    (base / "words.txt").write_text("".join(f"{k}\t{v}\n" for k, v in TINY_WORDS.items()))
    colours = {w: (40 + 80 * i, 200 - 60 * i, 30 + 50 * i) for i, w in enumerate(TINY_WNIDS)}
    for w in TINY_WNIDS:
        for i in range(per_class):
            x = np.empty((3, size, size), np.uint8)
            x[:] = np.array(colours[w], np.uint8)[:, None, None]
            _save_image(x, base / "train" / w / "images" / f"{w}_{i}.JPEG", "JPEG")
        (base / "train" / w / f"{w}_boxes.txt").write_text("")
    lines = []
    for i in range(n_val):
        w = TINY_WNIDS[(i + 1) % len(TINY_WNIDS)]
        x = np.empty((3, size, size), np.uint8)
        x[:] = np.array(colours[w], np.uint8)[:, None, None]
        _save_image(x, base / "val" / "images" / f"val_{i}.JPEG", "JPEG")
        lines.append(f"val_{i}.JPEG\t{w}\t0\t0\t63\t63")
    (base / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    return dict(folder=base, colours=colours, val_wnids=[l.split("\t")[1] for l in lines])
