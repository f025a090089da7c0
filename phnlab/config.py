"""Configuration as dataclasses: presets and devices. The CLI and the book build the same ones."""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass, replace
from typing import Any

from .errors import BadInput

__all__ = ["Preset", "PRESETS", "get_preset", "resolve_device", "FREEZE_DEPTHS", "check_freeze_depth",
           "LOOKAHEAD_MODES", "check_lookahead", "BN_POLICIES", "check_bn_policy", "STREAM_KINDS", "parse_seeds"]

STREAM_KINDS = ("split", "noisy", "clean", "transfer")  # phnlab.data.streams builds each

FREEZE_DEPTHS = (0, 1, 2, 3, 4)
LOOKAHEAD_MODES = ("none", "first", "second")
PRECISIONS = ("fp32", "bf16")
# BatchNorm policies (phnlab.models.batchnorm): population (ours), running (the authors' LR),
# batch (the authors' HN); "authors" is their pairing: running for LR, batch for every other strategy.
BN_POLICIES = ("population", "running", "batch", "authors")


def check_bn_policy(policy: str) -> str:
    if policy not in BN_POLICIES:
        raise BadInput(f"bn_policy {policy!r} is not allowed; allowed: {', '.join(BN_POLICIES)}")
    return policy


@dataclass(frozen=True)
class Preset:
    """Everything a run needs besides the strategy: data sizes, schedule, optimiser, buffers, seeds."""

    name: str
    dataset: str  # data set of split / noisy streams
    transfer_pairs: tuple[tuple[str, str], ...]  # (first, second) data sets of the transfer study
    num_experiences: int  # split stream
    classes_per_experience: int
    train_per_class: int | None  # None: every training image of the class
    test_per_class: int | None
    epochs: int
    batch_size: int = 64
    eval_batch_size: int = 256
    lr: float = 1e-3
    # Adam lr of a hypernetwork's task-conditional parameters (task embedding, BatchNorm and bias
    # tables); None: `lr`. A new task can only move away from the previous one through these rows, and
    # at lr 1e-3 an embedding entry moves at most ~1e-3 per step: enough over the paper's ~4,000 steps
    # per experience, too little over the ~30 of the small presets.
    task_lr: float | None = None
    buffer_size: int = 200  # latent replay buffer (CIFAR-100: 200, TinyImageNet: 400)
    replay_batch_size: int = 64
    seeds: tuple[int, ...] = (0, 1, 2)
    embedding_dim: int = 32  # task embedding and MLP output width
    hidden_dim: int = 50
    chunk_dim: int = 32  # d: width of the per-output-channel lookup table
    reg_coef: float = 0.5  # λ of the output regulariser
    reg_tasks_per_step: int | None = None  # previous tasks sampled per regulariser step; None: all
    ewc_lambda: float = 1.0
    precision: str = "fp32"  # "bf16": autocast of the training forward (evaluation stays fp32)
    channels_last: bool = False  # NHWC memory format for the model and its inputs
    curve_every_epoch: bool = True  # accuracy on seen experiences after every epoch
    # per-epoch curves on the first n experiences' test sets only (None: every experience seen so far): a
    # curve point costs an evaluation of each test set it holds, and some figures draw only experience 1's
    curve_experiences: int | None = None
    # BatchNorm: "population" (frozen prefix on its exact training-set statistics, batch statistics
    # after it), "running" (momentum statistics everywhere, updated on every experience, frozen layers
    # too), "batch" (batch statistics everywhere, evaluation too) or "authors" (running for LR, batch
    # for the others). Under "batch" an accuracy depends on `eval_batch_size`.
    bn_policy: str = "population"
    transfer_classes: int | None = None  # classes per experience of the transfer stream; None: classes_per_experience

    def __post_init__(self):
        for key, (kinds, optional) in _numeric_fields().items():
            _check_number(key, getattr(self, key), kinds, optional)
        check_bn_policy(self.bn_policy)
        if self.precision not in PRECISIONS:
            raise BadInput(f"precision {self.precision!r} is not allowed; allowed: {', '.join(PRECISIONS)}")

    @classmethod
    def parse_override(cls, text: str) -> tuple[str, object]:
        """'FIELD=VALUE' from the command line → (field, value of the field's type)."""
        import ast
        import typing

        key, sep, raw = text.partition("=")
        hints = typing.get_type_hints(cls)
        if not sep or key not in hints or key == "name":
            allowed = ", ".join(sorted(k for k in hints if k != "name"))
            raise BadInput(f"--set expects FIELD=VALUE with a preset field; got {text!r}; fields: {allowed}")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        hint = hints[key]
        origin = typing.get_origin(hint)
        kinds = (origin,) if origin in (tuple, list) else tuple(
            t for t in typing.get_args(hint) or (hint,) if isinstance(t, type))  # X | None → (X, NoneType)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        as_tuple = lambda v: tuple(map(as_tuple, v)) if isinstance(v, (list, tuple)) else v  # noqa: E731
        value = as_tuple(value)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join("None" if t is type(None) else t.__name__ for t in kinds)
            raise BadInput(f"--set {key}: {raw!r} is not of type {names}")
        return key, value

    def with_overrides(self, **changes) -> "Preset":
        unknown = set(changes) - set(self.__dataclass_fields__)
        if unknown:
            allowed = ", ".join(sorted(self.__dataclass_fields__))
            raise BadInput(f"unknown preset field(s) {sorted(unknown)}; allowed: {allowed}")
        return replace(self, **changes)


