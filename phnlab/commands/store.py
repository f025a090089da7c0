"""`phnlab store check | ship | status`: the shipped results store (`book/store`), its runs current or named
stale, and what its studies still lack."""

from __future__ import annotations

__all__ = ["register"]


def register(sub) -> None:
    from ..experiments.shipped import SHIPPED_DIR

    p = sub.add_parser("store", help="the shipped results store: check that its runs are current, ship runs")
    p.set_defaults(func=_need_action)
    actions = p.add_subparsers(dest="store_action", metavar="ACTION", parser_class=type(p))

    a = actions.add_parser("check", help="every shipped run's key is the current code's (exit 1 naming the stale)")
    a.add_argument("--shipped", default=str(SHIPPED_DIR), help=f"the shipped store (default {SHIPPED_DIR})")
    a.set_defaults(func=run_check)

    a = actions.add_parser("ship", help="copy finished runs' spec and metrics from a results store into it")
    a.add_argument("results_dir", help="the results store that computed them")
    a.add_argument("--shipped", default=str(SHIPPED_DIR), help=f"the shipped store (default {SHIPPED_DIR})")
    a.set_defaults(func=run_ship)

    a = actions.add_parser("status", help="per study of a shipped preset: runs, shipped, their run time, the rest's estimate")
    a.add_argument("--shipped", default=str(SHIPPED_DIR), help=f"the shipped store (default {SHIPPED_DIR})")
    a.set_defaults(func=run_status)


def _need_action(args) -> int:
    from ..errors import BadInput

    raise BadInput("missing action; allowed: check, ship, status (see `phnlab store --help`)")


def run_check(args) -> int:
    from ..experiments.shipped import scan, stale_lines

    runs = scan(args.shipped)
    stale = stale_lines(runs)
    for line in stale:
        print(line)
    print(f"{args.shipped}: {len(runs)} shipped run(s), {len(runs) - len(stale)} current, {len(stale)} stale")
    return 1 if stale else 0


def run_ship(args) -> int:
    from pathlib import Path

    from ..errors import BadInput
    from ..experiments.shipped import ship

    if not Path(args.results_dir).is_dir():
        raise BadInput(f"results store {args.results_dir} is not a directory")
    shipped = ship(args.results_dir, args.shipped)
    print(f"shipped {len(shipped)} run(s) into {args.shipped}")
    return 0


def run_status(args) -> int:
    from pathlib import Path

    from ..errors import BadInput
    from ..experiments.shipped import SHIPPED_PRESETS, status

    if not Path(args.shipped).is_dir():
        raise BadInput(f"shipped store {args.shipped} is not a directory")
    for preset in SHIPPED_PRESETS:
        rows = status(preset, args.shipped)
        print(f"{'sweep (--preset ' + preset + ')':<28} {'runs':>5} {'shipped':>8} {'their run time':>15} {'estimate of the rest':>21}")
        for r in rows:
            print(f"{r.sweep:<28} {r.runs:>5} {r.shipped:>8} {r.shipped_hours:>13.1f} h {r.left_hours:>15.1f} CPU-h")
        print(f"{'in all':<28} {sum(r.runs for r in rows):>5} {sum(r.shipped for r in rows):>8} "
              f"{sum(r.shipped_hours for r in rows):>13.1f} h {sum(r.left_hours for r in rows):>15.1f} CPU-h")
    print("(a run two sweeps name counts in the first; the estimate: one worker, `schedule.seconds_per_unit` on the "
          "shipped runs' times, its default rate where none is usable)")
    return 0
