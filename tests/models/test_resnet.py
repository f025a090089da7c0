import pytest
import torch

from phnlab.errors import BadInput
from model_tensors import own_suffix_tensors
from phnlab.models import SlimResNet18, feature_shape, run_suffix

STAGE_PARAMS = {"stem": 580, "layer1": 14_560, "layer2": 51_600, "layer3": 205_600, "layer4": 820_800}
STATEFUL = {0: 0, 1: 15_140, 2: 66_740, 3: 272_340, 4: 1_093_140}
FEATURES = {0: (3, 32, 32), 1: (20, 32, 32), 2: (40, 16, 16), 3: (80, 8, 8), 4: (160, 4, 4)}


def count(module):
    return sum(p.numel() for p in module.parameters())


def test_stage_parameter_counts_match_the_paper():
    m = SlimResNet18(num_classes=5)
    assert {name: count(getattr(m, name)) for name in STAGE_PARAMS} == STAGE_PARAMS
    assert count(m) - count(m.heads) == 1_093_140
    assert count(m) == 1_093_945  # one 5-way head


@pytest.mark.parametrize("k", range(5))
def test_prefix_size_and_output_shape(k):
    m = SlimResNet18().eval()
    assert count(m.prefix(k)) == STATEFUL[k]
    assert feature_shape(k) == FEATURES[k]
    assert tuple(m.prefix(k)(torch.zeros(2, 3, 32, 32)).shape) == (2, *FEATURES[k])


@pytest.mark.parametrize("k", range(5))
def test_suffix_specs_cover_exactly_the_generated_layers(k):
    m = SlimResNet18(num_classes=7)
    specs = m.suffix_specs(k)
    suffix_params = sum(count(s) for s in m.suffix(k))
    assert sum(torch.Size(s.shape).numel() for s in specs) == suffix_params + 7 * 160 + 7
    assert specs[-2].shape == (7, 160) and specs[-1].shape == (7,)
    assert all(len(s.shape) == 4 for s in specs if s.role == "conv")


@pytest.mark.parametrize("k", range(5))
def test_functional_suffix_equals_module_forward(k):
    m = SlimResNet18(num_classes=5, num_heads=2, running_stats_depth=0).train()
    x = torch.randn(6, 3, 32, 32)
    expected = m(x, 1)
    got = run_suffix(m.suffix_module(k), m.prefix(k)(x), own_suffix_tensors(m, k, task_id=1), training=True)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-5)


def test_multi_head_routes_each_sample_to_its_task():
    m = SlimResNet18(num_classes=3, num_heads=3, running_stats_depth=0).eval()
    x = torch.randn(4, 3, 32, 32)
    t = torch.tensor([0, 2, 2, 1])
    feats = m.features(x)
    mixed = m.classify(feats, t)
    for i, task in enumerate(t.tolist()):
        torch.testing.assert_close(mixed[i], m.heads[task](feats[i : i + 1])[0])


@pytest.mark.parametrize("k", [-1, 5, 1.5])
def test_bad_freeze_depth(k):
    with pytest.raises(BadInput, match="allowed: 0, 1, 2, 3, 4"):
        SlimResNet18().prefix(k)


def test_running_statistics_only_in_the_prefix():
    m = SlimResNet18(running_stats_depth=2)
    tracked = {n.rsplit(".", 1)[0].split(".")[0] for n, b in m.named_buffers() if n.endswith("running_mean")}
    assert tracked == {"stem", "layer1", "layer2"}


def test_mixed_task_heads_under_bf16_autocast():
    model = SlimResNet18(num_classes=3, num_heads=2)
    feats = torch.randn(6, 160)
    tasks = torch.tensor([0, 1, 0, 1, 1, 0])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model.classify(feats, tasks)
    assert out.shape == (6, 3) and out.dtype == torch.bfloat16
    torch.testing.assert_close(out[1].float(), model.heads[1](feats[1:2])[0], rtol=0.05, atol=0.05)