# numeric preset fields that may be 0 (no replay buffer, no penalty); every other one must be positive
AT_LEAST_ZERO = ("buffer_size", "reg_coef", "ewc_lambda")


@functools.cache
def _numeric_fields() -> dict[str, tuple[tuple[type, ...], bool]]:
    """Preset fields typed int or float: (the types, whether None is allowed)."""
    import typing

    out = {}
    for key, hint in typing.get_type_hints(Preset).items():
        args = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
        kinds = tuple(t for t in args if t in (int, float))
        if kinds:
            out[key] = (kinds, type(None) in args)
    return out


def _check_number(key: str, value, kinds: tuple[type, ...], optional: bool) -> None:
    """One BadInput line, naming what is allowed, for a value of the wrong type or out of range."""
    if value is None and optional:
        return
    number = float in kinds
    if key in AT_LEAST_ZERO:
        allowed, fits = ("a number >= 0" if number else "an integer >= 0"), lambda v: v >= 0
    else:
        allowed, fits = ("a positive number" if number else "a positive integer"), lambda v: v > 0
    accepted = (int, float) if number else (int,)
    if isinstance(value, bool) or not isinstance(value, accepted) or not fits(value):
        raise BadInput(f"{key} must be {allowed}{' or None' if optional else ''}, got {value!r}")


TASK_LR_SHORT = 3e-2  # small presets: tens of steps per experience (see Preset.task_lr)

# Steps per experience measured as converged (chapter 9, `analysis.convergence`: the smallest count from which
# every measured doubling moves each model's learning accuracy by under 1 point; Naive, LR-2, HN-2, LR-4, HN-4,
# seed 0, 32-1,024 steps). None: not within the steps measured. Split Fashion-MNIST: Naive, LR-2, LR-4 and HN-4
# converged by 128-512; HN-2 moved +1.1 from 512 to 1,024 and +0.3 from 1,024 to 2,048, so 1,024.
CONVERGED_STEPS = {"fmnist": {"split": 1024}}
# The schedule the fmnist preset trains: the converged count where there is one, else the longest measured
# (every model within 1.1 points of its previous doubling there).
SCHEDULE_STEPS = {"fmnist": {"split": CONVERGED_STEPS["fmnist"]["split"] or 1024}}

# The paper's replay ratios, and which the small presets keep (chapter 8 measures the ones they do not):
# - kept: one replayed mini-batch of replay_batch_size = batch_size = 64 per step, replay coefficient c = 1;
# - not kept: ~4,000 steps per experience (quick: 32; 248 in chapter 8's regime study, where an LR-4 or HN-4
#   run took 7-8 min on one core of this project's 2-core CPU, so 1,000 steps would take ~30 min and 4,000
#   ~2 h per run), and 2 latents per class at the end of the stream
#   (quick: 200 for 30 classes, 6.7 per class; 2 per class raised LR-4's forgetting in chapter 8, but
#   quick keeps 200 so that its stored runs and chapter 7's memory figures stay those of Table 6's buffer).

