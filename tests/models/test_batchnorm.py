"""BatchNorm policies of the models: which layers store statistics, and what freezing does to them."""

import pytest
import torch

from phnlab.hyper.model import PartialHyperModel
from model_tensors import own_suffix_tensors
from phnlab.models import SlimResNet18, run_suffix


def running_means(module):
    return {n: b.clone() for n, b in module.named_buffers() if n.endswith("running_mean")}


def test_running_policy_tracks_every_layer_and_a_frozen_prefix_keeps_updating():
    m = SlimResNet18(num_heads=2, running_stats_depth=2, bn_policy="running").train()
    assert {n.split(".")[0] for n in running_means(m)} == {"stem", "layer1", "layer2", "layer3", "layer4"}
    m(torch.randn(8, 3, 32, 32), 0)
    m.freeze_prefix(2, calibration=iter(()))  # "frozen" stops gradients only
    before = running_means(m.prefix(2))
    m(torch.randn(8, 3, 32, 32) * 3 + 1, 1)  # a later experience's batch in train mode
    after = running_means(m.prefix(2))
    assert all(not torch.equal(before[n], after[n]) for n in before)
    assert not any(p.requires_grad for p in m.prefix(2).parameters())
    m.eval()  # evaluation on the running statistics: no dependence on the batch
    x = torch.randn(6, 3, 32, 32)
    torch.testing.assert_close(m(x, 0)[:2], m(x[:2], 0), rtol=0, atol=1e-5)


def test_batch_policy_stores_no_statistics_and_depends_on_the_batch():
    m = SlimResNet18(num_heads=1, running_stats_depth=3, bn_policy="batch")
    assert not running_means(m)
    m.freeze_prefix(3)
    m.eval()
    x = torch.randn(6, 3, 32, 32)
    assert (m(x, 0)[:2] - m(x[:2], 0)).abs().max() > 1e-3


def test_population_policy_freezes_the_prefix_on_its_calibration_data():
    m = SlimResNet18(num_heads=2, running_stats_depth=2).train()
    data = [torch.randn(8, 3, 32, 32) for _ in range(2)]
    m.freeze_prefix(2, calibration=iter(data))
    frozen = running_means(m.prefix(2))
    m(torch.randn(8, 3, 32, 32) * 3 + 1, 1)  # later training leaves them alone
    assert all(torch.equal(frozen[n], b) for n, b in running_means(m.prefix(2)).items())
    assert {n.split(".")[0] for n in running_means(m)} == {"stem", "layer1", "layer2"}


def test_generated_layers_keep_per_task_running_statistics_under_running():
    model = PartialHyperModel(freeze_depth=3, num_tasks=3, num_classes=2, bn_policy="running").train()
    stats = model.running_stats(1)
    assert set(stats) == set(model.suffix_bn) and stats["layer4.0.bn1"][0].shape == (160,)
    z_tasks = {n: b.clone() for n, b in model.named_buffers() if n.startswith("running_mean__")}
    model(torch.randn(8, 3, 32, 32), 1)
    for n, b in model.named_buffers():
        if n.startswith("running_mean__"):
            assert not torch.equal(b[1], z_tasks[n][1]) and torch.equal(b[0], z_tasks[n][0]), n  # task 1's row only
    model.eval()
    x = torch.randn(4, 3, 32, 32)
    torch.testing.assert_close(model(x, 1)[:2], model(x[:2], 1), rtol=0, atol=1e-5)
    assert PartialHyperModel(freeze_depth=3, num_tasks=3, num_classes=2).running_stats(1) is None


def test_the_suffix_run_with_running_statistics_equals_the_module():
    m = SlimResNet18(num_classes=5, num_heads=1, bn_policy="running")
    m.train()(torch.randn(8, 3, 32, 32), 0)  # move the statistics away from (0, 1)
    m.eval()
    stats = {n: (mod.running_mean, mod.running_var) for n, mod in m.named_modules()
             if isinstance(mod, torch.nn.BatchNorm2d) and n.startswith(("layer3", "layer4"))}
    x = torch.randn(3, 3, 32, 32)
    got = run_suffix(m.suffix_module(2), m.prefix(2)(x), own_suffix_tensors(m, 2), stats, training=False)
    torch.testing.assert_close(got, m(x, 0), rtol=0, atol=1e-5)


def test_unknown_model_policy():
    with pytest.raises(ValueError, match="population, running, batch"):
        SlimResNet18(bn_policy="group")
