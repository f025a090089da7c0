"""What every phnlab strategy shares: an Avalanche `SupervisedTemplate` with a tensor fast path, and the
placeholder experience from which `phnlab bench` times a step.

On an Avalanche experience that carries phnlab tensors (`tensors.attach_tensors`), mini-batches are
slices of device-resident uint8 tensors, augmented on the device as whole batches; on any other
Avalanche task-incremental experience the template's own data loader is used unchanged.
The model is called task-aware (`model(x, task_ids)`); the optimiser (Adam) is made afresh for the
trainable parameters at the start of each experience.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

import torch
from avalanche.training.plugins.evaluation import default_evaluator
from avalanche.training.templates import SupervisedTemplate
from torch import Tensor, nn

from ..errors import BadInput
from .tensors import tensors_of

__all__ = ["PhnTemplate", "PlaceholderExperience"]


class PlaceholderExperience:
    """What a training step reads of the current Avalanche experience: its index and task label."""

    def __init__(self, index: int):
        self.current_experience = self.task_label = index

    def logging(self):  # Avalanche's evaluation plugin switches the experience to logging mode
        return self


class PhnTemplate(SupervisedTemplate):
    """Base of phnlab's strategies; subclasses add their loss or replace `training_epoch`.

    The constructor is `SupervisedTemplate`'s: `model`, `optimizer` (or `lr` for Adam), `criterion`
    (cross-entropy), `train_mb_size`, `train_epochs`, `eval_mb_size`, `device`, `plugins`, `evaluator`
    (Avalanche's default, so `eval()` returns its metrics) and `eval_every`; then phnlab's `seed`
    (augmentation and replay draws), `precision` ("fp32" | "bf16") and `channels_last`.

    The optimiser is one object for the whole stream, so a scheduler plugin holding it keeps acting. At
    the start of each experience its parameter groups are set to the trainable parameters and its state
    (Adam's moments) is cleared: each experience starts as with a fresh optimiser at the groups' current lr.

    Layers that normalise with batch statistics at evaluation (all of Naive's and EWC's, those after a
    frozen prefix under the default policy) make an accuracy depend on `eval_mb_size` and on what each
    evaluation batch holds; so the evaluation loader hands out every test set in one seeded random order
    (`make_eval_dataloader`), whatever order the benchmark gives it.
    """

    def __init__(self, *, model: nn.Module, optimizer: torch.optim.Optimizer | None = None, criterion=None,
                 lr: float | None = None, train_mb_size: int = 1, train_epochs: int = 1, eval_mb_size: int = 1,
                 device="cpu", plugins=None, evaluator=default_evaluator, eval_every: int = -1, seed: int = 0,
                 precision: str = "fp32", channels_last: bool = False):
        if (optimizer is None) == (lr is None):
            raise BadInput("give either an optimizer or lr (Adam's learning rate), not "
                           + ("both" if optimizer is not None else "neither"))
        super().__init__(
            model=model,
            optimizer=optimizer if optimizer is not None else torch.optim.Adam(model.parameters(), lr=lr),
            criterion=criterion if criterion is not None else nn.CrossEntropyLoss(),
            train_mb_size=train_mb_size,
            train_epochs=train_epochs,
            eval_mb_size=eval_mb_size,
            device=device,
            plugins=plugins,
            evaluator=evaluator,
            eval_every=eval_every,
        )
        self.seed = seed
        self.bf16, self.channels_last = precision == "bf16", channels_last
        if channels_last:
            self.model.to(memory_format=torch.channels_last)
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(seed)
        # the next experience's epochs, trained by another run (`experiments.first_experience`): None, or
        # an object whose `restore(strategy)` loads them (True) or not (False), and `save(strategy)` keeps them
        self.shared_epochs = None

    def _train_exp(self, experience, eval_streams=None, **kwargs):
        """The experience's epochs, or their outcome from `shared_epochs`; what follows the epochs (a
        freeze, a buffer, importances) is the strategy's own in either case."""
        shared, self.shared_epochs = self.shared_epochs, None
        if shared is not None and shared.restore(self):
            return
        super()._train_exp(experience, eval_streams, **kwargs)
        if shared is not None:
            shared.save(self)

    @property
    def lr(self) -> float:
        """The first parameter group's current learning rate."""
        return self.optimizer.param_groups[0]["lr"]

    # ---- the experience index seen by this strategy (0-based) -----------------------------------
    @property
    def experience_index(self) -> int:
        return int(self.experience.current_experience)

    # ---- data: fast path on phnlab tensors, Avalanche's loader otherwise -------------------------
    def make_train_dataloader(self, **kwargs):
        view = tensors_of(self.experience)
        if view is None:
            return super().make_train_dataloader(**kwargs)
        self.dataloader = view.batches("train", batch_size=self.train_mb_size, device=self.device, augment=True,
                                       generator=self.generator)

    def make_eval_dataloader(self, **kwargs):
        """The experience's test set in one fixed random order (seeded by the strategy's seed and the
        experience), so that each evaluation batch mixes classes whatever order the benchmark hands them out in
        (Avalanche's classic benchmarks sort an experience by class, and a layer that normalises with batch
        statistics collapses on a one-class batch); phnlab's own streams are stored in such an order."""
        view = tensors_of(self.experience)
        if view is not None:
            self.dataloader = view.batches("test", batch_size=self.eval_mb_size, device=self.device)
            return
        from avalanche.benchmarks.utils.data_loader import collate_from_data_or_kwargs

        order = torch.Generator().manual_seed(1_000_003 * self.seed + int(self.experience.current_experience))
        args = {"batch_size": self.eval_mb_size, "shuffle": True, "generator": order}
        collate_from_data_or_kwargs(self.adapted_dataset, args)
        self.dataloader = torch.utils.data.DataLoader(self.adapted_dataset, **args)

    def training_inputs(self):
        """The current experience's training inputs, unaugmented, batch by batch (BatchNorm calibration)."""
        view = tensors_of(self.experience)
        if view is not None:
            batches = view.batches("train", batch_size=self.eval_mb_size, device=self.device)
        else:
            batches = torch.utils.data.DataLoader(self.experience.dataset.eval(), batch_size=self.eval_mb_size)
        return (batch[0].to(self.device) for batch in batches)

    # ---- checkpoints: weights and state only, never a pickled strategy ----------------------------
    def extra_state(self) -> dict:
        """What a resumed run needs besides the model's weights (buffers, frozen flags, logs)."""
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass

    # ---- what the strategy keeps, and its state at a later experience -----------------------------
    def assume_experience(self, current: int, *, generator: torch.Generator) -> None:
        """Put the strategy into its state at the start of experience `current` (0-based) of a stream of
        equal tasks, as training would leave it, with stand-ins (drawn from `generator`) for what real data
        would have stored: the state `phnlab bench` times one step from."""
        self._assume_previous_tasks(current, generator)
        self.make_optimizer()  # afresh for the trainable parameters, as at the start of every experience
        self.experience = PlaceholderExperience(current)
        self.clock.train_exp_counter = current
        self.is_training, self._stop_training = True, False
        self.model.train()

    def _assume_previous_tasks(self, current: int, generator: torch.Generator) -> None:
        """What experiences 0..current-1 leave behind besides the weights (nothing, for Naive)."""

    def memory_bytes(self) -> int:
        """Table 6's memory: what the strategy stores for earlier tasks (float32 bytes)."""
        return 0

    def state_tensors(self) -> Iterator[Tensor]:
        """Every tensor the strategy keeps between steps: parameters, gradients, optimiser state and
        its own tables (subclasses add theirs)."""
        for param in self.model.parameters():
            yield param
            if param.grad is not None:
                yield param.grad
        for state in self.optimizer.state.values():
            yield from (v for v in state.values() if isinstance(v, Tensor))

    # ---- model and optimiser ----------------------------------------------------------------------
    def forward(self):
        with self.autocast():
            return self.model(self.as_input(self.mb_x), self.mb_task_id).float()

    def autocast(self):
        """bf16 autocast of the training forward when the preset asks for it (`precision = "bf16"`)."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16)

    def as_input(self, x: Tensor) -> Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last and x.ndim == 4 else x

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.model.parameters() if p.requires_grad]

    def optimizer_groups(self) -> list[list[nn.Parameter]]:
        """The trainable parameters by optimiser group (one group here; PartialHN has two)."""
        return [self.trainable_parameters()]

    def new_group_options(self, index: int) -> dict:
        """Options of a parameter group the given optimiser lacks (e.g. PartialHN's task-row lr)."""
        return {}

    def make_optimizer(self, **kwargs):
        """The same optimiser, its groups set to the trainable parameters and its state cleared."""
        groups, opt = self.optimizer_groups(), self.optimizer
        for i, params in enumerate(groups):
            if i < len(opt.param_groups):
                opt.param_groups[i]["params"] = list(params)
            else:
                opt.add_param_group({"params": list(params), **self.new_group_options(i)})
        del opt.param_groups[len(groups):]
        opt.state = defaultdict(dict)

    def model_adaptation(self, model=None):
        """phnlab's models have a head (or a task row) per task from the start; any other model (e.g. an
        Avalanche multi-head one) is adapted as Avalanche adapts it."""
        from ..hyper.model import PartialHyperModel
        from ..models.resnet import SlimResNet18

        model = model if model is not None else self.model
        if isinstance(model, (SlimResNet18, PartialHyperModel)):
            return model
        return super().model_adaptation(model)

    def _before_training_exp(self, **kwargs):
        self.check_experience()
        super()._before_training_exp(**kwargs)

    def check_experience(self) -> None:
        """Labels and task label of the current experience fit the model (one clear error otherwise)."""
        tasks = getattr(self.model, "num_tasks", getattr(self.model, "num_heads", None))
        classes = getattr(self.model, "num_classes", None)
        task = int(self.experience.task_label)
        if tasks is not None and not 0 <= task < tasks:
            raise BadInput(f"experience {self.experience_index} has task label {task}, but the model has "
                           f"{tasks} task(s); allowed: task labels 0..{tasks - 1}")
        view, dataset = tensors_of(self.experience), getattr(self.experience, "dataset", None)
        if view is not None:
            labels = view.experience.train_y
        elif dataset is not None:
            labels = torch.tensor(list(dataset.targets))
        else:
            return
        if classes is not None and len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) < classes:
            raise BadInput(f"experience {self.experience_index} has labels {int(labels.min())}..{int(labels.max())}, "
                           f"but the model has {classes} outputs per task; allowed: labels 0..{classes - 1} in each "
                           "task (Avalanche: nc_benchmark(..., class_ids_from_zero_in_each_exp=True))")


