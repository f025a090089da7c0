"""Parameter and memory accounting, counted from the modules themselves (so it cannot drift).

Memory follows the paper's Table 6: float32 tensors; latent replay stores `buffer × exemplar`
(the prefix output at depth k), a partial hypernetwork stores the converged copy of its
hypernetwork from the previous experience. The paper's "MB" is 2**20 bytes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from . import paper
from .choices import check_freeze_depth
from .errors import BadInput
from .hyper.model import PartialHyperModel
from .models.resnet import feature_shape

__all__ = ["Accounting", "account", "ewc_memory_bytes", "table3_rows", "table6_rows", "FLOAT32_BYTES"]

FLOAT32_BYTES = 4


@dataclass(frozen=True)
class Accounting:
    freeze_depth: int
    tasks: int
    classes: int
    chunk_dim: int
    hypernetwork_params: int  # what the paper's tables report
    hypernetwork_conditional_params: int  # per-task tables (embeddings, BN γ/β, classifier bias)
    hypernetwork_unconditional_params: int  # shared generator weights
    stateful_params: int  # prefix: stem + stages 1..k
    generated_params_per_task: int  # entries of the suffix the hypernetwork produces for one task
    hn_memory_bytes: int  # stored previous hypernetwork
    exemplar_shape: tuple[int, int, int]  # latent replay at depth k
    buffer_size: int
    lr_memory_bytes: int

    @property
    def hn_memory_mb(self) -> float:
        return self.hn_memory_bytes / paper.MIB

    @property
    def lr_memory_mb(self) -> float:
        return self.lr_memory_bytes / paper.MIB

    def to_dict(self) -> dict:
        return asdict(self) | {"hn_memory_mb": self.hn_memory_mb, "lr_memory_mb": self.lr_memory_mb}


def _positive(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadInput(f"{name} must be a positive integer, got {value!r}")
    return value


def account(
    *,
    freeze_depth: int,
    tasks: int,
    classes: int,
    chunk_dim: int = 32,
    embedding_dim: int = 32,
    hidden_dim: int = 50,
    buffer_size: int = 200,
    image_size: int = 32,
) -> Accounting:
    """Count a partial hypernetwork of depth k for T tasks and C outputs per head."""
    check_freeze_depth(freeze_depth)
    for name, value in [("tasks", tasks), ("classes", classes), ("chunk dim d", chunk_dim),
                        ("embedding dim", embedding_dim), ("hidden dim", hidden_dim),
                        ("buffer size", buffer_size), ("image size", image_size)]:
        _positive(name, value)
    with torch.device("meta"):  # shapes only: nothing is allocated
        model = PartialHyperModel(
            freeze_depth=freeze_depth, num_tasks=tasks, num_classes=classes,
            embedding_dim=embedding_dim, hidden_dim=hidden_dim, chunk_dim=chunk_dim,
        )
    numel = lambda params: sum(p.numel() for p in params)  # noqa: E731
    hn = numel(model.hnet.parameters())
    exemplar = feature_shape(freeze_depth, image_size=image_size)
    return Accounting(
        freeze_depth=freeze_depth,
        tasks=tasks,
        classes=classes,
        chunk_dim=chunk_dim,
        hypernetwork_params=hn,
        hypernetwork_conditional_params=numel(model.hnet.conditional_parameters()),
        hypernetwork_unconditional_params=numel(model.hnet.unconditional_parameters()),
        stateful_params=numel(model.prefix.parameters()),
        generated_params_per_task=sum(math.prod(s) for s in model.hnet.target_shapes.values()),
        hn_memory_bytes=hn * FLOAT32_BYTES,
        exemplar_shape=exemplar,
        buffer_size=buffer_size,
        lr_memory_bytes=buffer_size * math.prod(exemplar) * FLOAT32_BYTES,
    )


def table3_rows() -> list[dict]:
    """Table 3: HN-F parameters and compression vs chunk width d, ours beside the paper's."""
    s = paper.TABLE3_SETTING
    counts = {d: account(freeze_depth=s["freeze_depth"], tasks=s["tasks"], classes=s["classes"], chunk_dim=d)
              for d in paper.TABLE3}
    largest = counts[max(counts)].hypernetwork_params
    rows = []
    for d, (p_params, p_comp) in paper.TABLE3.items():
        ours = counts[d].hypernetwork_params
        rows.append({"d": d, "params": ours, "paper_params": p_params,
                     "compression_pct": math.floor(100 * (1 - ours / largest)), "paper_compression_pct": p_comp})
    return rows


def table6_rows(benchmark: str = "cifar100") -> list[dict]:
    """Table 6: LR-k and HN-k memory for one benchmark, ours beside the paper's."""
    if benchmark not in paper.TABLE6:
        raise BadInput(f"unknown benchmark {benchmark!r}; allowed: {', '.join(paper.TABLE6)}")
    s = paper.TABLE6_SETTING
    image_size = 64 if benchmark == "tinyimagenet" else 32  # the table assumes 64×64 TinyImageNet
    rows = []
    for k, p in paper.TABLE6[benchmark].items():
        a = account(freeze_depth=k, tasks=s["tasks"], classes=s["classes"], chunk_dim=s["chunk_dim"],
                    buffer_size=s["buffer"][benchmark], image_size=image_size)
        rows.append({
            "k": k, "exemplar_shape": "×".join(map(str, a.exemplar_shape)), "paper_exemplar_shape": p["exemplar_printed"],
            "lr_mb": a.lr_memory_mb, "paper_lr_mb": p["lr_mb"],
            "hn_params": a.hypernetwork_params, "paper_hn_params": p["hn_params"],
            "hn_mb": a.hn_memory_mb, "paper_hn_mb": p["hn_mb"],
        })
    return rows


def ewc_memory_bytes(tasks: int, classes: int) -> int:
    """What EWC keeps after `tasks` experiences: each experience's parameters and importances (float32) of the
    multi-head slim ResNet-18 (Avalanche's plugin, separate mode)."""
    from .models.resnet import SlimResNet18

    model = SlimResNet18(num_classes=_positive("classes", classes), num_heads=_positive("tasks", tasks))
    return 2 * tasks * sum(p.numel() for p in model.parameters()) * FLOAT32_BYTES
