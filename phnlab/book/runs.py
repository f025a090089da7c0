"""A chapter's runs: each distinct spec read from the results store or computed, with progress on the
book build's terminal (never on the page)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["run_specs", "runs_with_data", "split_by_data", "runs_summary", "distinct", "companion_runs", "companion_summary"]


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


def split_by_data(specs: Iterable, results_dir, data_root=None) -> tuple[list, str]:
    """(the distinct specs that are stored or whose data sets are present, one line naming the others, '' when
    none): a run whose data is missing is not computed, and its section says what to get."""
    from ..data.datasets import absent_datasets
    from ..experiments.store import ResultsStore

    from ..experiments.shipped import SHIPPED_PRESETS, computes_shipped

    store = ResultsStore(results_dir)
    ready, lacking, unshipped = [], {}, []
    for spec in distinct(specs):
        stored = store.metrics(spec) is not None
        absent = [] if stored else absent_datasets(spec.data_sets(), data_root)
        if absent:
            for name in absent:
                lacking.setdefault(name, []).append(spec)
        elif not stored and spec.preset in SHIPPED_PRESETS and not computes_shipped():
            unshipped.append(spec)  # hours of CPU: shipped, not trained by a book (FRESH=1 trains them)
        else:
            ready.append(spec)
    lines = [f"{len(group)} run(s) not computed: data set {name!r} is missing (get it with `phnlab data get "
             f"{name}`, which as root installs Debian's package where it must)" for name, group in lacking.items()]
    for preset in dict.fromkeys(s.preset for s in unshipped):
        n = sum(s.preset == preset for s in unshipped)
        lines.append(f"{n} run(s) of preset {preset} are neither shipped in book/store nor stored (they take CPU-hours; "
                     f"docs/store.md gives the sweep that computes each, and `make book FRESH=1` computes them all)")
    return ready, "; ".join(lines)


def runs_with_data(specs: Iterable, params, *, runner=None) -> tuple[list, str]:
    """`run_specs` of the specs whose data is there or whose runs are stored, and `split_by_data`'s line."""
    ready, line = split_by_data(specs, params.results_dir, params.data_root)
    return run_specs(ready, params, runner=runner), line


def companion_runs(sweep: str, params, *, runner=None) -> tuple[str | None, list, str]:
    """(preset, results, line) of a sweep of the real-data preset the book's preset reads beside its own
    (`experiments.sweeps.companion_specs`), over that preset's seeds: `runs_with_data`'s runs and line;
    (None, [], '') where the book's preset has no companion."""
    from ..experiments.sweeps import companion_specs

    real, specs = companion_specs(sweep, params.preset.name)
    if real is None:
        return None, [], ""
    return (real, *runs_with_data(specs, params, runner=runner))


def companion_summary(real: str | None, results: Sequence, missing: str, preset_name: str) -> str:
    """What a companion section reads (`companion_runs`), in one paragraph."""
    if real is None:
        return f"The **{preset_name}** preset reads no real-data study beside its own."
    text = runs_summary(results) + (f" **Missing:** {missing}." if missing else "")
    if not results:
        text += f" No run of the `{real}` study is in the results store: its verdicts read *not computed*."
    return text


def runs_summary(results: Sequence) -> str:
    """'12 runs: 3 trained now, 9 read from the results store; 4.2 min of training in all.'"""
    computed = sum(1 for r in results if r.computed)
    minutes = sum(r.metrics.get("wall_time_s", 0.0) for r in results) / 60
    return (f"{len(results)} runs: {computed} trained now, {len(results) - computed} read from the results store; "
            f"{minutes:.1f} min of training in all (stored wall times).")
