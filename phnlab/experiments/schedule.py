"""How long a run will take, relative to the others: the order in which a sweep hands out its runs
(longest first) and the time-left estimate of its progress line."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["estimated_cost", "longest_first"]

# Relative cost of one training step on a CPU (Naive = 1), by strategy and freeze depth: `phnlab bench` and
# whole quick runs on this project's 2-core machine. Only orders and estimates depend on it.
_STEP_COST = {"naive": {0: 1.0}, "ewc": {0: 1.05},
              "lr": {0: 1.0, 1: 0.85, 2: 0.6, 3: 0.4, 4: 0.3},
              "hn": {0: 1.1, 1: 0.9, 2: 0.6, 3: 0.4, 4: 0.35}}
_SECOND_ORDER_HNF = 4.0  # HN-F's second-order step over its first-order one
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
    if spec.strategy == "hn" and spec.freeze_depth == 0 and spec.lookahead == "second":
        step *= _SECOND_ORDER_HNF
    return experiences * p.epochs * per_epoch * step


def longest_first(specs: Iterable) -> list:
    """Longest-processing-time order (stable among equals): with N workers, the sweep ends within 4/3 of the
    shortest possible time, instead of idling N - 1 workers while a long run handed out last finishes."""
    return sorted(specs, key=estimated_cost, reverse=True)
