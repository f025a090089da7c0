"""`phnlab data get fashionmnist`'s routes: the data root, Debian's system copy, torchvision, apt-get."""

from __future__ import annotations

import gzip
import shutil

import pytest
import torchvision.datasets as tvd

from phnlab.cli import main
from phnlab.data import system_copies
from phnlab.data.datasets import load_dataset

from data_formats import write_fashion


@pytest.fixture
def system_dir(tmp_path, monkeypatch):
    """A stand-in for /usr/share/datasets holding the package's four .gz files, read-only as for users."""
    root = tmp_path / "usr-share-datasets"
    w = write_fashion(tmp_path / "src", gz=True)
    (root / "fashion-mnist").mkdir(parents=True)
    for f in w["folder"].iterdir():
        shutil.copy(f, root / "fashion-mnist" / f.name)
    monkeypatch.setenv("PHNLAB_SYSTEM_DATASETS", str(root))
    return root / "fashion-mnist"


@pytest.fixture
def offline(monkeypatch):
    calls = []

    def no_network(*a, **k):
        calls.append(a)
        raise OSError("network is unreachable")

    monkeypatch.setattr(tvd, "FashionMNIST", no_network)
    return calls


def _get(capsys, root):
    rc = main(["data", "get", "fashionmnist", "--data-root", str(root)])
    out, err = capsys.readouterr()
    return rc, out, err


def test_system_copy_is_unpacked_into_the_data_root_not_beside_it(capsys, tmp_path, system_dir, offline):
    before = sorted(p.name for p in system_dir.iterdir())
    rc, out, _ = _get(capsys, tmp_path / "cache")
    assert rc == 0 and "10 train / 6 test" in out
    assert sorted(p.name for p in system_dir.iterdir()) == before  # the system folder is left as it was
    raw = tmp_path / "cache" / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(system_copies.FASHION_FILES)
    assert offline == []  # no download tried
    assert load_dataset("fashionmnist", "test", data_root=tmp_path / "cache").labels.tolist() == [0, 1, 2, 3, 4, 5]


def test_a_copy_in_the_data_root_is_used_first(capsys, tmp_path, monkeypatch, offline):
    write_fashion(tmp_path)
    monkeypatch.setenv("PHNLAB_SYSTEM_DATASETS", str(tmp_path / "nowhere"))
    rc, out, _ = _get(capsys, tmp_path)
    assert rc == 0 and "10 train" in out and offline == []


def test_truncated_system_file_is_one_line_naming_it_and_nothing_is_unpacked(capsys, tmp_path, system_dir, offline):
    gz = system_dir / "train-images-idx3-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[: len(gz.read_bytes()) // 2])
    rc, _, err = _get(capsys, tmp_path / "cache")
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1 and "train-images-idx3-ubyte.gz" in lines[0] and "truncated" in lines[0]
    assert not (tmp_path / "cache" / "FashionMNIST").exists()
    assert [p for p in (tmp_path / "cache").iterdir()] == []  # no temp folder left either


def test_idx_file_cut_short_inside_a_whole_gzip_is_corrupt(capsys, tmp_path, system_dir, offline):
    gz = system_dir / "t10k-labels-idx1-ubyte.gz"
    gz.write_bytes(gzip.compress(gzip.decompress(gz.read_bytes())[:-2]))
    rc, _, err = _get(capsys, tmp_path / "cache")
    assert rc == 2 and "t10k-labels-idx1-ubyte.gz is not a whole idx file" in err
    assert not (tmp_path / "cache" / "FashionMNIST").exists()


def test_no_route_says_what_each_found_and_the_command(capsys, tmp_path, monkeypatch, offline):
    monkeypatch.setenv("PHNLAB_SYSTEM_DATASETS", str(tmp_path / "nowhere"))
    rc, _, err = _get(capsys, tmp_path / "cache")
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1
    for needle in ("no system copy", "torchvision download", "PHNLAB_NO_APT", "apt-get install dataset-fashion-mnist"):
        assert needle in lines[0]
    assert len(offline) == 1  # the download was tried once, after the system copy


def test_install_route_runs_apt_get_then_reads_the_system_copy(tmp_path, monkeypatch, offline):
    """As root with apt-get: the package's install is what makes the system copy appear."""
    target = tmp_path / "usr-share-datasets" / "fashion-mnist"
    monkeypatch.setenv("PHNLAB_SYSTEM_DATASETS", str(target.parent))
    monkeypatch.delenv("PHNLAB_NO_APT")
    monkeypatch.setattr(system_copies.os, "geteuid", lambda: 0)
    monkeypatch.setattr(system_copies.shutil, "which", lambda name: "/usr/bin/apt-get")
    ran = []

    def fake_run(cmd, **kw):
        ran.append(cmd)
        w = write_fashion(tmp_path / "pkg", gz=True)
        target.mkdir(parents=True, exist_ok=True)
        for f in w["folder"].iterdir():
            shutil.copy(f, target / f.name)
        return type("Done", (), {"returncode": 0})()

    monkeypatch.setattr(system_copies.subprocess, "run", fake_run)
    from phnlab.data.datasets import download_dataset

    info = download_dataset("fashionmnist", data_root=tmp_path / "cache")
    assert info["present"] and info["train_size"] == 10
    assert ran == [["apt-get", "install", "-y", "-q", "dataset-fashion-mnist"]]
