"""Real loaders on tiny files in each on-disk format; errors on missing / corrupt / misplaced data."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
import torch

from phnlab.data.datasets import DATASETS, dataset_info, download_dataset, load_dataset, resolve_data_root
from phnlab.errors import BadInput, DataCorrupt, DataMissing

from data_formats import TINY_WNIDS, write_cifar, write_fashion, write_gtsrb, write_svhn, write_tiny



def _check(data, x_expected, y_expected, name):
    assert data.name == name
    assert data.images.dtype == torch.uint8 and data.labels.dtype == torch.int64
    assert tuple(data.images.shape) == (len(y_expected), 3, 32, 32)
    assert data.labels.tolist() == [int(v) for v in y_expected]
    assert torch.equal(data.images, torch.from_numpy(x_expected))  # 32×32: no resize, exact pixels


@pytest.mark.parametrize("kind,n_classes", [("cifar10", 10), ("cifar100", 12)])
def test_cifar_pickled_batches(tmp_path, kind, n_classes):
    w = write_cifar(tmp_path, kind, n_classes)
    for split in ("train", "test"):
        data = load_dataset(kind, split, data_root=tmp_path)
        _check(data, *w[split], kind)
        assert data.class_names == w["names"]
    # the marked pixel survives: class 3's first training image
    tr = load_dataset(kind, data_root=tmp_path)
    i = int(np.nonzero(w["train"][1] == 3)[0][0])
    assert int(tr.images[i, 0, 1, 2]) == 30 + i % 10
    info = dataset_info(kind, tmp_path)
    assert info["present"] is True
    assert (info["train_size"], info["test_size"], info["num_classes"]) == (3 * n_classes, 2 * n_classes, n_classes)


def test_svhn_mat_maps_10_to_0(tmp_path):
    w = write_svhn(tmp_path)
    for split in ("train", "test"):
        data = load_dataset("svhn", split, data_root=tmp_path)
        _check(data, *w[split], "svhn")
    assert data.class_names == [str(d) for d in range(10)]
    info = dataset_info("svhn", tmp_path)
    assert (info["present"], info["train_size"], info["test_size"], info["num_classes"]) == (True, 12, 12, 10)


@pytest.mark.parametrize("gz", [False, True])
def test_fashionmnist_idx_grey_to_rgb_resized(tmp_path, gz):
    w = write_fashion(tmp_path, gz=gz)
    data = load_dataset("fashionmnist", "train", data_root=tmp_path)
    x, y = w["train"]
    assert tuple(data.images.shape) == (len(y), 3, 32, 32)
    assert data.labels.tolist() == y.tolist()
    # constant 28×28 images stay constant after the resize to 32, in all three channels
    for i, v in enumerate(20 * y.astype(int) + 5):
        assert int(data.images[i].min()) == v == int(data.images[i].max())
    assert data.class_names[0] == "T-shirt/top"
    info = dataset_info("fashionmnist", tmp_path)
    assert (info["train_size"], info["test_size"], info["num_classes"]) == (10, 6, 10)
    big = load_dataset("fashionmnist", "test", data_root=tmp_path, size=64)
    assert tuple(big.images.shape[1:]) == (3, 64, 64)


def test_gtsrb_folders_and_csv(tmp_path):
    w = write_gtsrb(tmp_path)
    for split in ("train", "test"):
        data = load_dataset("gtsrb", split, data_root=tmp_path)
        _check(data, *w[split], "gtsrb")
    assert len(data.class_names) == 43 and data.class_names[14] == "stop"
    info = dataset_info("gtsrb", tmp_path)
    assert (info["train_size"], info["test_size"], info["num_classes"]) == (6, 4, 43)


def test_gtsrb_decoded_cache_is_used_and_invalidated(tmp_path, monkeypatch):
    import phnlab.data.folders as D

    w = write_gtsrb(tmp_path)
    first = load_dataset("gtsrb", "train", data_root=tmp_path)
    monkeypatch.setattr(D, "pil_to_tensor", lambda *a: (_ for _ in ()).throw(AssertionError("decoded again")))
    assert torch.equal(load_dataset("gtsrb", "train", data_root=tmp_path).images, first.images)
    monkeypatch.undo()
    # a changed file invalidates the cache
    f = sorted((w["folder"] / "GTSRB" / "Training" / "00000").glob("*.ppm"))[0]
    from PIL import Image

    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(f, format="PPM")
    os.utime(f, ns=(1, 1))
    again = load_dataset("gtsrb", "train", data_root=tmp_path)
    assert int(again.images[0].max()) == 0


def test_tinyimagenet_layout(tmp_path):
    w = write_tiny(tmp_path)
    train = load_dataset("tinyimagenet", "train", data_root=tmp_path)
    assert train.class_names == ["goldfish", "European fire salamander", "bullfrog"]  # sorted wnids, words.txt
    assert train.labels.tolist() == [0, 0, 1, 1, 2, 2]
    for i, wnid in enumerate(sorted(TINY_WNIDS)):  # solid colours survive JPEG + resize within a few levels
        got = train.images[2 * i].float().mean(dim=(1, 2))
        assert torch.allclose(got, torch.tensor(w["colours"][wnid], dtype=torch.float32), atol=4)
    test = load_dataset("tinyimagenet", "test", data_root=tmp_path)
    assert test.labels.tolist() == [sorted(TINY_WNIDS).index(x) for x in w["val_wnids"]]
    big = load_dataset("tinyimagenet", "test", data_root=tmp_path, size=64)
    assert tuple(big.images.shape) == (3, 3, 64, 64)
    info = dataset_info("tinyimagenet", tmp_path)
    assert (info["train_size"], info["test_size"], info["num_classes"]) == (6, 3, 3)


def test_digits_seeded_split():
    tr, te = load_dataset("digits", "train"), load_dataset("digits", "test")
    assert len(tr) + len(te) == 1797 and tuple(tr.images.shape[1:]) == (3, 32, 32)
    assert torch.equal(tr.images[:, 0], tr.images[:, 2])  # grey → 3 equal channels
    assert torch.equal(load_dataset("digits", "test").images, te.images)  # same split every time
    assert sorted(set(te.labels.tolist())) == list(range(10))
    assert dataset_info("digits")["present"] is True


def test_registry_covers_everything():
    for name in ("cifar10", "cifar100", "svhn", "fashionmnist", "gtsrb", "tinyimagenet", "digits", "synthetic",
                 "synthetic-shapes", "synthetic-glyphs", "synthetic-textures"):
        assert name in DATASETS


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("name", ["cifar10", "cifar100", "svhn", "fashionmnist", "gtsrb", "tinyimagenet"])
def test_absent_data_says_where_what_and_how(tmp_path, name):
    with pytest.raises(DataMissing) as e:
        load_dataset(name, data_root=tmp_path)
    msg = str(e.value)
    assert "\n" not in msg
    assert repr(name) in msg and str(tmp_path) in msg and f"phnlab data get {name}" in msg
    assert "expected" in msg
    info = dataset_info(name, tmp_path)
    assert info["present"] is False and info["train_size"] is None


def test_missing_single_file(tmp_path):
    w = write_cifar(tmp_path, "cifar10", 10)
    (w["folder"] / "data_batch_3").unlink()
    with pytest.raises(DataMissing, match="missing file data_batch_3"):
        load_dataset("cifar10", data_root=tmp_path)


def test_truncated_cifar_batch(tmp_path):
    w = write_cifar(tmp_path, "cifar100", 12)
    blob = (w["folder"] / "train").read_bytes()
    (w["folder"] / "train").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataCorrupt) as e:
        load_dataset("cifar100", data_root=tmp_path)
    assert "'cifar100'" in str(e.value) and "train" in str(e.value) and "\n" not in str(e.value)
    assert load_dataset("cifar100", "test", data_root=tmp_path).images.shape[0] == 24  # the other split still loads
    info = dataset_info("cifar100", tmp_path)
    assert info["present"] is True and "error" in info


def test_cifar_wrong_shape(tmp_path):
    w = write_cifar(tmp_path, "cifar10", 10)
    (w["folder"] / "test_batch").write_bytes(pickle.dumps({"data": np.zeros((3, 100), np.uint8), "labels": [0, 1, 2]}))
    with pytest.raises(DataCorrupt, match="shape"):
        load_dataset("cifar10", "test", data_root=tmp_path)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_idx(tmp_path, gz):
    w = write_fashion(tmp_path, gz=gz)
    name = "train-images-idx3-ubyte" + (".gz" if gz else "")
    path = w["folder"] / name
    if gz:
        import gzip

        raw = gzip.decompress(path.read_bytes())
        path.write_bytes(gzip.compress(raw[:-100]))
    else:
        path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataCorrupt, match="truncated"):
        load_dataset("fashionmnist", data_root=tmp_path)


def test_garbage_mat(tmp_path):
    write_svhn(tmp_path)
    (tmp_path / "svhn" / "test_32x32.mat").write_bytes(b"not a mat file at all" * 10)
    with pytest.raises(DataCorrupt, match="svhn"):
        load_dataset("svhn", "test", data_root=tmp_path)
    assert "error" in dataset_info("svhn", tmp_path)


def test_gtsrb_wrong_layout(tmp_path):
    w = write_gtsrb(tmp_path)
    (w["folder"] / "GTSRB" / "Training" / "stop-signs").mkdir()
    with pytest.raises(DataCorrupt, match="stop-signs"):
        load_dataset("gtsrb", data_root=tmp_path)


def test_gtsrb_unreadable_image(tmp_path):
    w = write_gtsrb(tmp_path)
    f = sorted((w["folder"] / "GTSRB" / "Final_Test" / "Images").glob("*.ppm"))[0]
    f.write_bytes(b"P6\n32 32\n255\n" + b"\x00" * 10)  # truncated body
    with pytest.raises(DataCorrupt, match="unreadable image"):
        load_dataset("gtsrb", "test", data_root=tmp_path)


def test_tiny_wrong_layout(tmp_path):
    w = write_tiny(tmp_path)
    import shutil

    shutil.rmtree(w["folder"] / "train" / TINY_WNIDS[1] / "images")
    with pytest.raises(DataCorrupt, match=f"train/{TINY_WNIDS[1]}/images"):
        load_dataset("tinyimagenet", data_root=tmp_path)


def test_bad_arguments(tmp_path):
    with pytest.raises(BadInput, match="unknown data set"):
        load_dataset("imagenet", data_root=tmp_path)
    with pytest.raises(BadInput, match="split"):
        load_dataset("digits", "val")
    with pytest.raises(BadInput, match="size"):
        load_dataset("digits", size=3)


def test_data_root_resolution(tmp_path, monkeypatch):
    assert resolve_data_root(tmp_path / "x") == tmp_path / "x"
    monkeypatch.setenv("PHNLAB_DATA", str(tmp_path / "env"))
    assert resolve_data_root() == tmp_path / "env"
    monkeypatch.delenv("PHNLAB_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert resolve_data_root() == tmp_path / "xdg" / "phnlab" / "data"


# ----------------------------------------------------------------------------- downloads (faked)


def test_failed_download_leaves_nothing(tmp_path, monkeypatch):
    import torchvision.datasets as tvd

    class Offline:
        def __init__(self, root, **kw):
            os.makedirs(os.path.join(root, "cifar-10-batches-py"), exist_ok=True)
            open(os.path.join(root, "cifar-10-python.tar.gz.partial"), "wb").write(b"xx")
            raise RuntimeError("<urlopen error [Errno -3] Temporary failure in name resolution>")

    monkeypatch.setattr(tvd, "CIFAR10", Offline)
    with pytest.raises(DataMissing) as e:
        download_dataset("cifar10", data_root=tmp_path)
    assert "download failed" in str(e.value) and "\n" not in str(e.value)
    assert list(tmp_path.iterdir()) == []  # no partial file, no temp dir


def test_download_moves_complete_folder_in_place(tmp_path, monkeypatch):
    import torchvision.datasets as tvd

    class Fake:
        def __init__(self, root, **kw):
            write_cifar(__import__("pathlib").Path(root), "cifar10", 10)

    monkeypatch.setattr(tvd, "CIFAR10", Fake)
    info = download_dataset("cifar10", data_root=tmp_path)
    assert info["present"] and info["train_size"] == 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-10-batches-py"]
    assert load_dataset("cifar10", "test", data_root=tmp_path).images.shape[0] == 20
    # load_dataset(download=True) does not fetch what is already there
    monkeypatch.setattr(tvd, "CIFAR10", None)
    assert len(load_dataset("cifar10", data_root=tmp_path, download=True)) == 30


def test_fashion_download_places_raw_folder(tmp_path, monkeypatch):
    import torchvision.datasets as tvd

    monkeypatch.setattr(tvd, "FashionMNIST", lambda root, **kw: write_fashion(__import__("pathlib").Path(root)))
    info = download_dataset("fashionmnist", data_root=tmp_path)
    assert info["present"] and info["path"] == str(tmp_path / "FashionMNIST" / "raw")