# channels_last: the small presets, made for CPUs, keep images and convolutions in NHWC: on this project's
# 2-core CPU, one torch thread, a quick LR-4 run of 8 epochs trained in 37 s instead of 51 s (profiled).
# Float32 all the same, but its gradients are less exact on this CPU (relative error 3.3e-3 against a float64
# reference, NCHW 3.0e-4; docs/benchmarks.md). `paper` keeps NCHW (its benchmarks, and GPUs, not measured here).
PRESETS: dict[str, Preset] = {
    "ci": Preset(
        name="ci",
        dataset="synthetic",
        # (similar pair: same primitives and backgrounds, dissimilar pair: shapes vs textures)
        transfer_pairs=(("synthetic-shapes", "synthetic-glyphs"), ("synthetic-shapes", "synthetic-textures")),
        num_experiences=4,
        classes_per_experience=5,
        train_per_class=40,
        test_per_class=20,
        epochs=2,
        task_lr=TASK_LR_SHORT,
        buffer_size=100,
        seeds=(0,),
        channels_last=True,  # NHWC: see the note above PRESETS
    ),
    "quick": Preset(
        name="quick",
        dataset="synthetic",
        # (similar pair: same primitives and backgrounds, dissimilar pair: shapes vs textures)
        transfer_pairs=(("synthetic-shapes", "synthetic-glyphs"), ("synthetic-shapes", "synthetic-textures")),
        num_experiences=6,
        classes_per_experience=5,
        train_per_class=100,
        test_per_class=40,
        epochs=4,
        task_lr=TASK_LR_SHORT,
        buffer_size=200,
        seeds=(0, 1),
        channels_last=True,
    ),
    # The paper's regime on real images: split Fashion-MNIST (5 × 2 classes, 500 training images a class as
    # CIFAR-100 has), its noisy stream (4 × 2) and transfer pairs of real images (5 classes each side). The
    # schedule is the one measured as converged (`CONVERGED_STEPS`, chapter "Schedules"); the runs are
    # shipped in `book/store` because they take CPU-hours (docs/store.md).
    "fmnist": Preset(
        name="fmnist",
        dataset="fashionmnist",
        # (similar: Fashion-MNIST's 5 classes → its other 5; dissimilar: digits → Fashion-MNIST; synthetic → real)
        transfer_pairs=(("fashionmnist", "fashionmnist"), ("digits", "fashionmnist"),
                        ("synthetic-shapes", "fashionmnist")),
        num_experiences=5,
        classes_per_experience=2,
        train_per_class=500,
        test_per_class=500,
        epochs=SCHEDULE_STEPS["fmnist"]["split"] // 16,  # 1,000 images per experience: 16 steps an epoch
        task_lr=TASK_LR_SHORT,
        buffer_size=200,
        seeds=(0, 1, 2),
        channels_last=True,
        transfer_classes=5,
        curve_every_epoch=False,  # no chapter draws its learning curves: a curve point costs an evaluation
    ),
    "paper": Preset(
        name="paper",
        dataset="cifar100",
        transfer_pairs=(("cifar10", "cifar100"), ("gtsrb", "cifar100"), ("svhn", "fashionmnist")),
        num_experiences=20,
        classes_per_experience=5,
        train_per_class=None,
        test_per_class=None,
        epochs=100,
        buffer_size=200,
        seeds=(0, 1, 2),
    ),
}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise BadInput(f"unknown preset {name!r}; allowed: {', '.join(PRESETS)}") from None


def check_freeze_depth(k: int, allowed: tuple[int, ...] = FREEZE_DEPTHS) -> int:
    if not isinstance(k, int) or isinstance(k, bool) or k not in allowed:
        raise BadInput(f"freeze depth {k!r} is not allowed; allowed: {', '.join(map(str, allowed))}")
    return k


def check_lookahead(mode: str) -> str:
    if mode not in LOOKAHEAD_MODES:
        raise BadInput(f"unknown look-ahead mode {mode!r}; allowed: {', '.join(LOOKAHEAD_MODES)}")
    return mode


def resolve_device(name: str = "auto"):
    """'auto' → CUDA when present, else CPU; 'cuda' without a GPU is bad input."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise BadInput(f"device {name!r} asked for but no CUDA device is present; allowed here: auto, cpu")
        return torch.device(name)
    raise BadInput(f"unknown device {name!r}; allowed: auto, cpu, cuda, cuda:N")


def parse_seeds(seeds: Any) -> tuple[int, ...]:
    """``"0,1"`` / ``"0 1"`` / ``3`` / ``[0, 1]`` → a tuple of distinct non-negative ints."""
    if isinstance(seeds, str):
        parts = [p for p in seeds.replace(",", " ").split() if p]
    elif isinstance(seeds, int) and not isinstance(seeds, bool):
        parts = [seeds]
    else:
        try:
            parts = list(seeds)
        except TypeError:
            parts = [seeds]
    out: list[int] = []
    for p in parts:
        try:
            if isinstance(p, bool) or (not isinstance(p, (int, str))):
                raise ValueError
            s = int(p)
        except ValueError:
            raise BadInput(
                f"seeds {seeds!r} is not a list of integers; allowed: '' for the preset's seeds, "
                "or integers like 0,1,2"
            ) from None
        if s < 0:
            raise BadInput(f"seed {s} is negative; seeds must be integers >= 0")
        if s in out:
            raise BadInput(f"seed {s} is given twice in {seeds!r}; give each seed once")
        out.append(s)
    if not out:
        raise BadInput(f"seeds {seeds!r} holds no seed; give '' for the preset's seeds or integers like 0,1")
    return tuple(out)
