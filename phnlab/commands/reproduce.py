"""`phnlab reproduce`: the paper's setting in one command. It checks the data sets, prints the plan (runs per
chapter and an estimate of the device time from a measured Naive step), then computes every run the book's
chapters read; `make book PRESET=... RESULTS=...` renders them."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from ..config import DEFAULT_JOBS, DEFAULT_RESULTS_DIR, PRESETS
from ..errors import BadInput
from .run import add_overrides, overrides_of

__all__ = ["register", "plan"]


def register(sub) -> None:
    from ..book.plan import CHAPTER_SWEEPS
    from ..experiments.logs import LOG_BACKENDS

    p = sub.add_parser("reproduce", help="every run of the book's chapters in a preset (default: the paper's)")
    p.add_argument("--preset", default="paper", choices=tuple(PRESETS),
                   help="the setting (default: paper, Split CIFAR-100 and the paper's transfer pairs; "
                        "paper-tinyimagenet: Split TinyImageNet, 10 classes per experience, 400 latents)")
    p.add_argument("--chapter", action="append", default=[], choices=[c for c, s in CHAPTER_SWEEPS.items() if s],
                   help="only this chapter's runs (repeatable; default: every chapter)")
    p.add_argument("--seeds", default=None, help="comma-separated seeds (default: the preset's)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help=f"worker processes (default {DEFAULT_JOBS})")
    p.add_argument("--results-dir", default=DEFAULT_RESULTS_DIR, help="the results store (default: ./results)")
    p.add_argument("--data-root", default=None, help="where data sets live (default: $PHNLAB_DATA or the cache)")
    p.add_argument("--bench", default=None, metavar="FILE",
                   help="a `phnlab bench --json` result of this device for the estimate (default: measure a Naive "
                        "step now, a few seconds)")
    p.add_argument("--plan", action="store_true", help="print the plan and stop")
    p.add_argument("--log", default=None, choices=LOG_BACKENDS, help="as `phnlab run --log`")
    add_overrides(p, "every run's epochs per experience (e.g. 1 for a smoke test)")
    p.set_defaults(func=main)


def missing_data(specs, data_root) -> list[str]:
    """One line per data set the runs need and the data root lacks, with the command that gets it."""
    from ..data.datasets import absent_datasets, resolve_data_root

    names = dict.fromkeys(n for spec in specs for n in spec.data_sets())
    root = resolve_data_root(data_root)
    return [f"data set {name!r} is missing from {root}: `phnlab data get {name} --data-root {root}` gets it "
            f"(docs/data.md says where each comes from)" for name in absent_datasets(names, data_root)]


def naive_step_seconds(device, preset: str, bench_file: str | None) -> tuple[float, str]:
    """(seconds of a Naive training step on this device, how it was measured)."""
    if bench_file is not None:
        try:
            result = json.loads(Path(bench_file).read_text())
            ms = float(result["step_ms"]["Naive"])
        except (OSError, ValueError, KeyError, TypeError):
            raise BadInput(f"--bench {bench_file}: not a `phnlab bench --json` result with a Naive step") from None
        if str(result.get("device", "cpu")).split(":")[0] != device.type:
            raise BadInput(f"--bench {bench_file} was measured on {result.get('device')}, not on {device.type}")
        if result.get("preset", preset) != preset:  # its batch size and memory layout: another step
            raise BadInput(f"--bench {bench_file} was measured with preset {result['preset']}, not {preset}: "
                           f"`phnlab bench --json --preset {preset}` measures it")
        return ms / 1000, f"Naive's step in {bench_file} ({result.get('device_name', device.type)})"
    from ..bench import CASES, run_bench

    naive = tuple(c for c in CASES if c.strategy == "naive")
    result = run_bench(device=str(device), tasks=2, repeats=5, warmup=2, cases=naive, eval_repeats=1,
                       preset_name=preset)
    return result["step_ms"]["Naive"] / 1000, f"Naive's step measured now on {result['device_name']}"


def plan(specs, *, per_step_s: float, jobs: int, stored, step_costs: dict | None = None) -> list[str]:
    """The plan as lines: runs per chapter and label, those stored, and the device time of the others (a step's
    cost against Naive's measured on stored runs where `step_costs` has its kind, `schedule.measured_step_costs`)."""
    from ..experiments.schedule import estimate_seconds

    todo = [s for s in specs if s.key() not in stored]
    lines = [f"{len(specs)} runs, {len(specs) - len(todo)} stored, {len(todo)} to compute"]
    for label, n in sorted(Counter(f"{s.label()} ({s.stream}, {'+'.join(s.data_sets())})" for s in todo).items()):
        lines.append(f"  {n:>4} x {label}")
    in_all = estimate_seconds(todo, per_step_s, 1, step_costs)
    hours = estimate_seconds(todo, per_step_s, jobs, step_costs) / 3600
    lines.append(f"estimated device time: {hours:.1f} h on {jobs} worker(s) ({in_all / 3600:.1f} h of runs in all)")
    return lines


def main(args) -> int:
    from ..book.plan import CHAPTER_SWEEPS, chapter_specs
    from ..config import parse_seeds, resolve_device
    from ..experiments.executors import run_specs
    from ..experiments.logs import check_log
    from ..experiments.schedule import longest_first
    from ..experiments.stopping import graceful

    device = resolve_device(args.device)
    check_log(args.log)
    seeds = parse_seeds(args.seeds) if args.seeds else None
    chapters = args.chapter or [c for c, sweeps in CHAPTER_SWEEPS.items() if sweeps]
    overrides = overrides_of(args)
    specs = longest_first(s.with_overrides(overrides) for s in chapter_specs(chapters, args.preset, seeds))
    missing = missing_data(specs, args.data_root)
    if missing:
        for line in missing:
            print(f"phnlab reproduce: error: {line}", file=sys.stderr)
        return 2
    from ..experiments.store import ResultsStore

    from ..experiments.schedule import measured_step_costs

    measured = ResultsStore(args.results_dir).all_metrics() if Path(args.results_dir).is_dir() else []
    stored = {s.key() for s, _ in measured}
    per_step, how = naive_step_seconds(device, args.preset, args.bench)
    print(f"phnlab reproduce: preset {args.preset}, chapters {', '.join(chapters)}, on {device}; {how}: "
          f"{1000 * per_step:.0f} ms")
    for line in plan(specs, per_step_s=per_step, jobs=args.jobs, stored=stored, step_costs=measured_step_costs(measured)):
        print(line, flush=True)
    if args.plan:
        return 0
    with graceful():
        run_specs(specs, jobs=args.jobs, results_dir=args.results_dir, device=args.device, data_root=args.data_root,
                  log=args.log)
    print(f"phnlab reproduce: every run is stored in {args.results_dir}; `make book PRESET={args.preset} "
          f"RESULTS={args.results_dir}` renders the chapters from them")
    return 0
