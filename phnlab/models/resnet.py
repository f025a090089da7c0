"""The slim ResNet-18 of the paper (nf = 20, no max-pool), multi-head, cut at any freeze depth k.

Depth k splits the network into a stateful prefix (stem + stages 1..k, trained in experience 1 and
then frozen) and a generated suffix (stages k+1..4 + classifier) whose tensors a hypernetwork
produces. The model declares the suffix as a module (`suffix_module`, one classifier in place of the
heads); its parameters are the tensors the hypernetwork generates (`suffix_specs`), and `run_suffix`
runs it from a dict of such tensors through `torch.func.functional_call`.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

from ..choices import check_freeze_depth
from .batchnorm import FIXED_PREFIX_POLICIES, apply_policy_mode, check_model_policy, recalibrate, tracks_running_stats
from .specs import TensorSpec, declared_specs

__all__ = ["SlimResNet18", "BasicBlock", "Suffix", "run_suffix", "STAGE_STRIDES", "feature_shape"]

STAGE_STRIDES = (1, 2, 2, 2)
BLOCKS_PER_STAGE = 2


def conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class Stem(nn.Module):
    def __init__(self, cout: int, *, bn_running_stats: bool):
        super().__init__()
        self.conv = conv3x3(3, cout)
        self.bn = nn.BatchNorm2d(cout, track_running_stats=bn_running_stats)

    def forward(self, x: Tensor) -> Tensor:
        return torch.relu(self.bn(self.conv(x)))


class Shortcut(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, *, bn_running_stats: bool):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, stride=stride, bias=False)
        self.bn = nn.BatchNorm2d(cout, track_running_stats=bn_running_stats)

    def forward(self, x: Tensor) -> Tensor:
        return self.bn(self.conv(x))


class BasicBlock(nn.Module):
    """conv3x3(s) → BN → ReLU → conv3x3 → BN → + shortcut → ReLU."""

    def __init__(self, cin: int, cout: int, stride: int, *, bn_running_stats: bool):
        super().__init__()
        self.conv1 = conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout, track_running_stats=bn_running_stats)
        self.conv2 = conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout, track_running_stats=bn_running_stats)
        needs_projection = stride != 1 or cin != cout
        self.shortcut = Shortcut(cin, cout, stride, bn_running_stats=bn_running_stats) if needs_projection else None

    def forward(self, x: Tensor) -> Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.shortcut is None else self.shortcut(x)))


def feature_shape(k: int, nf: int = 20, image_size: int = 32) -> tuple[int, int, int]:
    """Shape of the prefix's output at depth k (k = 0: the image itself). Latent replay stores these."""
    check_freeze_depth(k)
    if k == 0:
        return (3, image_size, image_size)
    size = image_size
    for s in STAGE_STRIDES[:k]:
        size = (size + s - 1) // s
    return (nf * 2 ** (k - 1), size, size)


