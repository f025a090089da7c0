"""Fashion-MNIST without a manual step: the routes `phnlab data get fashionmnist` takes, in order.

1. a copy already in the data root (checked before any route, by `download_dataset`);
2. the system copy of Debian/Ubuntu's package `dataset-fashion-mnist` (`/usr/share/datasets/fashion-mnist`,
   read-only for users), unpacked into the data root, never beside it;
3. torchvision's download;
4. as root where `apt-get` exists, installing that package, then route 2.

Each route either leaves a whole, readable copy in the data root or nothing (`fetch.atomic_fetch`).
A damaged source file is one DataCorrupt line that names it; when every route fails, one DataMissing line
says what each one found and the command that gets the data.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import DataCorrupt, DataMissing
from .fetch import atomic_fetch, torchvision_download

__all__ = ["DEBIAN_PACKAGE", "FASHION_FILES", "system_datasets_dir", "fetch_fashion", "from_system_copy"]

DEBIAN_PACKAGE = "dataset-fashion-mnist"
FASHION_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte")
_IDX_MAGIC = {"images": 2051, "labels": 2049}  # idx3 (uint8 images) and idx1 (uint8 labels)


def system_datasets_dir() -> Path:
    """Where Debian's data set packages put their files ($PHNLAB_SYSTEM_DATASETS overrides, for tests)."""
    return Path(os.environ.get("PHNLAB_SYSTEM_DATASETS", "/usr/share/datasets"))


def _system_copy() -> Path:
    return system_datasets_dir() / "fashion-mnist"


def _unpack(gz: Path, out: Path) -> None:
    """gz → out, checked whole: the gzip CRC, and the length the idx header announces."""
    try:
        blob = gzip.decompress(gz.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise DataCorrupt(f"data set 'fashionmnist': {gz} is truncated or not gzip ({type(e).__name__}); "
                          f"nothing was unpacked; reinstall it (apt-get install --reinstall {DEBIAN_PACKAGE})") from None
    magic = _IDX_MAGIC["images" if "images" in out.name else "labels"]
    dims = 3 if magic == 2051 else 1
    head = [int.from_bytes(blob[i:i + 4], "big") for i in range(0, 4 * (1 + dims), 4)] if len(blob) >= 4 * (1 + dims) else []
    size = 4 * (1 + dims) + (head[1] * (head[2] * head[3] if dims == 3 else 1) if head else 0)
    if not head or head[0] != magic or len(blob) != size:
        raise DataCorrupt(f"data set 'fashionmnist': {gz} is not a whole idx file ({len(blob):,} bytes unpacked, "
                          f"its header says {size:,}); nothing was unpacked")
    out.write_bytes(blob)


def from_system_copy(spec, root: Path) -> None:
    """Route 2: unpack the package's four files into root/FashionMNIST/raw in one rename."""
    src = _system_copy()
    missing = [f"{name}.gz" for name in FASHION_FILES if not (src / f"{name}.gz").is_file()]
    if missing:
        raise DataMissing(f"no system copy at {src} ({', '.join(missing)} missing)")

    def fetch(tmp: Path) -> None:
        raw = tmp / "FashionMNIST" / "raw"
        raw.mkdir(parents=True)
        for name in FASHION_FILES:
            _unpack(src / f"{name}.gz", raw / name)

    atomic_fetch(spec, root, fetch, folder="FashionMNIST")


def _install_package() -> None:
    """Route 4: as root, `apt-get install` the package (after `apt-get update` if the first try fails)."""
    if os.environ.get("PHNLAB_NO_APT") == "1":
        raise DataMissing("installing packages is switched off (PHNLAB_NO_APT=1)")
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise DataMissing(f"cannot install {DEBIAN_PACKAGE}: needs apt-get as root")
    print(f"phnlab: installing Debian's {DEBIAN_PACKAGE} (apt-get, 31 MB) ...", file=sys.stderr, flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", DEBIAN_PACKAGE]
    for cmds in ([install], [["apt-get", "update", "-q"], install]):
        if all(subprocess.run(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
               for c in cmds):
            return
    raise DataMissing(f"apt-get install {DEBIAN_PACKAGE} failed")


def fetch_fashion(spec, root: Path) -> None:
    """Routes 2-4 in order; the first that works leaves the data in root."""
    tried = []
    for name, route in (("system copy", lambda: from_system_copy(spec, root)),
                        ("torchvision download", lambda: _download(spec, root)),
                        (f"apt-get install {DEBIAN_PACKAGE}", lambda: (_install_package(), from_system_copy(spec, root)))):
        try:
            route()
            return
        except DataMissing as e:
            tried.append(f"{name}: {str(e).split(';')[0]}")
    raise DataMissing(f"data set 'fashionmnist' is not in {spec.path(root)} and no route got it ({'; '.join(tried)}); "
                      f"as root: apt-get install {DEBIAN_PACKAGE}, then `phnlab data get fashionmnist`")


_download = torchvision_download("FashionMNIST", [{"train": True}], move="FashionMNIST")  # writes FashionMNIST/raw
