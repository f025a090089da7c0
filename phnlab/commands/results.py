"""`phnlab results`: our stored numbers beside the paper's."""

from __future__ import annotations

import json

from .run import add_overrides, overrides_of

__all__ = ["register", "print_table"]


def register(sub) -> None:
    p = sub.add_parser("results", help="stored results beside the paper's tables")
    p.add_argument("--table", default="2", help="2 | 4 | 5")
    p.add_argument("--preset", default="ci")
    p.add_argument("--results-dir", default="results")
    add_overrides(p, "the runs made with `phnlab run --epochs N`")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=main)


def _pm(v) -> str:
    if v is None:
        return "—"
    return f"{v[0]:5.1f}" + ("" if v[1] is None else f" ± {v[1]:3.1f}")  # no sd from a single seed


def rows_for(table: str, results_dir, preset: str, overrides=()) -> list[dict]:
    from ..analysis.lookahead import table45_rows
    from ..analysis.selection import check_table
    from ..analysis.split import table2_rows
    from ..experiments.store import ResultsStore

    store = ResultsStore(results_dir)
    check_table(table)
    if table == "2":
        return table2_rows(store, preset, overrides=overrides)
    return table45_rows(store, preset, table, overrides=overrides)


def print_table(table: str, results_dir, preset: str, overrides=()) -> None:
    rows = rows_for(table, results_dir, preset, overrides)
    if not rows:
        print(f"no stored results for table {table} with preset {preset} in {results_dir}")
        return
    if table == "2":
        print(f"Table 2 (split stream, preset {preset}) — ours beside the paper's Split CIFAR-100")
        print(f"{'strategy':<9} {'seeds':>5} {'ACA %':>13} {'paper':>13} {'forgetting':>13} {'paper':>13} "
              f"{'min':>7} {'paper':>6}")
        for r in rows:
            print(f"{r['strategy']:<9} {r['seeds']:>5} {_pm(r['aca']):>13} {_pm(r['paper_aca']):>13} "
                  f"{_pm(r['forgetting']):>13} {_pm(r['paper_forgetting']):>13} {r['minutes']:>7.2f} "
                  f"{r['paper_minutes'] if r['paper_minutes'] is not None else '—':>6}")
    else:
        print(f"Table {table} (partial HN per freeze depth, preset {preset}) — ours beside the paper's")
        print(f"{'k':>2} {'mode':<7} {'ACA %':>6} {'paper':>6} {'LA %':>6} {'paper':>6} {'min':>7} {'paper':>6}")
        for r in rows:
            print(f"{r['k']:>2} {r['mode']:<7} {r['aca']:>6.1f} {r['paper_aca']:>6.1f} {r['learning_accuracy']:>6.1f} "
                  f"{r['paper_learning_accuracy']:>6.1f} {r['minutes']:>7.2f} {r['paper_minutes']:>6}")


def main(args) -> int:
    overrides = overrides_of(args)
    if args.json:
        print(json.dumps(rows_for(args.table, args.results_dir, args.preset, overrides)))
    else:
        print_table(args.table, args.results_dir, args.preset, overrides)
    return 0
