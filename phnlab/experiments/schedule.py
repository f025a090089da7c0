"""How long a run will take, relative to the others: the order in which a sweep hands out its runs
(longest first) and the time-left estimate of its progress line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..metrics import busy_seconds
from ..strategies import registry

__all__ = ["estimated_cost", "training_steps", "measured_step_costs", "first_shared", "records_curves", "run_order",
           "longest_first", "seconds_per_unit", "estimate_seconds"]

_UNKNOWN_TRAIN_PER_CLASS = 500  # a whole data set's split (paper): its size is not known before loading


def _kind(spec) -> tuple:
    """What a step's cost depends on: the strategy, its freeze depth and its options."""
    options = registry.identity(spec.strategy).options
    return spec.strategy, spec.freeze_depth, tuple((o, getattr(spec, o)) for o in options)


def training_steps(spec) -> tuple[int, int]:
    """(training steps of the run, those of its experience 1)."""
    p = spec.resolved_preset()
    experiences, classes = p.stream_shape(spec.stream)
    per_epoch = p.steps_per_epoch(spec.stream) or -(-_UNKNOWN_TRAIN_PER_CLASS * classes // p.batch_size)
    return experiences * p.epochs * per_epoch, p.epochs * per_epoch


def estimated_cost(spec, *, first_shared: bool = False, step_costs: dict | None = None) -> float:
    """Training steps of the run times the relative cost of one step (units of a Naive step); 1 for anything
    that is not a RunSpec. `first_shared`: experience 1's epochs come from another run (`first_experience`).
    A step's cost is the one measured on stored runs of its kind (`step_costs`, `measured_step_costs`), else
    the strategy file's estimate (`phnlab bench`)."""
    if not hasattr(spec, "resolved_preset"):
        return 1.0
    steps, first = training_steps(spec)
    step = (step_costs or {}).get(_kind(spec))
    if step is None:
        step = registry.step_cost(spec.strategy, spec.freeze_depth, {"lookahead": spec.lookahead,
                                                                     "replay_coef": spec.replay_coef})
    cost = steps * step
    if first_shared:  # experience 1 trains the whole model, about as a Naive step (cost 1) does
        cost = max(cost - first, cost / (2 * (steps // first)))
    return cost


def measured_step_costs(measured: Iterable[tuple[object, dict]]) -> dict[tuple, float]:
    """A step's cost against Naive's for each kind of stored run (strategy, depth, options): per device, the
    median training seconds per step (curve points left out) of the kind over Naive's there; the median
    over the devices that have both. Kinds with no Naive run beside them on a device are not measured."""
    import statistics

    per_step: dict[tuple, dict[tuple, list[float]]] = {}
    for spec, m in measured:
        if not hasattr(spec, "resolved_preset") or not m.get("wall_time_s"):
            continue
        wall, curves = float(m["wall_time_s"]), sum(m.get("curve_eval_s") or ())  # curve points: wall seconds
        seconds = busy_seconds(m) * (1 - curves / wall)  # the busy share of training without them
        per_step.setdefault(m.get("device", "?"), {}).setdefault(_kind(spec), []).append(
            seconds / training_steps(spec)[0])
    ratios: dict[tuple, list[float]] = {}
    for kinds in per_step.values():
        naive = kinds.get(("naive", 0, ()))
        if naive:
            for kind, times in kinds.items():
                ratios.setdefault(kind, []).append(statistics.median(times) / statistics.median(naive))
    return {kind: statistics.median(r) for kind, r in ratios.items()}


def first_shared(specs: Sequence) -> list[bool]:
    """For each spec, whether an earlier one of `specs` trains its experience 1 alike
    (`first_experience.shared_key`), so that it can load those epochs instead of training them. The one
    that trains them is a group's longest run that records per-epoch curves (a run without them loads
    those of a run with them, not the other way round), else its longest run."""
    from .first_experience import shared_key

    keys = [shared_key(s) if hasattr(s, "resolved_preset") else None for s in specs]
    order = sorted(range(len(specs)), key=lambda i: (records_curves(specs[i]), estimated_cost(specs[i])), reverse=True)
    seen, out = set(), [False] * len(specs)
    for i in order:
        out[i] = keys[i] is not None and keys[i] in seen
        seen.add(keys[i])
    return out


def records_curves(spec) -> bool:
    return not hasattr(spec, "resolved_preset") or bool(spec.resolved_preset().curve_every_epoch)


def run_order(specs: Sequence) -> list[int]:
    """Indices of `specs` in the order to compute them: first one run of each experience-1 group, longest
    first, so that the group's other runs, handed out later, find its experience 1 stored; then those
    others, longest first. Longest-processing-time order keeps N workers busy to the end (within 4/3 of
    the shortest possible time) instead of idling N - 1 of them while a long run handed out last finishes."""
    shared = first_shared(specs)
    cost = [estimated_cost(s, first_shared=f) for s, f in zip(specs, shared)]
    return sorted(range(len(specs)), key=lambda i: (not shared[i], cost[i]), reverse=True)


def longest_first(specs: Iterable) -> list:
    """`specs` in `run_order` (stable among equals)."""
    specs = list(specs)
    return [specs[i] for i in run_order(specs)]


# Seconds per unit of `estimated_cost` when nothing stored can calibrate it: a Naive step of the slim
# ResNet-18 at batch 64 on one thread of this project's 2-core CPUs (0.16-0.77 s measured, docs/benchmarks.md).
DEFAULT_SECONDS_PER_UNIT = 0.3


def seconds_per_unit(measured: Iterable[tuple[object, dict]], step_costs: dict | None = None) -> tuple[float, int]:
    """(seconds per cost unit, runs it was fitted on): a least-squares line through the origin of the stored
    runs' training time (`metrics.busy_seconds`, experience 1's loaded epochs included) against their estimated
    cost; DEFAULT_SECONDS_PER_UNIT when none is usable."""
    pairs = [(estimated_cost(spec, step_costs=step_costs), busy_seconds(m)) for spec, m in measured
             if hasattr(spec, "resolved_preset") and m.get("wall_time_s")]
    den = sum(c * c for c, _ in pairs)
    if not den:
        return DEFAULT_SECONDS_PER_UNIT, 0
    return sum(c * t for c, t in pairs) / den, len(pairs)


def estimate_seconds(todo: Sequence, per_unit: float, jobs: int = 1, step_costs: dict | None = None) -> float:
    """Wall seconds for `todo` on `jobs` workers: the larger of the total shared among the workers and the
    longest single run."""
    shared = first_shared(todo)
    costs = [estimated_cost(s, first_shared=f, step_costs=step_costs) * per_unit for s, f in zip(todo, shared)]
    return max(sum(costs) / max(1, jobs), max(costs, default=0.0))
