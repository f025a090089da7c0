"""Partial hypernetworks HN-k (k = 1..4) and HN-F (k = 0), Algorithm 1 of the paper.

Experience 1: prefix and hypernetwork learn jointly on cross-entropy; then the prefix is frozen.
Every later experience: the new task embedding starts as a copy of the previous one, the targets
H*(j) for all previous tasks are fixed, and each step updates ψ with g1 + g2 where g2 is the
regulariser's gradient after a look-ahead step (none | first | second order). Previous tasks' rows
(embedding, BatchNorm and bias tables) are stored, not trained: only the shared generator and the
current task's rows move. The task rows may have their own learning rate (`task_lr`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..errors import BadInput
from ..hyper.model import PartialHyperModel
from ..hyper.regularizer import HyperGradients, OutputRegularizer, check_lookahead, lookahead_gradients, trainable
from .base import PhnTemplate
from .registry import Declaration

__all__ = ["PartialHN", "HNHyperparameters", "DECLARATION"]


def _only_row(table_grad, row: int):
    """The gradient of a per-task table [T, ...] with every row but `row` set to zero."""
    kept = torch.zeros_like(table_grad)
    kept[row] = table_grad[row]
    return kept


class PartialHN(PhnTemplate):
    """Partial hypernetwork HN-k (HN-F at k = 0), Algorithm 1 of the paper, on a `PartialHyperModel`.

    `lookahead`: none | first | second order; `reg_coef` (λ, 0.5 in the paper) weighs the output
    regulariser that holds every previous task's generated weights; `reg_tasks_per_step`: a random subset
    of the previous tasks per step on long streams (None: all). `task_lr`: the learning rate of the per-task
    rows (embedding, BatchNorm and bias tables); it defaults to the optimiser's lr, as in the paper, but in
    short runs (a few dozen steps per experience) a new task then hardly moves away from the previous one,
    and the low forgetting that results says little: the small presets use 3e-2. Every experience needs a
    new task label. `last_gradients`: the step's g1 and g2 (`HyperGradients`; None in experience 1), which
    `GradientCosineLog` (Figure 12) reads."""

    def __init__(self, *, model: PartialHyperModel, lookahead: str = "first", reg_coef: float = 0.5,
                 task_lr: float | None = None, reg_tasks_per_step: int | None = None, **kwargs):
        super().__init__(model=model, **kwargs)
        self.reg_tasks_per_step = reg_tasks_per_step
        self.task_lr = self.lr if task_lr is None else task_lr
        self.lookahead = check_lookahead(lookahead)
        self.reg_coef = reg_coef
        self.seen_tasks: list[int] = []
        self.regularizer: OutputRegularizer | None = None
        self.last_gradients: HyperGradients | None = None

    def _before_training_exp(self, **kwargs):
        super()._before_training_exp(**kwargs)  # checks the experience, makes the loader and the optimiser
        self._start_task(int(self.experience.task_label))

    def check_experience(self) -> None:
        super().check_experience()
        task = int(self.experience.task_label)
        if task in self.seen_tasks:
            raise BadInput(f"experience {self.experience_index} has task label {task}, which an earlier experience "
                           "had: a partial hypernetwork generates one model per task and needs a new task label per "
                           "experience; allowed: a task-incremental benchmark (Avalanche: nc_benchmark(..., "
                           "task_labels=True))")

    def _start_task(self, task: int) -> None:
        """A new task's embedding starts as the previous one's; the targets of all previous tasks are fixed."""
        if self.seen_tasks and task not in self.seen_tasks:
            self.model.hnet.copy_task_embedding(self.seen_tasks[-1], task)
        previous = [t for t in self.seen_tasks if t != task]
        self.regularizer = None
        if previous:
            ids = torch.tensor(previous, device=self.device)
            self.regularizer = OutputRegularizer(self.model.hnet, ids, self.reg_coef,  # targets from H*
                                                 tasks_per_step=self.reg_tasks_per_step,
                                                 seed=1000 * self.seed + task)

    def _assume_previous_tasks(self, current: int, generator: torch.Generator) -> None:
        """Prefix frozen after experience 1 (trained in it); tasks 0..current-1 seen, their targets fixed."""
        if current:
            self.model.freeze_prefix()
        self.seen_tasks = list(range(current))
        self._start_task(current)

    def memory_bytes(self) -> int:
        """The stored previous hypernetwork (float32)."""
        return sum(p.numel() for p in self.model.hnet.parameters()) * 4

    def state_tensors(self):
        yield from super().state_tensors()
        if self.regularizer is not None:
            yield from self.regularizer.target_tensors()

    def optimizer_groups(self):
        """Shared generator (and, in experience 1, prefix) in group 0; the task rows in group 1 (`task_lr`)."""
        conditional = {id(p) for p in self.model.hnet.conditional_parameters()}
        params = self.trainable_parameters()
        return [[p for p in params if id(p) not in conditional], [p for p in params if id(p) in conditional]]

    def new_group_options(self, index: int) -> dict:
        return {"lr": self.task_lr} if index == 1 else {}

    def step_sizes(self) -> dict[str, float]:
        """β of the look-ahead step for each trainable hypernetwork parameter, by name: its optimiser group's lr."""
        lr = {id(p): g["lr"] for g in self.optimizer.param_groups for p in g["params"]}
        return {n: lr.get(id(p), self.lr) for n, p in trainable(self.model.hnet)}

    def backward(self):
        """g1 + g2: the cross-entropy's gradient and the regulariser's after the look-ahead step."""
        self.last_gradients = None
        if self.regularizer is None:  # experience 1 (or a task with no predecessor): plain SGD update
            self.loss.backward()
            return
        grads = lookahead_gradients(self.loss, self.regularizer, self.lookahead, self.step_sizes())
        # previous tasks' rows stay as stored (von Oswald et al.): the regulariser moves only shared weights
        # and the current row; a zero gradient keeps a row still under a fresh Adam
        conditional = {id(p) for p in self.model.hnet.conditional_parameters()}
        current = int(self.experience.task_label)
        grads.g2 = [_only_row(g, current) if id(p) in conditional else g for p, g in zip(grads.params, grads.g2)]
        for p, g in zip(grads.params, grads.total()):
            p.grad = g
        self.last_gradients = grads

    def extra_state(self) -> dict:
        return {"seen_tasks": list(self.seen_tasks), "frozen": self.model.frozen}

    def load_extra_state(self, state: dict) -> None:
        self.seen_tasks = list(state["seen_tasks"])
        if state["frozen"]:
            self.model.freeze_prefix()

    def _after_training_exp(self, **kwargs):
        task = int(self.experience.task_label)
        if task not in self.seen_tasks:
            self.seen_tasks.append(task)
        if not self.model.frozen:
            self.model.freeze_prefix(calibration=self.training_inputs())
        super()._after_training_exp(**kwargs)


