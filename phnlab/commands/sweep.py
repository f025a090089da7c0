"""`phnlab sweep NAME`: the grid behind a table or figure, skipping what is stored."""

from __future__ import annotations

from .run import add_common, add_overrides, overrides_of

__all__ = ["register", "parse_slurm"]


def register(sub) -> None:
    from ..config import DEFAULT_JOBS
    from ..experiments.sweeps import SWEEPS

    p = sub.add_parser("sweep", help="run a table's or figure's grid of specs")
    p.add_argument("name", choices=tuple(SWEEPS), help="the table's or figure's grid")
    p.add_argument("--seeds", default=None, help="comma-separated seeds (default: the preset's)")
    p.add_argument("--jobs", type=int, default=DEFAULT_JOBS,
                   help=f"local worker processes (one per GPU, round-robin, where several exist; default {DEFAULT_JOBS})")
    p.add_argument("--executor", default="local", choices=("local", "slurm"),
                   help="local, or slurm: one submitit job per spec not stored (`pip install .[slurm]`)")
    p.add_argument("--slurm", action="append", default=[], metavar="KEY=VALUE",
                   help="submitit parameter for --executor slurm, repeatable (e.g. timeout_min=600, "
                        "gpus_per_node=1, slurm_partition=gpu)")
    add_overrides(p, "every run's epochs per experience")
    add_common(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from ..config import parse_seeds
    from ..experiments.executors import run_specs
    from ..experiments.logs import check_log
    from ..experiments.stopping import graceful
    from ..experiments.sweeps import sweep_specs

    seeds = parse_seeds(args.seeds) if args.seeds else None
    overrides = overrides_of(args)
    specs = [s.with_overrides(overrides) for s in sweep_specs(args.name, args.preset, seeds)]

    def report(i, spec, r):
        m = r.metrics
        how = "ran" if r.computed else "stored"
        print(f"[{i + 1}/{len(specs)}] {how:6} {m['label']:<12} seed {spec.seed} {spec.stream:<8} "
              f"ACA {100 * m['aca']:5.1f}%  forgetting {100 * m['forgetting']:5.1f}  {m['wall_time_s']:7.1f} s",
              flush=True)

    with graceful():  # SIGTERM / SIGINT: the runs stop at their next step, resumable
        run_specs(specs, jobs=args.jobs, executor=args.executor, results_dir=args.results_dir, device=args.device,
                  data_root=args.data_root, quiet=args.quiet, slurm_kwargs=parse_slurm(args.slurm), on_result=report,
                  log=check_log(args.log))
    if args.name == "table2":
        from .results import print_table, rows_for

        print_table("2", rows_for("2", args.results_dir, args.preset, overrides), args.preset)
    return 0


def parse_slurm(items: list[str]) -> dict:
    """["timeout_min=600", "slurm_partition=gpu"] -> {"timeout_min": 600, "slurm_partition": "gpu"}."""
    from ..errors import BadInput

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise BadInput(f"--slurm takes KEY=VALUE, got {item!r}")
        for cast in (int, float):
            try:
                value = cast(value)
                break
            except ValueError:
                pass
        out[key] = value
    return out
