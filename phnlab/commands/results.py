"""`phnlab results`: what a results store holds (`list`), and our stored numbers beside the paper's tables."""

from __future__ import annotations

import csv
import io
import json

from ..config import BOOK_PRESET, DEFAULT_RESULTS_DIR, PRESETS
from ..errors import BadInput
from .run import add_overrides, overrides_of

__all__ = ["register", "print_table", "rows_for", "list_rows", "TABLES", "FORMATS"]

TABLES = ("1", "2", "4", "5")  # Tables 3 and 6 (sizes) need no run: `phnlab params --table 3|6`
FORMATS = ("table", "csv", "json")


def register(sub) -> None:
    p = sub.add_parser("results", help="what a results store holds, and our numbers beside the paper's tables")
    p.add_argument("what", nargs="?", default="tables", choices=("tables", "list"),
                   help="tables: one of the paper's tables beside ours (default); list: every run the store holds")
    p.add_argument("--table", default="2", choices=TABLES, help="the paper's table (default: 2)")
    p.add_argument("--preset", default=BOOK_PRESET, choices=tuple(PRESETS),
                   help=f"the preset the runs were made with (default: {BOOK_PRESET}, the one `make book` runs)")
    p.add_argument("--dataset", default=None, help="the runs on this data set (default: the preset's)")
    p.add_argument("--results-dir", default=DEFAULT_RESULTS_DIR, help="the results store (default: ./results)")
    add_overrides(p, "the runs made with `phnlab run --epochs N`")
    p.add_argument("--format", default="table", choices=FORMATS, help="table (default), csv or json")
    p.set_defaults(func=main)


def _pm(v) -> str:
    if v is None:
        return "—"
    return f"{v[0]:5.1f}" + ("" if v[1] is None else f" ± {v[1]:3.1f}")  # no sd from a single seed


def _store(results_dir):
    """The store to read, or one BadInput line: a directory that is not there or holds no phnlab run."""
    from pathlib import Path

    from ..experiments.store import ResultsStore

    root = Path(results_dir)
    if not root.is_dir():
        raise BadInput(f"results directory {root} does not exist; `make book` writes ./results, "
                       "`phnlab run --results-dir DIR` another one")
    store = ResultsStore(root)
    if not any((d / "spec.json").is_file() for d in root.iterdir() if d.is_dir()):  # not a whole inventory
        raise BadInput(f"results directory {root} holds no phnlab run (no <key>/spec.json)")
    return store


def rows_for(table: str, results_dir, preset: str, overrides=(), dataset: str | None = None) -> list[dict]:
    from ..analysis.lookahead import table45_rows
    from ..analysis.noisy import table1_rows
    from ..analysis.split import table2_rows

    store = _store(results_dir)
    if table == "1":
        return table1_rows(store, preset, overrides=overrides, dataset=dataset)
    if table == "2":
        return table2_rows(store, preset, overrides=overrides, dataset=dataset)
    return table45_rows(store, preset, table, overrides=overrides, dataset=dataset)


def list_rows(results_dir) -> list[dict]:
    """One row per run folder: label, stream, data sets, seed, preset, state and training minutes."""
    rows = []
    for r in _store(results_dir).inventory():
        spec = r["spec"]
        state = r["state"] if r["state"] != "checkpointed" else f"checkpointed at experience {r['experiences']}"
        rows.append({
            "key": r["key"], "label": spec.label() if spec else "?", "stream": spec.stream if spec else "?",
            "data": "+".join(spec.data_sets()) if spec else "?", "seed": spec.seed if spec else None,
            "preset": spec.preset if spec else "?",
            "settings": ",".join(f"{k}={v}" for k, v in spec.trained().overrides) if spec else "?",
            "state": state + (", running (locked)" if r["running"] else ""),
            "minutes": round(r["seconds"] / 60, 2),
        })
    return rows


def _flat(rows: list[dict]) -> list[dict]:
    """(mean, sd) pairs as two columns, `x` and `x_sd` (csv)."""
    out = []
    for r in rows:
        flat = {}
        for k, v in r.items():
            if isinstance(v, (tuple, list)) and len(v) == 2:
                flat[k], flat[f"{k}_sd"] = v
            else:
                flat[k] = v
        out.append(flat)
    return out


def _csv(rows: list[dict]) -> str:
    rows = _flat(rows)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(dict.fromkeys(k for r in rows for k in r)), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().rstrip("\n")


def print_table(table: str, rows: list[dict], preset: str) -> None:
    if table == "1":
        print(f"Table 1 (learning accuracy per experience, clean and noisy streams, preset {preset}) — ours beside "
              "the paper's")
        print(f"{'model':<10} {'stream':<7} {'source':<14} " + " ".join(f"{k:>11}" for k in rows[0] if k[:1] == "e"))
        for r in rows:
            print(f"{r['model']:<10} {r['stream']:<7} {r['source']:<14} "
                  + " ".join(f"{v:>11}" for k, v in r.items() if k[:1] == "e"))
    elif table == "2":
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


def print_list(rows: list[dict]) -> None:
    print(f"{'key':<16} {'label':<12} {'stream':<8} {'data':<24} {'seed':>4} {'preset':<7} {'minutes':>8}  "
          f"{'state':<30} settings")
    for r in rows:
        seed = r["seed"] if r["seed"] is not None else "?"
        print(f"{r['key']:<16} {r['label']:<12} {r['stream']:<8} {r['data']:<24} {seed:>4} {r['preset']:<7} "
              f"{r['minutes']:>8.2f}  {r['state']:<30} {r['settings']}")


def main(args) -> int:
    if args.what == "list":
        rows = list_rows(args.results_dir)
    else:
        rows = rows_for(args.table, args.results_dir, args.preset, overrides_of(args), args.dataset)
    if args.format == "json":
        print(json.dumps(rows))
    elif args.format == "csv":
        print(_csv(rows))
    elif not rows:
        what = f"{args.dataset or 'its own data set'}" if args.what != "list" else ""
        print(f"no stored results for table {args.table} with preset {args.preset} on {what} in {args.results_dir}")
    elif args.what == "list":
        print_list(rows)
    else:
        print_table(args.table, rows, args.preset)
    return 0
