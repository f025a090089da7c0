"""How hard the synthetic set is: a Naive slim ResNet-18 on one 5-class split experience.

Slow (about a minute on 2 CPU cores), so it runs only with PHNLAB_LONG=1 (marker `long`):

    PHNLAB_LONG=1 .venv/bin/python -m pytest tests/data/test_data_accuracy.py -s

It prints the test accuracy after each epoch; docs/data.md quotes the numbers. The band is
two-sided: the set must be learnable, and not so easy that every method scores 100%.
"""

from __future__ import annotations

import os

import pytest
import torch

pytestmark = pytest.mark.long


def naive_curve(stream, exp_index=0, *, epochs, lr=1e-3, batch=64, seed=0) -> list[float]:
    """Train a fresh SlimResNet18 on one experience (Adam, device augmentation); accuracy per epoch."""
    from phnlab.data.augment import prepare
    from phnlab.models.resnet import SlimResNet18

    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    e = stream[exp_index]
    model = SlimResNet18(num_classes=stream.num_classes_per_experience, num_heads=1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    curve = []
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(e.train_y), generator=g)
        for i in range(0, len(perm), batch):
            idx = perm[i : i + batch]
            x = prepare(e.train_x[idx], train=True, noise=e.noise, mean=e.mean, std=e.std, generator=g)
            loss = torch.nn.functional.cross_entropy(model(x, 0), e.train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            x = prepare(e.test_x, train=False, noise=e.noise, mean=e.mean, std=e.std, generator=g)
            pred = torch.cat([model(xb, 0).argmax(1) for xb in torch.split(x, 256)])
        curve.append(round((pred == e.test_y).float().mean().item(), 3))
    return curve


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_naive_on_a_quick_split_experience(seed):
    from phnlab.data.streams import build_stream

    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    stream = build_stream("split", preset="quick", seed=seed)  # 100 train / 40 test images per class
    curve = naive_curve(stream, epochs=8, seed=seed)
    print(f"\nseed {seed} classes {stream[0].class_names}: accuracy per epoch {curve}")
    assert 0.5 <= curve[3] <= 0.92  # after the quick preset's 4 epochs
    assert curve[-1] < 0.97  # learnable, but not perfectly


@pytest.mark.parametrize("domain", ["synthetic-shapes", "synthetic-glyphs", "synthetic-textures"])
def test_naive_on_each_transfer_domain(domain):
    from phnlab.data.streams import build_stream

    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    stream = build_stream("transfer", preset="quick", seed=0, dataset=domain, dataset2="synthetic")
    curve = naive_curve(stream, epochs=4, seed=0)
    print(f"\n{domain} classes {stream[0].class_names}: accuracy per epoch {curve}")
    assert 0.4 <= curve[-1] <= 0.99
