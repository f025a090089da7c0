"""Steady-state cost of one training step of each strategy, on the strategies' own hot path.

Every strategy is built with `make_strategy` and put directly into the state it has at
experience T (0-based index T − 1) of a stream: T − 1 previous tasks, EWC importances for every
previous experience, LR-4's prefix frozen and its buffer filled with latents of the right shape,
the hypernetwork's output regulariser over the T − 1 previous task ids (targets computed once).
No data set is read: a mini-batch is random tensors [64, 3, 32, 32] and random labels.

A step is timed inside Avalanche's own `training_epoch` loop (`sgd_update.SGDUpdate`): the
strategy's data loader is replaced by `_TimedBatches`, which stamps the clock each time the loop
asks for the next mini-batch, so the interval between two stamps is exactly one iteration of the
real loop (unpack, plugin callbacks, zero_grad, forward, criterion, backward, optimizer_step).
Strategies are timed in interleaved rounds (one step of each per round) so that a slow spell of a
shared machine hits every strategy alike; each reported time is the median over the rounds, after
warm-up steps that are not counted.
"""

from __future__ import annotations

import gc
import math
import platform
import resource
import statistics
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable

import torch

from . import paper
from .config import get_preset, resolve_device
from .errors import BadInput
from .machine import machine_load
from .strategies import registry

__all__ = [
    "Case", "CASES", "RATIOS", "TARGETS", "SCALING_PREVIOUS", "DEFAULT_REPEATS", "DEFAULT_WARMUP",
    "check_bench_args", "prepare_strategy", "random_batch", "time_steps", "time_eval", "run_bench",
    "paper_ratios", "run_scaling", "state_bytes", "PRESET", "DEFAULT_TASKS", "STREAM_CASES", "run_stream_costs",
]

DEFAULT_TASKS = 20
DEFAULT_REPEATS = 15  # the default run: docs/benchmarks.md gives its duration on this project's CPU
DEFAULT_WARMUP = 2
SCALING_PREVIOUS = (2, 5, 20, 50, 100)  # previous tasks of the --scaling study (HN-F, first order)
PRESET = "paper"  # batch 64, eval batch 256, buffer 200, 5 classes per experience, Adam 1e-3, λ = 0.5


@dataclass(frozen=True)
class Case:
    """One row of the benchmark: a strategy as `make_strategy` builds it."""

    label: str
    strategy: str
    freeze_depth: int = 0
    lookahead: str = "first"


CASES: tuple[Case, ...] = (
    Case("Naive", "naive"),
    Case("EWC", "ewc"),
    Case("LR-4", "lr", 4),
    Case("HN-F none", "hn", 0, "none"),
    Case("HN-F first", "hn", 0, "first"),
    Case("HN-F second", "hn", 0, "second"),
    Case("HN-4 none", "hn", 4, "none"),
    Case("HN-4 first", "hn", 4, "first"),
    Case("HN-4 second", "hn", 4, "second"),
)
CASES += tuple(Case(registry.label(r.name, r.depths[0]), r.name, r.depths[0]) for r in registry.references())
# The whole-run time model of a split stream (`run_stream_costs`): every partial hypernetwork under every update
STREAM_CASES: tuple[Case, ...] = tuple(Case(f"HN-{k or 'F'} {mode}", "hn", k, mode) for k in range(5)
                                       for mode in ("none", "first", "second"))
# Evaluation throughput depends on the model only (the look-ahead mode changes training alone).
EVAL_CASES = {"Naive": "Naive", "EWC": "EWC", "LR-4": "LR-4", "HN-F": "HN-F first", "HN-4": "HN-4 first"}

# ratio name -> (numerator row, denominator row). HN rows in "× Naive" ratios use first-order
# look-ahead, the setting of the paper's Table 2.
RATIOS: dict[str, tuple[str, str]] = {
    "lookahead_first_over_none_hnf": ("HN-F first", "HN-F none"),
    "lookahead_first_over_none_hn4": ("HN-4 first", "HN-4 none"),
    "second_over_first_hnf": ("HN-F second", "HN-F first"),
    "second_over_first_hn4": ("HN-4 second", "HN-4 first"),
    "hnf_over_naive": ("HN-F first", "Naive"),
    "hn4_over_naive": ("HN-4 first", "Naive"),
    "lr4_over_naive": ("LR-4", "Naive"),
}
# The project's performance targets (upper bounds). `lookahead_first_over_none` is the larger of the
# HN-F and HN-4 ratios.
TARGETS: dict[str, float] = {
    "lookahead_first_over_none": 1.10,
    "second_over_first_hnf": 2.5,
    "second_over_first_hn4": 1.2,
    "hnf_over_naive": 1.5,
    "hn4_over_naive": 0.5,
    "lr4_over_naive": 0.5,
}


