"""Stream builders: split / noisy / clean / transfer, seeds, normalisation, Avalanche benchmark."""

from __future__ import annotations

import pytest
import torch

from phnlab.config import get_preset
from phnlab.data import streams as S
from phnlab.data.streams import build_stream
from phnlab.errors import BadInput, DataMissing

from data_formats import write_cifar, write_tiny

SMALL = dict(num_experiences=3, classes_per_experience=4, train_per_class=5, test_per_class=3)


@pytest.fixture
def preset():
    return get_preset("ci").with_overrides(**SMALL)


def test_split_stream(tmp_path, small_synthetic, preset):
    s = build_stream("split", preset=preset, seed=0, data_root=tmp_path)
    assert len(s) == 3 and s.num_classes_per_experience == 4
    seen = []
    for i, e in enumerate(s):
        assert e.index == e.task_id == i and e.noise is None and e.dataset == "synthetic"
        assert e.train_x.dtype == torch.uint8 and tuple(e.train_x.shape) == (4 * 5, 3, 32, 32)
        assert tuple(e.test_x.shape) == (4 * 3, 3, 32, 32)
        assert torch.bincount(e.train_y).tolist() == [5] * 4 and torch.bincount(e.test_y).tolist() == [3] * 4
        names = small_synthetic["synthetic"].class_names
        assert e.class_names == [names[c] for c in e.classes]
        seen += e.classes
    assert len(set(seen)) == 12  # no class twice
    assert s.meta["class_order"] == [e.classes for e in s] and s.meta["kind"] == "split"
    assert s.meta["seed"] == 0 and s.meta["preset"] == "ci" and s.meta["sources"] == ["synthetic"] * 3
    assert len(s.mean) == len(s.std) == 3 and all(0.05 < v < 0.5 for v in s.std)


def test_images_belong_to_their_class(tmp_path, small_synthetic, preset):
    from phnlab.data.datasets import load_dataset

    s = build_stream("split", preset=preset, seed=3, data_root=tmp_path)
    full = load_dataset("synthetic", "train", data_root=tmp_path)
    e = s[1]
    for img, y in zip(e.train_x[:8], e.train_y[:8]):
        hits = (full.images == img).flatten(1).all(1)
        assert full.labels[hits].tolist() == [e.classes[int(y)]]


def test_seeds(tmp_path, small_synthetic, preset):
    a = build_stream("split", preset=preset, seed=0, data_root=tmp_path)
    b = build_stream("split", preset=preset, seed=0, data_root=tmp_path)
    c = build_stream("split", preset=preset, seed=1, data_root=tmp_path)
    assert a.meta["class_order"] == b.meta["class_order"] != c.meta["class_order"]
    for ea, eb in zip(a, b):
        assert torch.equal(ea.train_x, eb.train_x) and torch.equal(ea.test_y, eb.test_y)
    assert not torch.equal(a[0].train_x, c[0].train_x)


def test_noisy_and_clean(tmp_path, small_synthetic, preset):
    noisy = build_stream("noisy", preset=preset, seed=2, data_root=tmp_path)
    clean = build_stream("clean", preset=preset, seed=2, data_root=tmp_path)
    assert [e.noise for e in noisy] == [None, "solarize", "blur", "autocontrast-grey-blur"]
    assert [e.noise for e in clean] == [None] * 4
    assert noisy.meta["class_order"] == clean.meta["class_order"] and len(noisy.meta["class_order"]) == 4
    for en, ec in zip(noisy, clean):
        assert torch.equal(en.train_x, ec.train_x)
    # the split stream of the same seed starts with the same classes
    split = build_stream("split", preset=preset, seed=2, data_root=tmp_path)
    assert split.meta["class_order"][:3] == noisy.meta["class_order"][:3]


def test_transfer(tmp_path, small_synthetic, preset):
    s = build_stream("transfer", preset=preset, seed=0, data_root=tmp_path)
    assert s.meta["sources"] == list(preset.transfer_pairs[0]) and len(s) == 2
    assert [e.task_id for e in s] == [0, 1] and all(len(e.classes) == 4 for e in s)
    t = build_stream("transfer", preset=preset, seed=0, dataset="synthetic-textures", dataset2="synthetic-shapes",
                     data_root=tmp_path)
    assert t.meta["sources"] == ["synthetic-textures", "synthetic-shapes"]
    assert t[0].mean != t[1].mean  # each experience keeps its data set's normalisation
    same = build_stream("transfer", preset=preset, seed=0, dataset="synthetic", dataset2="synthetic", data_root=tmp_path)
    assert not set(same[0].classes) & set(same[1].classes)


def test_cifar100_uses_published_normalisation(tmp_path):
    write_cifar(tmp_path, "cifar100", 12)
    p = get_preset("paper").with_overrides(num_experiences=2, classes_per_experience=3)
    s = build_stream("split", preset=p, seed=0, data_root=tmp_path)
    assert s.mean == (0.5071, 0.4865, 0.4409) and s.std == (0.2673, 0.2564, 0.2762)
    assert len(s) == 2 and torch.bincount(s[0].train_y).tolist() == [3, 3, 3]  # every image (None per class)


