"""`phnlab data list | get | show` through phnlab.cli.main: output, exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest

from phnlab.cli import main


def _run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def _one_line_error(rc, err, *needles):
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("phnlab data: error:")
    for n in needles:
        assert n in lines[0]


def test_list_json_on_a_root_with_files(capsys, real_root, small_synthetic):
    rc, out, _ = _run(capsys, "data", "list", "--data-root", str(real_root), "--json")
    assert rc == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert set(rows) >= {"cifar10", "cifar100", "svhn", "fashionmnist", "gtsrb", "tinyimagenet", "digits", "synthetic"}
    for r in rows.values():
        assert {"name", "present", "train_size", "test_size", "num_classes", "path"} <= set(r)
    expect = {"cifar10": (30, 20, 10), "cifar100": (36, 24, 12), "svhn": (12, 12, 10), "fashionmnist": (10, 6, 10),
              "gtsrb": (6, 4, 43), "tinyimagenet": (6, 3, 3), "digits": (1438, 359, 10)}
    for name, sizes in expect.items():
        r = rows[name]
        assert r["present"] is True and (r["train_size"], r["test_size"], r["num_classes"]) == sizes, name
    assert rows["cifar10"]["path"] == str(real_root / "cifar-10-batches-py")
    assert rows["synthetic"]["present"] is False and rows["synthetic"]["num_classes"] == 100


def test_list_text_and_absent(capsys, tmp_path):
    rc, out, _ = _run(capsys, "data", "list", "--data-root", str(tmp_path))
    assert rc == 0
    line = next(l for l in out.splitlines() if l.startswith("cifar100 "))
    assert " no " in line and str(tmp_path / "cifar-100-python") in line


def test_list_marks_corrupt(capsys, real_root):
    (real_root / "svhn" / "train_32x32.mat").write_bytes(b"garbage")
    rc, out, _ = _run(capsys, "data", "list", "--data-root", str(real_root), "--json")
    row = next(r for r in json.loads(out) if r["name"] == "svhn")
    assert rc == 0 and row["present"] is True and "train_32x32.mat" in row["error"]


def test_get_synthetic_generates(capsys, tmp_path, small_synthetic):
    rc, out, _ = _run(capsys, "data", "get", "synthetic-textures", "--data-root", str(tmp_path))
    assert rc == 0 and "present" in out and (tmp_path / "synthetic").is_dir()
    rc, out, _ = _run(capsys, "data", "get", "digits")
    assert rc == 0 and "1,438 train" in out


def test_get_bad_input(capsys, tmp_path):
    rc, _, err = _run(capsys, "data", "get", "imagenet", "--data-root", str(tmp_path))
    _one_line_error(rc, err, "unknown data set 'imagenet'", "cifar100")


def test_get_offline_download_fails_cleanly(capsys, tmp_path, monkeypatch):
    import torchvision.datasets as tvd

    def offline(*a, **k):
        raise OSError("network is unreachable")

    monkeypatch.setattr(tvd, "SVHN", offline)
    rc, _, err = _run(capsys, "data", "get", "svhn", "--data-root", str(tmp_path))
    _one_line_error(rc, err, "'svhn'", "download failed")
    assert list(tmp_path.iterdir()) == []


def test_show_noisy_writes_png(capsys, tmp_path, small_synthetic):
    out = tmp_path / "noisy.png"
    rc, stdout, _ = _run(capsys, "data", "show", "noisy", "--dataset", "synthetic", "--seed", "0", "--out", str(out),
                         "--per-experience", "5", "--data-root", str(tmp_path))
    assert rc == 0 and "4 experiences" in stdout
    from PIL import Image

    with Image.open(out) as im:
        assert im.format == "PNG" and im.size[0] > 300
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".png" or p.name.startswith(".noisy")) == ["noisy.png"]


def test_show_transfer(capsys, tmp_path, small_synthetic):
    out = tmp_path / "t.png"
    rc, _, _ = _run(capsys, "data", "show", "transfer", "--out", str(out), "--data-root", str(tmp_path))
    assert rc == 0 and out.is_file()


@pytest.mark.parametrize(
    "argv,needles",
    [
        (["show", "rotated", "--out", "{tmp}/x.png"], ["stream 'rotated' is not allowed", "noisy"]),
        (["show", "noisy", "--out", "{tmp}/no/such/dir/x.png"], ["does not exist"]),
        (["show", "noisy", "--dataset", "cifar100", "--out", "{tmp}/x.png"], ["'cifar100'", "phnlab data get cifar100"]),
        (["show", "noisy", "--dataset", "nope", "--out", "{tmp}/x.png"], ["unknown data set 'nope'"]),
        (["show", "split", "--preset", "huge", "--out", "{tmp}/x.png"], ["--preset 'huge' is not allowed"]),
        ([], ["missing action"]),
    ],
)
def test_show_bad_input(capsys, tmp_path, argv, needles):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if argv:
        argv += ["--data-root", str(tmp_path)]
    rc, _, err = _run(capsys, "data", *argv)
    _one_line_error(rc, err, *needles)
    assert not (tmp_path / "x.png").exists()
