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


def split_by_data(specs: Iterable, results_dir, data_root=None, sweep: str | None = None) -> tuple[list, str]:
    """(the distinct specs that are stored or whose data sets are present, one line naming the others, '' when
    none): a run whose data is missing is not computed, and its section says what to get; a shipped preset's
    run that is not shipped is named, with the commands that compute it (`sweep`: the sweep it belongs to)."""
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
        group = [s for s in unshipped if s.preset == preset]
        command = (f"`phnlab sweep {sweep} --preset {preset} --results-dir store-work/{preset}` then "
                   f"`phnlab store ship store-work/{preset}`" if sweep else "`make book FRESH=1`")
        lines.append(f"{len(group)} run(s) of preset {preset} are neither shipped in book/store nor stored: "
                     f"{_run_list(group)}. They take CPU-hours; {command} compute{'' if sweep else 's'} them")
    return ready, "; ".join(lines)


def _run_list(specs: Sequence) -> str:
    """'HN-2, LR-2 on the streams noisy (fashionmnist), clean (fashionmnist), seeds 0, 1, 2': the distinct models,
    streams and seeds."""
    updates = {"none": " without look-ahead", "second": " with second-order look-ahead"}  # first order: the default
    models = dict.fromkeys(s.label() + (updates.get(s.lookahead, "") if s.strategy == "hn" else "") for s in specs)
    streams = dict.fromkeys(f"{s.stream} ({' → '.join(s.data_sets())})" for s in specs)
    seeds = sorted({s.seed for s in specs})
    return (f"{', '.join(models)} on the stream{'s' if len(streams) > 1 else ''} {', '.join(streams)}, "
            f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}")


def runs_with_data(specs: Iterable, params, *, runner=None, sweep: str | None = None) -> tuple[list, str]:
    """`run_specs` of the specs whose data is there or whose runs are stored, and `split_by_data`'s line."""
    ready, line = split_by_data(specs, params.results_dir, params.data_root, sweep)
    return run_specs(ready, params, runner=runner), line


def companion_runs(sweep: str, params, *, runner=None) -> tuple[str | None, list, str]:
    """(preset, results, line) of a sweep of the real-data preset the book's preset reads beside its own
    (`experiments.sweeps.companion_specs`), over that preset's seeds: `runs_with_data`'s runs and line;
    (None, [], '') where the book's preset has no companion."""
    from ..experiments.sweeps import companion_specs

    real, specs = companion_specs(sweep, params.preset.name)
    if real is None:
        return None, [], ""
    return (real, *runs_with_data(specs, params, runner=runner, sweep=sweep))


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
