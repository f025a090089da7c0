"""Joint training, the upper bound a reader compares against (not in the paper): each experience trains on the
union of every experience seen so far, with the same heads and the same epochs per experience."""

from __future__ import annotations

import torch

from ..data.augment import prepare
from ..models.multitask import MultiTaskResNet
from .base import PhnTemplate
from .tensors import tensors_of
from .registry import Declaration, NoHyperparameters

__all__ = ["Joint", "UnionBatches", "DECLARATION"]

_KEPT = ("train_x", "train_y", "task_id", "noise", "mean", "std")  # what an experience's training set is


class UnionBatches:
    """Shuffled mini-batches [x, y, t] over the training sets of several experiences, each image prepared
    (augmented, its experience's noise, normalised) as its own experience's batches prepare it."""

    def __init__(self, sets: list[dict], *, batch_size: int, device, generator: torch.Generator):
        self.sets = [{**s, "train_x": s["train_x"].to(device), "train_y": s["train_y"].to(device)} for s in sets]
        self.batch_size, self.generator = batch_size, generator
        sizes = [len(s["train_y"]) for s in self.sets]
        self.source = torch.cat([torch.full((n,), i) for i, n in enumerate(sizes)])  # [N] experience of each image
        self.index = torch.cat([torch.arange(n) for n in sizes])  # [N] its index there

    def __len__(self) -> int:
        return -(-len(self.index) // self.batch_size)

    def __iter__(self):
        order = torch.randperm(len(self.index), generator=self.generator, device=self.generator.device).cpu()
        for start in range(0, len(order), self.batch_size):
            pick = order[start:start + self.batch_size]
            xs, ys, ts = [], [], []
            for i, s in enumerate(self.sets):
                idx = self.index[pick[self.source[pick] == i]].to(s["train_y"].device)
                if len(idx):
                    xs.append(prepare(s["train_x"][idx], train=True, noise=s["noise"], mean=s["mean"], std=s["std"],
                                      generator=self.generator))
                    ys.append(s["train_y"][idx])
                    ts.append(torch.full_like(idx, s["task_id"]))
            yield [torch.cat(xs), torch.cat(ys), torch.cat(ts)]


class Joint(PhnTemplate):
    """Trains each experience on the union of the training sets of every experience so far (Avalanche's
    cumulative strategy); it keeps them all, which is its memory."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen: list[dict] = []  # the training sets of the experiences before this one

    def make_train_dataloader(self, **kwargs):
        view = tensors_of(self.experience)
        if view is None:  # any Avalanche experience: the union of the data sets (`train_dataset_adaptation`)
            return super().make_train_dataloader(**kwargs)
        self.dataloader = UnionBatches(self.seen + [_training_set(view.experience)], batch_size=self.train_mb_size,
                                       device=self.device, generator=self.generator)

    def train_dataset_adaptation(self, **kwargs):
        from avalanche.benchmarks.utils import concat_datasets

        super().train_dataset_adaptation(**kwargs)
        if tensors_of(self.experience) is None:
            self._datasets = getattr(self, "_datasets", []) + [self.experience.dataset]
            self.adapted_dataset = concat_datasets(self._datasets).train()

    def _after_training_exp(self, **kwargs):
        view = tensors_of(self.experience)
        if view is not None:
            self.seen.append(_training_set(view.experience))
        super()._after_training_exp(**kwargs)

    def _assume_previous_tasks(self, current: int, generator: torch.Generator) -> None:
        """Stand-in training sets (random images) of every earlier experience, as large as the batch."""
        n = self.train_mb_size
        self.seen = [{"train_x": torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=generator),
                      "train_y": torch.randint(0, self.model.num_classes, (n,), generator=generator), "task_id": t,
                      "noise": None, "mean": (0.5, 0.5, 0.5), "std": (0.25, 0.25, 0.25)} for t in range(current)]

    def memory_bytes(self) -> int:
        """The training sets it keeps (uint8 images and their labels)."""
        return sum(s["train_x"].numel() * s["train_x"].element_size() + s["train_y"].numel()
                   * s["train_y"].element_size() for s in self.seen)

    def state_tensors(self):
        yield from super().state_tensors()
        for s in self.seen:
            yield from (s["train_x"], s["train_y"])

    def extra_state(self) -> dict:
        return {"seen": [{**s, "train_x": s["train_x"].cpu(), "train_y": s["train_y"].cpu()} for s in self.seen]}

    def load_extra_state(self, state: dict) -> None:
        self.seen = list(state["seen"])


def _training_set(experience) -> dict:
    return {k: getattr(experience, k) for k in _KEPT}


def _build(ctx):
    model = MultiTaskResNet.for_run(ctx)
    return Joint(model=model, **ctx.common)


DECLARATION = Declaration(
    name="joint", label="Joint", depths=(0,), hyperparameters=NoHyperparameters, build=_build,
    first_experience="plain", authors_bn="batch",
    # a step costs Naive's; an epoch of experience i has i times its steps: 3x on average over 5 experiences
    step_cost={0: 3.0}, in_paper=False, description="joint training on every experience so far, the upper bound")
