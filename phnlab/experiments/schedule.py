"""How long a run will take, relative to the others: the order in which a sweep hands out its runs
(longest first) and the time-left estimate of its progress line."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["estimated_cost", "longest_first"]

# Relative cost of a run per training step (Naive = 1), by strategy and freeze depth, and HN's second-order
# look-ahead over its first order: whole quick runs (per-epoch curves included) in one book build on this
# project's 2-core CPU, one torch thread per run. Only orders and estimates depend on them.
_STEP_COST = {"naive": {0: 1.0}, "ewc": {0: 1.26},
              "lr": {0: 1.58, 1: 1.09, 2: 0.79, 3: 0.61, 4: 0.40},
              "hn": {0: 1.33, 1: 0.81, 2: 0.63, 3: 0.51, 4: 0.36}}
_SECOND_ORDER = {0: 3.1, 1: 2.45, 2: 1.97, 3: 1.5, 4: 1.02}
_TRANSFER_EXPERIENCES = 2
_UNKNOWN_TRAIN_PER_CLASS = 500  # a whole data set's split (paper): its size is not known before loading


def estimated_cost(spec) -> float:
    """Training steps of the run times the relative cost of one step (arbitrary units); 1 for anything
    that is not a RunSpec."""
    if not hasattr(spec, "resolved_preset"):
        return 1.0
    p = spec.resolved_preset()
    experiences = _TRANSFER_EXPERIENCES if spec.stream == "transfer" else p.num_experiences
    per_epoch = -(-(p.train_per_class or _UNKNOWN_TRAIN_PER_CLASS) * p.classes_per_experience // p.batch_size)
    step = _STEP_COST[spec.strategy][spec.freeze_depth]
    if spec.strategy == "hn" and spec.lookahead == "second":
        step *= _SECOND_ORDER[spec.freeze_depth]
    return experiences * p.epochs * per_epoch * step


def longest_first(specs: Iterable) -> list:
    """Longest-processing-time order (stable among equals): with N workers, the sweep ends within 4/3 of the
    shortest possible time, instead of idling N - 1 workers while a long run handed out last finishes."""
    return sorted(specs, key=estimated_cost, reverse=True)