def paper_ratios() -> dict[str, tuple[float, float]]:
    """The same ratios from the paper's running times (minutes, whole CIFAR-100 runs, GPU): (low, high)."""
    t2 = paper.TABLE2["cifar100"]
    first_none = [paper.TABLE4[k]["first"][2] / paper.TABLE4[k]["none"][2] for k in paper.TABLE4]
    point = lambda v: (v, v)  # noqa: E731
    return {
        "lookahead_first_over_none": (min(first_none), max(first_none)),
        "lookahead_first_over_none_hnf": point(paper.TABLE4[0]["first"][2] / paper.TABLE4[0]["none"][2]),
        "lookahead_first_over_none_hn4": point(paper.TABLE4[4]["first"][2] / paper.TABLE4[4]["none"][2]),
        "second_over_first_hnf": point(paper.TABLE5[0]["second"][2] / paper.TABLE5[0]["first"][2]),
        "second_over_first_hn4": point(paper.TABLE5[4]["second"][2] / paper.TABLE5[4]["first"][2]),
        "hnf_over_naive": point(t2["HN-F"]["minutes"] / t2["Naive"]["minutes"]),
        "hn4_over_naive": point(t2["HN-4"]["minutes"] / t2["Naive"]["minutes"]),
        "lr4_over_naive": point(t2["LR-4"]["minutes"] / t2["Naive"]["minutes"]),
    }


def check_bench_args(*, tasks: int, repeats: int, warmup: int = DEFAULT_WARMUP, batch_size: int | None = None,
                     eval_batch_size: int | None = None) -> None:
    if not isinstance(tasks, int) or tasks < 2:
        raise BadInput(f"--tasks must be an integer >= 2 (the step at task T has T-1 previous tasks), got {tasks!r}")
    if not isinstance(repeats, int) or repeats < 1:
        raise BadInput(f"--repeats must be an integer >= 1, got {repeats!r}")
    if not isinstance(warmup, int) or warmup < 0:
        raise BadInput(f"--warmup must be an integer >= 0, got {warmup!r}")
    for name, v in (("--batch-size", batch_size), ("--eval-batch-size", eval_batch_size)):
        if v is not None and (not isinstance(v, int) or v < 2):
            raise BadInput(f"{name} must be an integer >= 2 (batch statistics need two samples), got {v!r}")


# ---- the state at experience T ------------------------------------------------------------------
def prepare_strategy(case: Case, *, tasks: int, device, preset=None, seed: int = 0):
    """`make_strategy(...)` put into its state at the experience with `tasks - 1` previous tasks
    (`PhnTemplate.assume_experience`: each strategy sets up its own state)."""
    from .strategies import make_strategy

    preset = preset or get_preset(PRESET)
    s = make_strategy(case.strategy, preset=preset, num_tasks=tasks, num_classes=preset.classes_per_experience,
                      device=device, seed=seed, freeze_depth=case.freeze_depth, lookahead=case.lookahead)
    s.model.to(s.device)
    s.assume_experience(tasks - 1, generator=torch.Generator(device="cpu").manual_seed(seed + 1))
    return s


