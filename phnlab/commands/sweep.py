"""`phnlab sweep NAME`: the grid behind a table or figure, skipping what is stored."""

from __future__ import annotations

from .run import add_common

__all__ = ["register"]


def register(sub) -> None:
    from ..experiments.sweeps import SWEEPS

    p = sub.add_parser("sweep", help="run a table's or figure's grid of specs")
    p.add_argument("name", help=" | ".join(SWEEPS))
    p.add_argument("--seeds", default=None, help="comma-separated seeds (default: the preset's)")
    add_common(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from ..errors import BadInput
    from ..experiments.runner import run
    from ..experiments.sweeps import sweep_specs

    try:
        seeds = tuple(int(s) for s in args.seeds.split(",")) if args.seeds else None
    except ValueError:
        raise BadInput(f"--seeds must be comma-separated integers, got {args.seeds!r}") from None
    specs = sweep_specs(args.name, args.preset, seeds)
    for i, spec in enumerate(specs, 1):
        r = run(spec, results_dir=args.results_dir, device=args.device, data_root=args.data_root, quiet=args.quiet)
        m = r.metrics
        how = "ran" if r.computed else "stored"
        print(f"[{i}/{len(specs)}] {how:6} {m['label']:<12} seed {spec.seed} {spec.stream:<8} "
              f"ACA {100 * m['aca']:5.1f}%  forgetting {100 * m['forgetting']:5.1f}  {m['wall_time_s']:7.1f} s",
              flush=True)
    if args.name == "table2":
        from .results import print_table

        print_table("2", args.results_dir, args.preset)
    return 0
