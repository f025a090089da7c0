"""The embedded procedural data sets: sizes, determinism, variation, the cache."""

from __future__ import annotations


import pytest
import torch

from phnlab.config import PRESETS
from phnlab.data import synthetic
from phnlab.data.datasets import DATASETS, dataset_info, load_dataset


def test_domains_are_registered_with_enough_classes():
    assert synthetic.DOMAINS["synthetic"].num_classes >= 100
    others = [n for n in synthetic.DOMAINS if n != "synthetic"]
    assert len(others) >= 3
    for name in synthetic.DOMAINS:
        assert name in DATASETS and synthetic.DOMAINS[name].num_classes >= 10
        assert len(set(synthetic.DOMAINS[name].class_names)) == synthetic.DOMAINS[name].num_classes
    for preset in ("ci", "quick"):
        (a, b), (c, d) = PRESETS[preset].transfer_pairs[:2]
        assert {a, b, c, d} <= set(synthetic.DOMAINS)


@pytest.mark.parametrize("name", list(synthetic.DOMAINS))
def test_generate_small(name):
    d = synthetic.generate(name, train_per_class=4, test_per_class=2, classes=[0, 3, 7])
    assert d["train_x"].dtype == torch.uint8 and tuple(d["train_x"].shape) == (12, 3, 32, 32)
    assert d["train_y"].tolist() == [0] * 4 + [3] * 4 + [7] * 4
    assert tuple(d["test_x"].shape) == (6, 3, 32, 32)
    again = synthetic.generate(name, train_per_class=4, test_per_class=2, classes=[0, 3, 7])
    assert torch.equal(d["train_x"], again["train_x"]) and torch.equal(d["test_x"], again["test_x"])
    other = synthetic.generate(name, seed=1, train_per_class=4, test_per_class=2, classes=[0, 3, 7])
    assert not torch.equal(d["train_x"], other["train_x"])
    # a class's images do not depend on which other classes are generated
    alone = synthetic.generate(name, train_per_class=4, test_per_class=2, classes=[3])
    assert torch.equal(alone["train_x"], d["train_x"][4:8])
    # train and test differ (different generators)
    assert not torch.equal(d["train_x"][:2], d["test_x"][:2])


@pytest.mark.parametrize("name", list(synthetic.DOMAINS))
def test_within_class_variation(name):
    x = synthetic.generate(name, train_per_class=16, test_per_class=1, classes=[1])["train_x"].float()
    per_pixel_sd = x.std(dim=0).mean()  # how much images of one class differ
    assert 25 < per_pixel_sd < 120
    assert x.mean(dim=(1, 2, 3)).std() > 3  # brightness varies from image to image
    assert len({bytes(im.numpy()) for im in x.to(torch.uint8)}) == 16


def test_domains_differ_in_low_level_statistics():
    """Textures carry far more high-frequency energy than shapes and glyphs (dissimilar pair)."""

    def hf(name):
        x = synthetic.generate(name, train_per_class=8, test_per_class=1, classes=list(range(10)))["train_x"].float()
        return (x[..., 1:] - x[..., :-1]).abs().mean().item()

    shapes, glyphs, textures = hf("synthetic-shapes"), hf("synthetic-glyphs"), hf("synthetic-textures")
    assert abs(shapes - glyphs) < 0.3 * shapes
    assert textures > 2 * max(shapes, glyphs)


def test_small_cached_domain_through_load_dataset(tmp_path, small_synthetic):
    info = dataset_info("synthetic-glyphs", tmp_path)
    assert info["present"] is False and info["train_size"] == 16 * 10  # sizes known before generation
    tr = load_dataset("synthetic-glyphs", "train", data_root=tmp_path)
    assert tuple(tr.images.shape) == (160, 3, 32, 32) and tr.class_names[0] == "glyph A"
    assert dataset_info("synthetic-glyphs", tmp_path)["present"] is True
    files = sorted(p.name for p in (tmp_path / "synthetic").iterdir())
    assert files == [synthetic.cache_path("synthetic-glyphs", tmp_path).name]  # no temp file left
    assert torch.equal(load_dataset("synthetic-glyphs", "train", data_root=tmp_path).images, tr.images)
    big = load_dataset("synthetic-glyphs", "test", data_root=tmp_path, size=64)
    assert tuple(big.images.shape) == (80, 3, 64, 64)


def test_cached_full_set_loads(data_root):
    """The full 100-class set in the session's data root (generated there by the first test that needs it),
    read back from its cache file: the generator's images."""
    tr = load_dataset("synthetic", "train", data_root=data_root)
    assert tuple(tr.images.shape) == (100 * 500, 3, 32, 32) and tr.num_classes == 100
    assert torch.bincount(tr.labels).tolist() == [500] * 100
    te = load_dataset("synthetic", "test", data_root=data_root)
    assert tuple(te.images.shape) == (100 * 100, 3, 32, 32)
    cached = synthetic.load_cached("synthetic", data_root)
    assert cached is not None and torch.equal(cached["train_x"], tr.images)
    # the cached images are the generator's: spot-check one class
    fresh = synthetic.generate("synthetic", classes=[42], train_per_class=500, test_per_class=1)
    assert torch.equal(fresh["train_x"], tr.images[tr.labels == 42])