def test_tinyimagenet_split_with_overrides(tmp_path):
    write_tiny(tmp_path, per_class=3)
    p = get_preset("paper").with_overrides(dataset="tinyimagenet", num_experiences=1, classes_per_experience=3)
    s = build_stream("split", preset=p, seed=0, data_root=tmp_path)
    assert tuple(s[0].train_x.shape) == (9, 3, 32, 32) and s.meta["datasets"] == ["tinyimagenet"]


def test_computed_normalisation_matches_data():
    from phnlab.data.datasets import ImageData

    x = torch.randint(0, 256, (50, 3, 8, 8), dtype=torch.uint8)
    mean, std = S.normalization("other", ImageData(x, torch.zeros(50, dtype=torch.int64), ["a"], "other"))
    f = x.float() / 255
    assert torch.allclose(torch.tensor(mean), f.mean(dim=(0, 2, 3)), atol=1e-4)
    assert torch.allclose(torch.tensor(std), f.std(dim=(0, 2, 3), unbiased=False), atol=1e-4)


def test_errors(tmp_path, small_synthetic, preset):
    with pytest.raises(DataMissing) as e:  # the paper preset on a machine without CIFAR-100
        build_stream("split", preset=get_preset("paper"), seed=0, data_root=tmp_path)
    assert "'cifar100'" in str(e.value) and "phnlab data get cifar100" in str(e.value)
    with pytest.raises(BadInput, match="unknown stream"):
        build_stream("rotated", preset=preset, seed=0, data_root=tmp_path)
    with pytest.raises(BadInput, match="needs 200 classes"):
        build_stream("split", preset=preset.with_overrides(num_experiences=40, classes_per_experience=5), seed=0,
                     data_root=tmp_path)
    with pytest.raises(BadInput, match="seed"):
        build_stream("split", preset=preset, seed=-1, data_root=tmp_path)
    with pytest.raises(BadInput, match="unknown data set"):
        build_stream("split", preset=preset, seed=0, dataset="mnist", data_root=tmp_path)


def test_to_avalanche_runs_naive(tmp_path, small_synthetic, preset):
    from avalanche.models import MultiTaskModule
    from avalanche.training import Naive

    s = build_stream("noisy", preset=preset, seed=0, data_root=tmp_path)
    bm = s.to_avalanche()
    train, test = list(bm.train_stream), list(bm.test_stream)
    assert len(train) == len(test) == 4
    for i, (tr, te) in enumerate(zip(train, test)):
        assert tr.task_label == te.task_label == i
        assert len(tr.dataset) == 20 and len(te.dataset) == 12
        assert set(tr.classes_in_this_experience) == {0, 1, 2, 3}
    x, y, t = train[3].dataset[0]
    assert x.dtype == torch.float32 and tuple(x.shape) == (3, 32, 32) and t == 3
    # eval transform = the device path's (noise, normalise, no crop)
    from phnlab.data.augment import prepare

    xe, ye, te_ = test[2].dataset.eval()[5]
    ref = prepare(s[2].test_x[5:6], train=False, noise="blur", mean=s.mean, std=s.std)[0]
    assert torch.allclose(xe, ref) and int(ye) == int(s[2].test_y[5]) and te_ == 2

    class Tiny(MultiTaskModule):
        def __init__(self):
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, stride=4), torch.nn.ReLU(), torch.nn.Flatten())
            self.heads = torch.nn.ModuleList(torch.nn.Linear(4 * 8 * 8, 4) for _ in range(4))

        def forward_single_task(self, x, task_label):
            return self.heads[task_label](self.body(x))

    model = Tiny()
    strategy = Naive(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
                     criterion=torch.nn.CrossEntropyLoss(), train_mb_size=8, train_epochs=1, eval_mb_size=16,
                     evaluator=None, device="cpu")
    before = [p.clone() for p in model.parameters()]
    strategy.train(train[0])
    strategy.train(train[1])
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    results = strategy.eval(test[:2])
    assert isinstance(results, dict)


def test_experiences_are_not_stored_class_by_class(tmp_path, small_synthetic):
    """An in-order pass (evaluation, calibration, importance estimates) must see mixed batches."""
    preset = get_preset("ci").with_overrides(num_experiences=2, classes_per_experience=4, train_per_class=5,
                                             test_per_class=5)
    s = build_stream("split", preset=preset, seed=0, data_root=tmp_path)
    for e in s:
        for y in (e.train_y, e.test_y):
            halves = y.split(len(y) // 2)
            assert all(len(torch.unique(h)) >= 3 for h in halves), y.tolist()  # sorted: 2 classes per half
            assert not torch.equal(y, torch.sort(y).values)
    again = build_stream("split", preset=preset, seed=0, data_root=tmp_path)
    assert all(torch.equal(a.test_x, b.test_x) and torch.equal(a.train_y, b.train_y) for a, b in zip(s, again))
