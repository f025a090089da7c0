"""Downloads, only when asked: into a temp folder inside the data root, then moved in place in one
rename, so a failed download leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from ..errors import BadInput, DataCorrupt, DataMissing

__all__ = [
    "TINY_URL", "torchvision_download", "atomic_fetch", "download_tiny"
]

TINY_URL = "http://cs231n.stanford.edu/tiny-imagenet-200.zip"
TINY_MD5 = "90528d7ca1a48142e341f4ef8d21d0de"


def torchvision_download(cls_name: str, calls: list[dict], *, into_folder: bool = False, move: str | None = None):
    """A downloader: torchvision's `cls_name(dir, download=True, **kw)` for each kw of `calls`, run in
    a temp dir (`into_folder`: in its <folder>, for classes that write into the root they are given),
    then moved in place (the folder `move`, default the data set's)."""

    def download(spec, root: Path) -> None:
        import torchvision.datasets as tvd

        def fetch(tmp: Path) -> None:
            for kw in calls:
                getattr(tvd, cls_name)(str(tmp / spec.folder if into_folder else tmp), download=True, **kw)

        atomic_fetch(spec, root, fetch, folder=move)

    return download


def atomic_fetch(spec, root: Path, fetch: Callable[[Path], None], folder: str | None = None) -> None:
    """Run `fetch(tmpdir)` (a temp dir inside the data root), then move tmpdir/<folder> to
    root/<folder> with one rename; on any failure the temp dir goes and nothing else changes."""
    folder = folder or spec.folder
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".download-{spec.name}-", dir=root))
    try:
        try:
            fetch(tmp)
        except (BadInput, DataCorrupt):  # a damaged source names its file; nothing was moved in
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


def download_tiny(spec, root) -> None:
    from torchvision.datasets.utils import download_url, extract_archive

    def fetch(tmp: Path) -> None:
        download_url(TINY_URL, str(tmp), "tiny-imagenet-200.zip", TINY_MD5)
        extract_archive(str(tmp / "tiny-imagenet-200.zip"), str(tmp))

    atomic_fetch(spec, root, fetch)