@dataclass(frozen=True)
class HNHyperparameters:
    embedding_dim: int = 32  # task embedding and MLP output width
    hidden_dim: int = 50
    chunk_dim: int = 32  # d: width of the per-output-channel lookup table
    task_lr: float | None = None  # Adam lr of the task rows; None: the optimiser's (see `PartialHN`)
    reg_coef: float = field(default=0.5, metadata={"after_first": True, "zero_allowed": True})  # λ of the output regulariser
    reg_tasks_per_step: int | None = field(default=None, metadata={"after_first": True})  # None: all tasks


def _build(ctx):
    hp = ctx.hyperparameters
    lookahead = check_lookahead(ctx.options["lookahead"])
    model = PartialHyperModel(freeze_depth=ctx.freeze_depth, num_tasks=ctx.num_tasks, num_classes=ctx.num_classes,
                              embedding_dim=hp.embedding_dim, hidden_dim=hp.hidden_dim, chunk_dim=hp.chunk_dim,
                              bn_policy=ctx.bn_policy)
    return PartialHN(model=model, lookahead=lookahead, reg_coef=hp.reg_coef, task_lr=hp.task_lr,
                     reg_tasks_per_step=hp.reg_tasks_per_step, **ctx.common)


DECLARATION = Declaration(
    name="hn", label="HN-{k}", labels={0: "HN-F"}, depths=(0, 1, 2, 3, 4), hyperparameters=HNHyperparameters,
    build=_build, options=("lookahead",), first_experience="own", authors_bn="batch",
    # a step against Naive's (`phnlab bench`, quick) with first-order look-ahead; second order's multiple of it
    step_cost={0: 1.33, 1: 0.81, 2: 0.63, 3: 0.51, 4: 0.36},
    option_cost={"lookahead": {"second": {0: 3.1, 1: 2.45, 2: 1.97, 3: 1.5, 4: 1.02}}},
    description="partial hypernetwork HN-k (k = 0: the full hypernetwork HN-F)")
