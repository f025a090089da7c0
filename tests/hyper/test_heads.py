import pytest
import torch

from phnlab.hyper import HyperNetwork, PartialHyperModel
from phnlab.models import SlimResNet18, run_suffix


@pytest.mark.parametrize("k", range(5))
def test_generated_shapes_are_the_models(k):
    specs = SlimResNet18(num_classes=5).suffix_specs(k)
    hnet = HyperNetwork(specs, num_tasks=4, chunk_dim=8)
    out = hnet(torch.tensor([0, 3, 1]))
    assert list(out) == [s.name for s in specs]
    for s in specs:
        assert tuple(out[s.name].shape) == (3, *s.shape)


def test_batched_generation_equals_one_task_at_a_time():
    hnet = HyperNetwork(SlimResNet18(num_classes=5).suffix_specs(2), num_tasks=5, chunk_dim=4)
    with torch.no_grad():
        for p in hnet.conditional_parameters():
            p.normal_()  # distinct rows per task
    batched = hnet(torch.tensor([4, 1, 4]))
    for i, t in enumerate([4, 1, 4]):
        single = hnet.generate_one(t)
        for name, tensor in single.items():
            torch.testing.assert_close(batched[name][i], tensor)


def test_channel_wise_head_is_one_linear_map_of_h_and_the_channel_code():
    hnet = HyperNetwork(SlimResNet18(num_classes=2).suffix_specs(4), num_tasks=2, chunk_dim=3)
    head = hnet.shared["layer4__0__conv1__weight"] if "layer4__0__conv1__weight" in hnet.shared else None
    assert head is None  # depth 4 generates the classifier only
    hnet = HyperNetwork(SlimResNet18(num_classes=2).suffix_specs(3), num_tasks=2, chunk_dim=3)
    head = hnet.shared["layer4__0__conv1__weight"]
    h = torch.randn(2, 32)
    out = head(h)  # [2, 160, 80, 3, 3]
    o = 17
    direct = head.linear(torch.cat([h, head.chunks[o].expand(2, 3)], dim=1)).view(2, 80, 3, 3)
    torch.testing.assert_close(out[:, o], direct, rtol=1e-5, atol=1e-5)


def test_task_tables_and_shared_weights_are_separate():
    hnet = HyperNetwork(SlimResNet18(num_classes=5).suffix_specs(3), num_tasks=3)
    cond = {id(p) for p in hnet.conditional_parameters()}
    uncond = {id(p) for p in hnet.unconditional_parameters()}
    assert cond and uncond and not cond & uncond
    assert cond | uncond == {id(p) for p in hnet.parameters()}
    assert all(p.shape[0] == 3 for p in hnet.conditional_parameters())


def test_new_task_starts_from_the_previous_embedding():
    hnet = HyperNetwork(SlimResNet18().suffix_specs(4), num_tasks=3)
    hnet.copy_task_embedding(0, 1)
    emb = hnet.task_tables["embedding"]
    torch.testing.assert_close(emb[1], emb[0])
    assert not torch.equal(emb[2], emb[0])


def test_partial_model_groups_by_task_and_matches_the_suffix_run():
    model = PartialHyperModel(freeze_depth=3, num_tasks=3, num_classes=4, chunk_dim=4).eval()
    x = torch.randn(5, 3, 32, 32)
    t = torch.tensor([2, 0, 2, 2, 0])
    out = model(x, t)
    z = model.prefix(x)
    for task in (0, 2):
        mask = t == task
        suffix = SlimResNet18(num_classes=4).suffix_module(3)
        torch.testing.assert_close(out[mask], run_suffix(suffix, z[mask], model.hnet.generate_one(task), training=False))


@pytest.mark.cuda
def test_generation_on_cuda_matches_cpu():
    hnet = HyperNetwork(SlimResNet18().suffix_specs(2), num_tasks=3)
    ids = torch.tensor([0, 2])
    cpu = hnet(ids)
    gpu = hnet.cuda()(ids.cuda())
    for name in cpu:
        torch.testing.assert_close(gpu[name].cpu(), cpu[name], rtol=1e-4, atol=1e-5)
