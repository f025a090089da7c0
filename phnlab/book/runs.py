"""A chapter's runs: each distinct spec read from the results store or computed, with progress on the
book build's terminal (never on the page)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["run_specs", "runs_summary", "distinct"]


def distinct(specs: Iterable) -> list:
    """The specs without repeats (equal keys), first occurrence kept, in order."""
    seen, unique = set(), []
    for spec in specs:
        if spec.key() not in seen:
            seen.add(spec.key())
            unique.append(spec)
    return unique


def run_specs(specs: Iterable, params, *, runner=None) -> list:
    """Each distinct spec through `experiments.executors.run_specs` (stored ones are read, not
    recomputed), in order; RunResults. Progress goes to $PHNLAB_PROGRESS (the book build's terminal)."""
    from ..experiments import executors
    from ..experiments.progress import RunProgress

    if runner is None:
        from ..experiments import runner
    unique = distinct(specs)
    progress = RunProgress(unique)
    return executors.run_specs(unique, jobs=getattr(params, "jobs", 1), results_dir=params.results_dir,
                               device=params.device, data_root=params.data_root, quiet=True, run_fn=runner.run,
                               on_start=lambda i, spec: progress.start(spec),
                               on_result=lambda i, spec, result: progress.finish(spec, result))


def runs_summary(results: Sequence) -> str:
    """'12 runs: 3 trained now, 9 read from the results store; 4.2 min of training in all.'"""
    computed = sum(1 for r in results if r.computed)
    minutes = sum(r.metrics.get("wall_time_s", 0.0) for r in results) / 60
    return (f"{len(results)} runs: {computed} trained now, {len(results) - computed} read from the results store; "
            f"{minutes:.1f} min of training in all (stored wall times).")
