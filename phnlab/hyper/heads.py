"""The structured hypernetwork: task ids → every tensor of the suffix, in one batched call.

Parameters live in two visibly different collections:
- `task_tables` (conditional, one row per task): task embeddings, BatchNorm γ/β, classifier bias;
- `shared` (unconditional): the embedding MLP, one channel-wise head per generated conv, and the
  classifier-weight head.
A conv weight [out, in, kh, kw] is generated channel-wise: a learned lookup table holds one
d-vector per output channel, and one shared Linear(h + d → in·kh·kw) maps [h ; e_o] to that
channel's filter. The shapes come from the main model (`SlimResNet18.suffix_specs`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch import Tensor, nn

from ..models.resnet import TensorSpec

__all__ = ["HyperNetwork", "ConvHead", "key_of"]


def key_of(name: str) -> str:
    """Module-dict key of a tensor name ('.' is not allowed in keys)."""
    return name.replace(".", "__")


class ConvHead(nn.Module):
    """h [B, h] → conv weights [B, out, in, kh, kw], one shared linear map per output channel."""

    def __init__(self, shape: tuple[int, int, int, int], *, hidden: int, chunk_dim: int):
        super().__init__()
        self.shape = shape
        out, cin, kh, kw = shape
        self.chunks = nn.Parameter(torch.randn(out, chunk_dim))  # [out, d]
        self.linear = nn.Linear(hidden + chunk_dim, cin * kh * kw)  # acts on [h ; e_o]
        self.hidden = hidden

    def factors(self, h: Tensor) -> tuple[Tensor, Tensor]:
        """Linear([h ; e]) = W_h h + W_e e + b: (per_task [B, in·k·k], per_channel [out, in·k·k]);
        the weight of task b, output channel o is per_task[b] + per_channel[o]."""
        w_h, w_e = self.linear.weight.split([self.hidden, self.chunks.shape[1]], dim=1)
        return h @ w_h.T, self.chunks @ w_e.T + self.linear.bias

    def forward(self, h: Tensor) -> Tensor:
        # the e-part does not depend on the task: computed once per call, broadcast over the tasks
        per_task, per_channel = self.factors(h)
        return (per_task[:, None, :] + per_channel[None]).reshape(h.shape[0], *self.shape)


class HyperNetwork(nn.Module):
    """H_ψ(t): generates the suffix tensors named by `specs` for a batch of task ids."""

    def __init__(
        self,
        specs: Sequence[TensorSpec],
        *,
        num_tasks: int,
        embedding_dim: int = 32,
        hidden_dim: int = 50,
        chunk_dim: int = 32,
    ):
        super().__init__()
        self.specs = list(specs)
        self.num_tasks = num_tasks
        h = embedding_dim
        # conditional: one row per task
        self.task_tables = nn.ParameterDict({"embedding": nn.Parameter(torch.randn(num_tasks, embedding_dim))})
        # unconditional: shared by all tasks
        self.shared = nn.ModuleDict(
            {
                "mlp": nn.Sequential(
                    nn.Linear(embedding_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, h), nn.ReLU()
                )
            }
        )
        for spec in self.specs:
            key = key_of(spec.name)
            if spec.role == "conv":
                self.shared[key] = ConvHead(spec.shape, hidden=h, chunk_dim=chunk_dim)
            elif spec.role == "fc_weight":
                self.shared[key] = nn.Linear(h, spec.shape[0] * spec.shape[1])
            elif spec.role in ("bn_weight", "bn_bias", "fc_bias"):
                init = torch.ones if spec.role == "bn_weight" else torch.zeros
                self.task_tables[key] = nn.Parameter(init(num_tasks, *spec.shape))
            else:
                raise ValueError(f"unknown tensor role {spec.role!r} for {spec.name}")

    @property
    def target_shapes(self) -> dict[str, tuple[int, ...]]:
        return {s.name: s.shape for s in self.specs}

    def conditional_parameters(self) -> Iterator[nn.Parameter]:
        """Per-task tables (rows indexed by task id)."""
        return iter(self.task_tables.values())

    def unconditional_parameters(self) -> Iterator[nn.Parameter]:
        """Generator weights shared by all tasks."""
        return self.shared.parameters()

    def forward(self, task_ids: Tensor, factored: bool = False) -> dict[str, Tensor]:
        """task_ids [B] → {name: [B, *shape]}; one pass for all ids, no loop over tasks.
        `factored`: conv weights as their two factors (ConvHead.factors), never materialised."""
        h = self.shared["mlp"](self.task_tables["embedding"][task_ids])  # [B, h]
        out = {}
        for spec in self.specs:
            key = key_of(spec.name)
            if spec.role == "conv":
                head = self.shared[key]
                out[spec.name] = head.factors(h) if factored else head(h)  # [B, out, in, k, k]
            elif spec.role == "fc_weight":
                out[spec.name] = self.shared[key](h).view(-1, *spec.shape)  # [B, C, 160]
            else:
                out[spec.name] = self.task_tables[key][task_ids]  # [B, C]
        return out

    generate = forward

    def generate_one(self, task_id: int) -> dict[str, Tensor]:
        """Tensors for one task, shaped exactly as `target_shapes` (what `suffix_forward` takes)."""
        ids = torch.tensor([task_id], device=self.task_tables["embedding"].device)
        return {name: t[0] for name, t in self.forward(ids).items()}

    @torch.no_grad()
    def copy_task_embedding(self, src: int, dst: int) -> None:
        """Start a new task from the previous task's embedding (Algorithm 1's initialisation)."""
        self.task_tables["embedding"][dst] = self.task_tables["embedding"][src]
