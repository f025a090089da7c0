"""A partial hypernetwork over a backbone that is not the paper's ResNet."""

import warnings

import pytest
import torch
from avalanche.benchmarks import nc_benchmark
from torch import nn

from phnlab.counting import account
from phnlab.errors import BadInput
from phnlab.hyper.any_backbone import BackbonePartialHyperModel
from phnlab.models import SlimResNet18
from phnlab.strategies import PartialHN


class SmallCNN(nn.Module):
    def __init__(self, classes=2):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(4))
        self.block = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                                   nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(16, classes)

    def forward(self, x):
        return self.head(self.block(self.features(x)))


class Images(torch.utils.data.Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.targets = [i % 4 for i in range(n)]
        self.x = torch.randn(n, 3, 32, 32, generator=g) + torch.tensor(self.targets)[:, None, None, None] * 0.5

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return self.x[i], self.targets[i]


def _drift(reg_coef):
    """Relative change of task 1's generated weights while task 2 trains."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bm = nc_benchmark(Images(64, 0), Images(16, 1), n_experiences=2, task_labels=True, seed=0,
                          class_ids_from_zero_in_each_exp=True, fixed_class_order=[0, 1, 2, 3])
    torch.manual_seed(0)
    model = BackbonePartialHyperModel(SmallCNN(), split="features", num_tasks=2)
    s = PartialHN(model=model, lr=1e-3, train_mb_size=16, train_epochs=3, reg_coef=reg_coef, lookahead="first")
    s.train(bm.train_stream[0])
    prefix = {k: v.clone() for k, v in model.prefix.state_dict().items()}
    with torch.no_grad():
        before = model.hnet.generate_one(0)
    s.train(bm.train_stream[1])
    with torch.no_grad():
        after = model.hnet.generate_one(0)
    assert all(torch.equal(v, model.prefix.state_dict()[k]) for k, v in prefix.items())  # frozen after task 1
    err = sum(float(((after[n] - before[n]) ** 2).sum()) for n in before)
    return (err / sum(float((before[n] ** 2).sum()) for n in before)) ** 0.5, s


def test_a_small_cnn_keeps_the_previous_task_within_the_regulariser_tolerance():
    held, s = _drift(reg_coef=0.5)
    free, _ = _drift(reg_coef=0.0)
    assert held < 0.05 and held < free / 3, (held, free)
    assert s.model.num_classes == 2 and len(s.model.generated) == 6  # conv weight and bias, BatchNorm γ, β, the head


def test_the_slim_resnet_cut_at_k_has_the_papers_hypernetwork():
    for k in (1, 2, 4):
        model = BackbonePartialHyperModel(SlimResNet18(num_classes=5), split=f"layer{k}", num_tasks=20)
        assert sum(p.numel() for p in model.hnet.parameters()) == account(freeze_depth=k, tasks=20,
                                                                          classes=5).hypernetwork_params
    x = torch.randn(4, 3, 32, 32)
    assert model(x, torch.tensor([0, 1, 0, 1])).shape == (4, 5)


@pytest.mark.parametrize("k", [0, 2])
def test_the_slim_resnet_is_one_instance_same_tensors_same_logits_same_gradients(k):
    """PartialHyperModel (the paper's HN-k) and the generic model over SlimResNet18 cut at the same place
    declare the same tensors, and with the same weights compute the same logits and gradients."""
    from phnlab.hyper import PartialHyperModel
    from phnlab.hyper.heads import key_of

    torch.manual_seed(0)
    paper = PartialHyperModel(freeze_depth=k, num_tasks=3, num_classes=5)
    generic = BackbonePartialHyperModel(SlimResNet18(num_classes=5), split=f"layer{k}" if k else None, num_tasks=3)
    rename = {"classifier.weight": "heads.0.weight", "classifier.bias": "heads.0.bias"}
    ours = [(rename.get(s.name, s.name), s.shape, s.role) for s in paper.hnet.specs]
    assert ours == [(s.name, s.shape, s.role) for s in generic.hnet.specs]
    keys = {key_of(a): key_of(b) for a, b in rename.items()}
    state = {}
    for name, t in paper.hnet.state_dict().items():
        for a, b in keys.items():
            name = name.replace(a, b)
        state[name] = t
    generic.hnet.load_state_dict(state)
    generic.prefix.load_state_dict(paper.prefix.state_dict(), strict=False)  # k = 0: nothing to load
    x = torch.randn(6, 3, 32, 32)
    # one task per batch, as training sees them (on a mixed batch the generic model's prefix normalises
    # each task's samples alone, the paper's the whole batch)
    out_paper = torch.cat([paper(x[t::3], t) for t in range(3)])
    out_generic = torch.cat([generic(x[t::3], t) for t in range(3)])
    torch.testing.assert_close(out_generic, out_paper, rtol=0, atol=1e-5)
    out_paper.square().sum().backward()
    out_generic.square().sum().backward()
    g_paper = paper.hnet.task_tables["embedding"].grad
    torch.testing.assert_close(generic.hnet.task_tables["embedding"].grad, g_paper, rtol=1e-4, atol=1e-6)


def test_a_split_point_or_a_parameter_the_heads_cannot_make_is_refused():
    with pytest.raises(BadInput, match="names no module of the backbone; allowed: one of features, block, head"):
        BackbonePartialHyperModel(SmallCNN(), split="layer9", num_tasks=2)
    odd = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.LayerNorm(4 * 30 * 30), nn.Linear(4 * 30 * 30, 2))
    with pytest.raises(BadInput, match="LayerNorm.weight\\) is a parameter the hypernetwork's heads cannot generate"):
        BackbonePartialHyperModel(odd, split="0", num_tasks=2)
