"""Experience replay ER, the replay baseline beside latent replay (reference, not in the paper): each step adds
c · cross-entropy on a mini-batch of raw training images of earlier experiences, drawn from a class-balanced
buffer as large as LR's and augmented as the current batch is."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..data.augment import prepare
from ..models.multitask import MultiTaskResNet
from .base import PhnTemplate
from .tensors import tensors_of
from .latent_replay import ClassBalancedBuffer
from .registry import Declaration

__all__ = ["ExperienceReplay", "DECLARATION"]


class ExperienceReplay(PhnTemplate):
    """ER on the multi-head ResNet. After every experience its training images (uint8, as stored) go into a
    class-balanced buffer of `buffer_size` images; each step adds `replay_coef` (c) times the cross-entropy of
    `replay_mb_size` replayed images, each prepared as its own experience's batches are (crop, flip, noise,
    normalisation), through the whole model and their tasks' heads."""

    def __init__(self, *, model, replay_coef: float = 1.0, buffer_size: int = 200, replay_mb_size: int = 64,
                 **kwargs):
        super().__init__(model=model, **kwargs)
        self.replay_coef, self.replay_mb_size = replay_coef, replay_mb_size
        self.buffer = ClassBalancedBuffer(buffer_size, self.generator)  # z: images [M, 3, 32, 32]
        self.sources: dict[int, tuple | None] = {}  # task id → (noise, mean, std); None: stored prepared

    def criterion(self):
        loss = self._criterion(self.mb_output, self.mb_y)
        if self.is_training and self.replay_coef > 0 and len(self.buffer):
            x, y, t = self.buffer.sample(self.replay_mb_size)
            with self.autocast():
                replayed = self.model(self.as_input(self.prepared(x, t)), t).float()
            loss = loss + self.replay_coef * self._criterion(replayed, y)
        return loss

    def prepared(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Replayed images as their experiences' training batches prepare them (float32 model input)."""
        out = torch.empty(x.shape, dtype=torch.float32, device=x.device)
        for task in torch.unique(t).tolist():
            rows, source = t == task, self.sources[task]
            out[rows] = x[rows].float() if source is None else prepare(
                x[rows], train=True, noise=source[0], mean=source[1], std=source[2], generator=self.generator)
        return out

    def _after_training_exp(self, **kwargs):
        self.store_images()
        super()._after_training_exp(**kwargs)

    @torch.no_grad()
    def store_images(self) -> None:
        """Add this experience's training images to the buffer."""
        view, task = tensors_of(self.experience), int(self.experience.task_label)
        if view is not None:
            e = view.experience
            x, y, self.sources[task] = e.train_x.to(self.device), e.train_y.to(self.device), (e.noise, e.mean, e.std)
        else:  # any Avalanche experience: its data set with its evaluation transforms, stored prepared
            loader = torch.utils.data.DataLoader(self.experience.dataset.eval(), batch_size=self.eval_mb_size)
            parts = [(xb, yb) for xb, yb, *_ in loader]
            x, y = torch.cat([p[0] for p in parts]).to(self.device), torch.cat([p[1] for p in parts]).to(self.device)
            self.sources[task] = None
        self.buffer.add(x, y, torch.full_like(y, task))

    def _assume_previous_tasks(self, current: int, generator: torch.Generator) -> None:
        """The buffer holds stand-in images of every earlier class."""
        c = self.model.num_classes
        per_class = -(-self.buffer.size // (current * c)) + 1
        y = torch.arange(c).repeat_interleave(per_class).repeat(current)
        t = torch.arange(current).repeat_interleave(c * per_class)
        x = torch.randint(0, 256, (len(y), 3, 32, 32), dtype=torch.uint8, generator=generator)
        self.sources = {task: (None, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)) for task in range(current)}
        self.buffer.add(x.to(self.device), y.to(self.device), t.to(self.device))

    def memory_bytes(self) -> int:
        """The stored images, as stored (uint8 from phnlab's tensors)."""
        return 0 if self.buffer.z is None else self.buffer.z.numel() * self.buffer.z.element_size()

    def state_tensors(self):
        yield from super().state_tensors()
        yield from (v for v in (self.buffer.z, self.buffer.y, self.buffer.t) if v is not None)

    def extra_state(self) -> dict:
        return {"buffer": self.buffer.state_dict(), "sources": dict(self.sources)}

    def load_extra_state(self, state: dict) -> None:
        self.buffer.load_state_dict({k: None if v is None else v.to(self.device) for k, v in state["buffer"].items()})
        self.sources = dict(state["sources"])


@dataclass(frozen=True)
class ERHyperparameters:
    buffer_size: int = field(default=200, metadata={"after_first": True, "zero_allowed": True})  # images kept: as many as LR's latents
    replay_batch_size: int = field(default=64, metadata={"after_first": True})  # replayed per step


def _build(ctx):
    model = MultiTaskResNet.for_run(ctx)
    hp = ctx.hyperparameters
    return ExperienceReplay(model=model, replay_coef=ctx.options["replay_coef"], buffer_size=hp.buffer_size,
                            replay_mb_size=hp.replay_batch_size, **ctx.common)


DECLARATION = Declaration(
    name="er", label="ER", depths=(0,), hyperparameters=ERHyperparameters, build=_build, options=("replay_coef",),
    first_experience="plain", authors_bn="batch",
    step_cost={0: 1.6},  # a Naive step plus a replayed batch through the whole model, as LR-0's (1.58)
    in_paper=False, description="experience replay of raw images, the replay baseline")