class SlimResNet18(nn.Module):
    """Reduced ResNet-18 with one linear head per task; `forward(x, task_ids)`.

    BatchNorm follows `bn_policy` (see `phnlab.models.batchnorm`). Under "population" it uses batch
    statistics in train and eval; the stateful prefix (stem + stages 1..`running_stats_depth`) also
    tracks running statistics, which it uses once frozen.
    """

    def __init__(self, *, num_classes: int = 5, num_heads: int = 1, nf: int = 20, running_stats_depth: int = 0,
                 bn_policy: str = "population"):
        super().__init__()
        check_freeze_depth(running_stats_depth)
        self.bn_policy = check_model_policy(bn_policy)
        self.nf, self.num_classes, self.num_heads = nf, num_classes, num_heads
        self.widths = tuple(nf * 2**i for i in range(4))  # (20, 40, 80, 160)
        self.stem = Stem(nf, bn_running_stats=tracks_running_stats(bn_policy, running_stats_depth >= 1))
        cin = nf
        for i, (cout, stride) in enumerate(zip(self.widths, STAGE_STRIDES), start=1):
            rs = tracks_running_stats(bn_policy, i <= running_stats_depth)
            blocks = [BasicBlock(cin, cout, stride, bn_running_stats=rs)]
            blocks += [BasicBlock(cout, cout, 1, bn_running_stats=rs) for _ in range(BLOCKS_PER_STAGE - 1)]
            setattr(self, f"layer{i}", nn.Sequential(*blocks))
            cin = cout
        self.feature_dim = cin
        self.heads = nn.ModuleList(nn.Linear(cin, num_classes) for _ in range(num_heads))
        self.frozen_depth = 0  # stem + stages 1..frozen_depth are frozen (0: nothing)

    def freeze_prefix(self, k: int, calibration: Iterable[Tensor] | None = None) -> None:
        """Freeze stem + stages 1..k for good: no gradients. Under "population" BatchNorm switches to
        running statistics, recomputed exactly over the `calibration` batches (the data the prefix was
        trained on); under "running" and "batch" its normalisation carries on as before."""
        check_freeze_depth(k)
        if self.bn_policy == "population":
            recalibrate(self.prefix(k), calibration)
        self.frozen_depth = k
        self.prefix(k).requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True):
        super().train(mode)
        apply_policy_mode(self, self.prefix(self.frozen_depth), frozen=bool(self.frozen_depth), policy=self.bn_policy)
        return self

    # ---- decomposition -------------------------------------------------------------------------
    def stages(self) -> list[nn.Module]:
        """The five stateful-able parts in order: stem, layer1..layer4."""
        return [self.stem, self.layer1, self.layer2, self.layer3, self.layer4]

    def prefix(self, k: int) -> nn.Sequential:
        """Stem + stages 1..k (shares modules with the model); k = 0 is the identity."""
        check_freeze_depth(k)
        return nn.Sequential(*self.stages()[: k + 1]) if k > 0 else nn.Sequential()

    def suffix(self, k: int) -> nn.Sequential:
        """Stages k+1..4 without the head (the stem too when k = 0)."""
        check_freeze_depth(k)
        return nn.Sequential(*self.stages()[k + 1 :] if k > 0 else self.stages())

    def suffix_module(self, k: int, *, running_stats: bool | None = None) -> "Suffix":
        """The layers after the cut at depth k with one classifier (their tensors are generated); its
        BatchNorm layers keep running statistics as this model's do, unless `running_stats` says."""
        return Suffix(self, k, running_stats=running_stats)

    def suffix_specs(self, k: int) -> list[TensorSpec]:
        """Every tensor the hypernetwork must generate at depth k, in forward order (the suffix module's
        parameters, declared by the rule every backbone follows: `phnlab.models.specs`)."""
        return declared_specs(self.suffix_module(k))

    # ---- plain forward ---------------------------------------------------------------------------
    def features(self, x: Tensor) -> Tensor:
        for stage in self.stages():
            x = stage(x)
        return torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)  # [B, 160]

    def fixed_prefix(self) -> nn.Module | None:
        """The frozen prefix when its output on a given batch is fixed (population statistics, or batch
        statistics of that very batch; never running ones, which move with training), else None;
        `from_prefix` takes its output."""
        k = self.frozen_depth
        return self.prefix(k) if k and self.bn_policy in FIXED_PREFIX_POLICIES else None

    def from_prefix(self, z: Tensor, task_ids: Tensor | int = 0) -> Tensor:
        return self.forward_from(z, self.frozen_depth, task_ids)

    def forward(self, x: Tensor, task_ids: Tensor | int = 0) -> Tensor:
        k = self.frozen_depth
        if k:
            with torch.no_grad():  # no gradient through a frozen prefix
                x = self.prefix(k)(x)
        return self.forward_from(x, k, task_ids)

    def forward_from(self, z: Tensor, k: int, task_ids: Tensor | int) -> Tensor:
        """Logits from the output z of the prefix of depth k (latent replay feeds stored z here)."""
        for stage in self.suffix(k):
            z = stage(z)
        return self.classify(torch.flatten(nn.functional.adaptive_avg_pool2d(z, 1), 1), task_ids)

    def classify(self, feats: Tensor, task_ids: Tensor | int) -> Tensor:
        """Apply each sample's task head (one matmul per task present in the batch)."""
        if isinstance(task_ids, int):
            return self.heads[task_ids](feats)
        tasks = torch.unique(task_ids)
        if tasks.numel() == 1:
            return self.heads[int(tasks)](feats)
        parts = {t: self.heads[t](feats[task_ids == t]) for t in tasks.tolist()}
        first = next(iter(parts.values()))  # its dtype: float32, or bfloat16 under autocast
        out = first.new_empty(feats.shape[0], self.num_classes)
        for t, logits in parts.items():
            out[task_ids == t] = logits
        return out


class Suffix(nn.Module):
    """Stages k+1..4 of a slim ResNet-18 (the stem too at k = 0) and one classifier, named as the
    hypernetwork's tensors are: the suffix as a module, run from generated tensors by `run_suffix`. It lives
    on the meta device: only its names and shapes matter, and making it draws no random numbers."""

    def __init__(self, model: SlimResNet18, k: int, *, running_stats: bool | None = None):
        super().__init__()
        import copy

        check_freeze_depth(k)
        self.names = ["stem", "layer1", "layer2", "layer3", "layer4"][0 if k == 0 else k + 1:]
        for name in self.names:
            setattr(self, name, copy.deepcopy(getattr(model, name)))
        if running_stats is not None:
            for m in self.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.track_running_stats = running_stats
        self.classifier = nn.Linear(model.feature_dim, model.num_classes, device="meta")  # draws no random numbers
        self.to("meta")  # shapes and names only: every tensor is passed in
        self.param_names = frozenset(name for name, _ in self.named_parameters())

    def forward(self, z: Tensor) -> Tensor:
        for name in self.names:
            z = getattr(self, name)(z)
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(z, 1), 1))  # [B, classes]


def run_suffix(suffix: Suffix, z: Tensor, tensors: dict[str, Tensor],
               running_stats: dict[str, tuple[Tensor, Tensor]] | None = None, *, training: bool) -> Tensor:
    """Logits of the suffix from prefix output z with its parameters set to `tensors` (one task's). With
    `running_stats` ({BatchNorm name: (mean, var)}), training normalises with batch statistics and updates
    them in place (momentum 0.1); evaluation uses them. Without, every layer uses batch statistics."""
    missing = suffix.param_names - tensors.keys()
    if missing:
        raise KeyError(f"no generated tensor for {sorted(missing)[:3]}")
    state = dict(tensors)
    for name, (mean, var) in (running_stats or {}).items():
        state[f"{name}.running_mean"], state[f"{name}.running_var"] = mean, var
    suffix.train(training)
    return torch.func.functional_call(suffix, state, (z,), strict=False)
