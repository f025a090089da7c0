"""Fixtures: an isolated default data root, a root with every real format, a small synthetic set."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from data_formats import write_cifar, write_fashion, write_gtsrb, write_svhn, write_tiny


@pytest.fixture(autouse=True)
def _isolated_data_root(tmp_path, monkeypatch):
    """No test reads or writes the user's data cache; no network either (downloads are faked)."""
    monkeypatch.setenv("PHNLAB_DATA", str(tmp_path / "default-root"))


@pytest.fixture
def real_root(tmp_path) -> Path:
    """A data root holding every real format (tiny)."""
    root = tmp_path / "real"
    write_cifar(root, "cifar10", 10)
    write_cifar(root, "cifar100", 12)
    write_svhn(root)
    write_fashion(root)
    write_gtsrb(root)
    write_tiny(root)
    return root


SMALL_SIZES = {"synthetic": (12, 6), "synthetic-shapes": (10, 5), "synthetic-glyphs": (10, 5), "synthetic-textures": (10, 5)}


@pytest.fixture
def small_synthetic(monkeypatch):
    """Shrink the synthetic domains' per-class sizes so generating them all takes a fraction of a second."""
    from phnlab.data import synthetic

    small = {
        name: dataclasses.replace(spec, train_per_class=SMALL_SIZES[name][0], test_per_class=SMALL_SIZES[name][1])
        for name, spec in synthetic.DOMAINS.items()
    }
    monkeypatch.setattr(synthetic, "DOMAINS", small)
    return small
