"""The runs the book's chapters read, known before any chapter executes: the build computes them all in
one sweep, longest first, so that its workers are busy to the end instead of idling at the tail of each
chapter while one long run finishes; the chapters then read them from the results store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..experiments.spec import RunSpec
from ..experiments.sweeps import sweep_specs

__all__ = ["CHAPTER_SWEEPS", "chapter_specs", "estimated_cost", "longest_first"]

# chapter number → the sweeps its notebook runs (`sweep_specs(name, ...)`); tests/book check the notebooks
CHAPTER_SWEEPS: dict[str, tuple[str, ...]] = {
    "01": (),
    "02": ("transfer",),
    "03": ("noisy",),
    "04": ("table2", "figure8"),
    "05": ("table4", "table5"),
    "06": ("cossim",),
    "07": ("table2", "table4", "table5"),
    "08": ("why-replay",),
}

# Relative cost of one training step on the CPU (Naive = 1), by strategy and freeze depth: `phnlab bench`
# and whole quick runs on this project's 2-core machine. Only the order of the runs depends on it.
_STEP_COST = {"naive": {0: 1.0}, "ewc": {0: 1.05},
              "lr": {0: 1.0, 1: 0.85, 2: 0.6, 3: 0.4, 4: 0.3},
              "hn": {0: 1.1, 1: 0.9, 2: 0.6, 3: 0.4, 4: 0.35}}
_SECOND_ORDER_HNF = 4.0  # HN-F's second-order step over its first-order one
_TRANSFER_EXPERIENCES = 2


def chapter_specs(chapters: Iterable[str], preset: str, seeds: Sequence[int] | None = None) -> list[RunSpec]:
    """The distinct specs of the given chapters ("02", "04", ...), in chapter order."""
    seen, out = set(), []
    for chapter in chapters:
        for name in CHAPTER_SWEEPS.get(chapter, ()):
            for spec in sweep_specs(name, preset, tuple(seeds) if seeds else None):
                if spec.key() not in seen:
                    seen.add(spec.key())
                    out.append(spec)
    return out


def estimated_cost(spec: RunSpec) -> float:
    """Training steps of the run times the relative cost of one step (arbitrary units)."""
    p = spec.resolved_preset()
    experiences = _TRANSFER_EXPERIENCES if spec.stream == "transfer" else p.num_experiences
    per_epoch = -(-(p.train_per_class or 500) * p.classes_per_experience // p.batch_size)
    step = _STEP_COST[spec.strategy][spec.freeze_depth]
    if spec.strategy == "hn" and spec.freeze_depth == 0 and spec.lookahead == "second":
        step *= _SECOND_ORDER_HNF
    return experiences * p.epochs * per_epoch * step


def longest_first(specs: Iterable[RunSpec]) -> list[RunSpec]:
    """Longest-processing-time order: with N workers, the makespan stays within 4/3 of the best."""
    return sorted(specs, key=estimated_cost, reverse=True)
