"""The structured hypernetwork: task ids → every tensor of the suffix, in one batched call.

Parameters live in two visibly different collections:
- `task_tables` (conditional, one row per task): task embeddings, BatchNorm γ/β, classifier bias;
- `shared` (unconditional): the embedding MLP, one channel-wise head per generated conv, and the
  classifier-weight head.
A conv weight [out, in, kh, kw] is generated channel-wise: a learned lookup table holds one
d-vector per output channel, and one shared Linear(h + d → in·kh·kw) maps [h ; e_o] to that
channel's filter. The shapes come from the main model (`phnlab.models.specs.declared_specs`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

import torch
from torch import Tensor, nn

from ..models.specs import TensorSpec

__all__ = ["HyperNetwork", "ConvHead", "ConvFactors", "FactoredOutputs", "key_of"]


def key_of(name: str) -> str:
    """Module-dict key of a tensor name ('.' is not allowed in keys)."""
    return name.replace(".", "__")


class ConvFactors(NamedTuple):
    """A generated conv weight [B, out, in, kh, kw] as its two factors, never materialised: the weight of
    task b, output channel o is per_task[b] + per_channel[o]."""

    per_task: Tensor  # [B, in·kh·kw]
    per_channel: Tensor  # [out, in·kh·kw], the same for every task

    def rows(self, rows: Tensor | None) -> "ConvFactors":
        """The factors of some of the tasks (None: all)."""
        return self if rows is None else ConvFactors(self.per_task[rows], self.per_channel)

    def assemble(self, shape: tuple[int, ...]) -> Tensor:
        """The weights themselves, [B, *shape]."""
        return (self.per_task[:, None, :] + self.per_channel[None]).reshape(self.per_task.shape[0], *shape)

    def squared_error(self, target: "ConvFactors") -> Tensor:
        """Σ over each task's weight of (self − target)², [B]. With δa_b = a_b − a*_b and δB = B − B*:
        Σ_o ||δa_b + δB_o||² = out·||δa_b||² + 2 δa_b · Σ_o δB_o + ||δB||², never forming [B, out, in·k·k]."""
        da, db = self.per_task - target.per_task, self.per_channel - target.per_channel  # [B, n], [out, n]
        return db.shape[0] * (da * da).sum(1) + 2 * (da @ db.sum(0)) + (db * db).sum()

    def detached(self) -> "ConvFactors":
        return ConvFactors(self.per_task.detach().clone(), self.per_channel.detach().clone())


class FactoredOutputs(NamedTuple):
    """What the regulariser compares: generated convs as factors, every other tensor as it is."""

    convs: dict[str, ConvFactors]
    tensors: dict[str, Tensor]  # {name: [B, *shape]}


class ConvHead(nn.Module):
    """h [B, h] → conv weights [B, out, in, kh, kw], one shared linear map per output channel."""

    def __init__(self, shape: tuple[int, int, int, int], *, hidden: int, chunk_dim: int):
        super().__init__()
        self.shape = shape
        out, cin, kh, kw = shape
        self.chunks = nn.Parameter(torch.randn(out, chunk_dim))  # [out, d]
        self.linear = nn.Linear(hidden + chunk_dim, cin * kh * kw)  # acts on [h ; e_o]
        self.hidden = hidden

    def factors(self, h: Tensor) -> ConvFactors:
        """Linear([h ; e]) = W_h h + W_e e + b: per task W_h h [B, in·k·k], per channel W_e e + b [out, in·k·k]."""
        w_h, w_e = self.linear.weight.split([self.hidden, self.chunks.shape[1]], dim=1)
        return ConvFactors(h @ w_h.T, self.chunks @ w_e.T + self.linear.bias)

    def forward(self, h: Tensor) -> Tensor:
        # the e-part does not depend on the task: computed once per call, broadcast over the tasks
        return self.factors(h).assemble(self.shape)


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

    def forward(self, task_ids: Tensor) -> dict[str, Tensor]:
        """task_ids [B] → {name: [B, *shape]}; one pass for all ids, no loop over tasks."""
        out = self.factored(task_ids)
        convs = {name: f.assemble(self.target_shapes[name]) for name, f in out.convs.items()}  # [B, out, in, k, k]
        return {spec.name: convs.get(spec.name, out.tensors.get(spec.name)) for spec in self.specs}

    def factored(self, task_ids: Tensor) -> FactoredOutputs:
        """task_ids [B] → the conv weights as their factors (`ConvFactors`) and the other tensors."""
        h = self.shared["mlp"](self.task_tables["embedding"][task_ids])  # [B, h]
        convs, tensors = {}, {}
        for spec in self.specs:
            key = key_of(spec.name)
            if spec.role == "conv":
                convs[spec.name] = self.shared[key].factors(h)
            elif spec.role == "fc_weight":
                tensors[spec.name] = self.shared[key](h).view(-1, *spec.shape)  # [B, C, 160]
            else:
                tensors[spec.name] = self.task_tables[key][task_ids]  # [B, C]
        return FactoredOutputs(convs, tensors)

    generate = forward

    def generate_one(self, task_id: int) -> dict[str, Tensor]:
        """Tensors for one task, shaped exactly as `target_shapes` (what `run_suffix` takes)."""
        ids = torch.tensor([task_id], device=self.task_tables["embedding"].device)
        return {name: t[0] for name, t in self.forward(ids).items()}

    @torch.no_grad()
    def copy_task_embedding(self, src: int, dst: int) -> None:
        """Start a new task from the previous task's embedding (Algorithm 1's initialisation)."""
        self.task_tables["embedding"][dst] = self.task_tables["embedding"][src]