def random_batch(n: int, *, classes: int, task: int, device, seed: int = 0) -> list[torch.Tensor]:
    """[x, y, t] as the training loop receives it: normalised images, labels, task ids."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    x = torch.randn(n, 3, 32, 32, generator=g)
    y = torch.randint(0, classes, (n,), generator=g)
    return [x.to(device), y.to(device), torch.full((n,), task, device=device)]


# ---- timing ----------------------------------------------------------------------------------------
def _sync(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


class _TimedBatches:
    """A data loader that yields one mini-batch `n` times and stamps the clocks (wall, and CPU time
    of this process over all its threads) before each."""

    def __init__(self, batch: list[torch.Tensor], n: int, device):
        self.batch, self.n, self.device = batch, n, device
        self.stamps: list[tuple[float, float]] = []

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        for _ in range(self.n):
            _sync(self.device)
            self.stamps.append((time.perf_counter(), time.process_time()))
            yield list(self.batch)
        _sync(self.device)
        self.stamps.append((time.perf_counter(), time.process_time()))  # the loop asked for more: done


def time_steps(strategy, batch: list[torch.Tensor], n: int = 1) -> list[tuple[float, float]]:
    """(wall seconds, process CPU seconds) of each of `n` iterations of the strategy's own
    `training_epoch` on `batch`."""
    loader = _TimedBatches(batch, n, strategy.device)
    strategy.dataloader = loader
    strategy.training_epoch()
    strategy.dataloader = []
    return [(b[0] - a[0], b[1] - a[1]) for a, b in zip(loader.stamps, loader.stamps[1:])]


def time_eval(strategy, *, batch_size: int, repeats: int, warmup: int = 1, seed: int = 0) -> float:
    """Images per second of `strategies.predict` (the runner's evaluation) on one batch, median."""
    from .strategies import predict
    from .strategies.tensors import TensorView

    task = int(strategy.experience.task_label)
    g = torch.Generator(device="cpu").manual_seed(seed)
    x = torch.randint(0, 256, (batch_size, 3, 32, 32), dtype=torch.uint8, generator=g).to(strategy.device)
    y = torch.randint(0, 5, (batch_size,), generator=g).to(strategy.device)
    # an experience of the shape phnlab.data.streams makes: uint8 images on the device, normalised per batch
    view = TensorView(SimpleNamespace(train_x=x, train_y=y, test_x=x, test_y=y, task_id=task, noise=None,
                                      mean=(0.5071, 0.4865, 0.4409), std=(0.2673, 0.2564, 0.2762)))
    times = []
    for i in range(warmup + repeats):
        _sync(strategy.device)
        t0 = time.perf_counter()
        predict(strategy.model, view, batch_size=batch_size, device=strategy.device)
        _sync(strategy.device)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return batch_size / statistics.median(times)


def state_bytes(strategy) -> int:
    """Bytes a strategy keeps on its device between steps (`state_tensors`, each tensor once)."""
    seen, total = set(), 0
    for t in strategy.state_tensors():
        if id(t) not in seen:
            seen.add(id(t))
            total += t.numel() * t.element_size()
    return total


def _step_peak_bytes(strategy, batch) -> int | None:
    """CUDA: memory a step allocates beyond what is resident before it (None on CPU)."""
    if strategy.device.type != "cuda":
        return None
    torch.cuda.synchronize(strategy.device)
    base = torch.cuda.memory_allocated(strategy.device)
    torch.cuda.reset_peak_memory_stats(strategy.device)
    time_steps(strategy, batch, 1)
    return torch.cuda.max_memory_allocated(strategy.device) - base


def _ratios(times: dict[str, list[float]]) -> dict[str, float]:
    """Each ratio as the median over rounds of the ratio within a round: both steps of a pair ran
    seconds apart, so a slow spell of a shared machine cancels out of each round's ratio."""
    out = {name: statistics.median([x / max(y, 1e-9) for x, y in zip(times[a], times[b])])
           for name, (a, b) in RATIOS.items() if a in times and b in times}
    firsts = [out[k] for k in ("lookahead_first_over_none_hnf", "lookahead_first_over_none_hn4") if k in out]
    if firsts:
        out["lookahead_first_over_none"] = max(firsts)
    return out


def _median_ms(times: list[float]) -> float:
    return 1000 * statistics.median(times)


def _device_name(dev: torch.device) -> str:
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    n = torch.get_num_threads()
    return f"{platform.processor() or platform.machine()} CPU, {n} thread{'s' if n != 1 else ''}"


def run_bench(*, device="auto", tasks: int = DEFAULT_TASKS, repeats: int = DEFAULT_REPEATS,
              warmup: int = DEFAULT_WARMUP, scaling: bool = False, scaling_previous=SCALING_PREVIOUS,
              eval_repeats: int | None = None, cases: tuple[Case, ...] = CASES, batch_size: int | None = None,
              eval_batch_size: int | None = None, log: Callable[[str], None] | None = None,
              overrides: dict | None = None, preset_name: str = PRESET) -> dict:
    """Time every case at the experience with `tasks - 1` previous tasks; one dict of results.

    Batch sizes default to `preset_name`'s (the paper's: 64 and 256); smaller ones are for smoke tests.
    `overrides`: other preset fields, e.g. {"channels_last": True} or {"precision": "bf16"}.
    """
    check_bench_args(tasks=tasks, repeats=repeats, warmup=warmup, batch_size=batch_size,
                     eval_batch_size=eval_batch_size)
    dev = resolve_device(device)
    log = log or (lambda msg: None)
    start = time.perf_counter()
    load_before = machine_load()
    preset = get_preset(preset_name)
    preset = preset.with_overrides(**{**(overrides or {}), "batch_size": batch_size or preset.batch_size,
                                      "eval_batch_size": eval_batch_size or preset.eval_batch_size})
    current = tasks - 1
    batch = random_batch(preset.batch_size, classes=preset.classes_per_experience, task=current, device=dev)

    log(f"building {len(cases)} strategies at task {tasks} ({current} previous) on {dev}")
    strategies = {c.label: prepare_strategy(c, tasks=tasks, device=dev, preset=preset) for c in cases}
    for label, s in strategies.items():
        if warmup:
            time_steps(s, batch, warmup)
    times: dict[str, list[float]] = {c.label: [] for c in cases}
    cpu: dict[str, list[float]] = {c.label: [] for c in cases}
    gc.collect()
    for r in range(repeats):  # interleaved rounds: one step of every strategy per round
        for label, s in strategies.items():
            (wall, cpu_s), = time_steps(s, batch, 1)
            times[label].append(wall)
            cpu[label].append(cpu_s)
        log(f"round {r + 1}/{repeats}: " + ", ".join(f"{k} {1000 * v[-1]:.0f}" for k, v in times.items()) + " ms")

    step_ms = {k: _median_ms(v) for k, v in times.items()}
    cpu_ms = {k: _median_ms(v) for k, v in cpu.items()}
    quartiles = {k: [1000 * q for q in (statistics.quantiles(v, n=4)[::2] if len(v) > 1 else (v[0], v[0]))]
                 for k, v in times.items()}
    state_mb = {k: state_bytes(s) / 2**20 for k, s in strategies.items()}
    cuda_peak = torch.cuda.max_memory_allocated(dev) if dev.type == "cuda" else 0  # before the resets below
    step_peak = {k: _step_peak_bytes(s, batch) for k, s in strategies.items()}

    n_eval = eval_repeats if eval_repeats is not None else max(2, min(5, repeats // 3))
    eval_ips = {}
    for name, label in EVAL_CASES.items():
        if label in strategies:
            log(f"evaluation throughput: {name}")
            eval_ips[name] = time_eval(strategies[label], batch_size=preset.eval_batch_size, repeats=n_eval,
                                       warmup=1 if warmup else 0)
    del strategies
    gc.collect()

    ratios = _ratios(times)

    result = {
        "device": str(dev), "preset": preset_name,
        "device_name": _device_name(dev),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "tasks": tasks,
        "previous_tasks": current,
        "repeats": repeats,
        "warmup": warmup,
        "batch_size": preset.batch_size,
        "eval_batch_size": preset.eval_batch_size,
        "overrides": {k: v for k, v in (overrides or {}).items()},
        "step_ms": step_ms,
        "step_ms_quartiles": quartiles,
        "steps_per_s": {k: 1000 / v for k, v in step_ms.items()},
        "step_cpu_ms": cpu_ms,  # CPU time of the process (all threads): a cross-check on a busy machine
        "ratios_cpu_time": _ratios(cpu),
        "ratios_of_medians": {name: step_ms[a] / step_ms[b] for name, (a, b) in RATIOS.items()
                              if a in step_ms and b in step_ms},
        "eval_images_per_s": eval_ips,
        "state_mb": state_mb,
        "step_peak_mb": {k: None if v is None else v / 2**20 for k, v in step_peak.items()},
        **ratios,
        "targets": {},
    }
    paper_r = paper_ratios()
    for name, bound in TARGETS.items():
        if name in ratios:
            result["targets"][name] = {"value": ratios[name], "target": bound, "met": ratios[name] <= bound,
                                       "paper": list(paper_r[name])}
    if scaling:
        result["scaling"] = run_scaling(device=dev, previous=scaling_previous, repeats=max(3, min(repeats, 8)),
                                        warmup=max(1, warmup), preset=preset, log=log)
    if dev.type == "cuda":
        result["peak_memory_kind"] = "CUDA max allocated"
        result["peak_memory_mb"] = max(cuda_peak, torch.cuda.max_memory_allocated(dev)) / 2**20
    else:
        result["peak_memory_kind"] = "process peak RSS"
    result["process_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    if dev.type != "cuda":
        result["peak_memory_mb"] = result["process_peak_rss_mb"]
    result["wall_s"] = time.perf_counter() - start
    result["machine_load"] = {"before": load_before, "after": machine_load()}
    _check_finite(result)
    return result


def run_scaling(*, device, previous=SCALING_PREVIOUS, repeats: int = 5, warmup: int = 1, preset=None,
                batch_size: int | None = None, log: Callable[[str], None] | None = None) -> dict:
    """HN-F (first-order look-ahead) step time against the number of previous tasks, in interleaved
    rounds with a Naive step as the reference (its ratio is the median of per-round ratios)."""
    preset = preset or get_preset(PRESET)
    if batch_size is not None:
        preset = preset.with_overrides(batch_size=batch_size)
    log = log or (lambda msg: None)
    dev = resolve_device(device) if isinstance(device, str) else device
    case = Case("HN-F first", "hn", 0, "first")
    runs = {"Naive": (prepare_strategy(Case("Naive", "naive"), tasks=2, device=dev, preset=preset),
                      random_batch(preset.batch_size, classes=preset.classes_per_experience, task=1, device=dev))}
    for p in previous:
        runs[p] = (prepare_strategy(case, tasks=p + 1, device=dev, preset=preset),
                   random_batch(preset.batch_size, classes=preset.classes_per_experience, task=p, device=dev))
    for s, batch in runs.values():
        time_steps(s, batch, warmup)
    times = {k: [] for k in runs}
    for r in range(repeats):
        for k, (s, batch) in runs.items():
            times[k].append(time_steps(s, batch, 1)[0][0])
        log(f"scaling round {r + 1}/{repeats}: " + ", ".join(f"{k} {1000 * v[-1]:.0f}" for k, v in times.items())
            + " ms")
    rows = [{"previous_tasks": p, "step_ms": _median_ms(times[p]), "state_mb": state_bytes(runs[p][0]) / 2**20,
             "over_naive": statistics.median([a / b for a, b in zip(times[p], times["Naive"])])} for p in previous]
    return {"case": case.label, "repeats": repeats, "naive_step_ms": _median_ms(times["Naive"]), "rows": rows}


def run_stream_costs(*, device="auto", preset_name: str = "fmnist", cases: tuple[Case, ...] = STREAM_CASES,
                     repeats: int = 9, warmup: int = 2, log: Callable[[str], None] | None = None) -> dict:
    """The training-step time of each case at every experience of `preset_name`'s split stream, in interleaved
    rounds within one window: what a whole run's training costs (the steps of an experience times the sum over
    experiences), for runs whose own wall times were measured under different loads. Experience 1 trains the prefix
    and has no regulariser, so the update does not matter there: it is timed once per model and shared."""
    check_bench_args(tasks=2, repeats=repeats, warmup=warmup)
    dev = resolve_device(device)
    log = log or (lambda msg: None)
    start, load_before = time.perf_counter(), machine_load()
    preset = get_preset(preset_name)
    experiences, classes = preset.stream_shape("split")
    step_ms: dict[str, list[float]] = {c.label: [] for c in cases}
    for current in range(experiences):
        timed = {c.label: c for c in cases} if current else {c.label: c for c in dict(
            ((c.strategy, c.freeze_depth), c) for c in cases).values()}  # one update per model in experience 1
        batch = random_batch(preset.batch_size, classes=classes, task=current, device=dev)
        strategies = {label: prepare_strategy(c, tasks=current + 1, device=dev, preset=preset)
                      for label, c in timed.items()}
        for s in strategies.values():
            if warmup:
                time_steps(s, batch, warmup)
        times: dict[str, list[float]] = {label: [] for label in strategies}
        for _ in range(repeats):
            for label, s in strategies.items():
                times[label].append(time_steps(s, batch, 1)[0][0])
        for c in cases:
            shared = next(label for label, t in timed.items() if (t.strategy, t.freeze_depth) ==
                          (c.strategy, c.freeze_depth))
            step_ms[c.label].append(_median_ms(times[c.label if c.label in times else shared]))
        log(f"experience {current + 1}/{experiences}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in step_ms.items())
            + " ms")
        del strategies
        gc.collect()
    per_epoch = preset.steps_per_epoch("split")  # None: a whole data set's split, its size unknown here
    result = {"device": str(dev), "device_name": _device_name(dev), "torch": torch.__version__,
              "threads": torch.get_num_threads(), "preset": preset_name, "experiences": experiences,
              "steps_per_experience": preset.epochs * per_epoch if per_epoch else None, "repeats": repeats,
              "warmup": warmup, "batch_size": preset.batch_size, "step_ms": step_ms,
              "wall_s": time.perf_counter() - start, "machine_load": {"before": load_before, "after": machine_load()}}
    _check_finite({"step_ms": {f"{k} at experience {i + 1}": v for k, vs in step_ms.items() for i, v in enumerate(vs)}})
    return result


def _check_finite(result: dict) -> None:
    for k, v in result["step_ms"].items():
        if not (math.isfinite(v) and v > 0):
            raise RuntimeError(f"step time of {k} is not a positive finite number: {v}")
