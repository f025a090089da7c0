"""`phnlab params`: exact parameter and memory accounting, or the paper's Tables 3 and 6 beside ours."""

from __future__ import annotations

import json

from ..errors import BadInput

__all__ = ["register"]

TABLES = ("3", "6")


def register(sub) -> None:
    p = sub.add_parser("params", help="parameter counts and memory (Tables 3 and 6)")
    p.add_argument("--freeze-depth", type=int, default=0, help="k in 0..4 (0 = HN-F)")
    p.add_argument("--tasks", type=int, default=20, help="number of tasks T")
    p.add_argument("--classes", type=int, default=100, help="outputs C of the classifier")
    p.add_argument("--chunk-dim", type=int, default=32, help="width d of the channel lookup table")
    p.add_argument("--buffer-size", type=int, default=200, help="latent replay buffer (memory of LR-k)")
    p.add_argument("--table", help="print the paper's Table 3 or 6 beside ours")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..counting import account, table3_rows, table6_rows

    if args.table is not None:
        if args.table not in TABLES:
            raise BadInput(f"unknown table {args.table!r}; allowed: {', '.join(TABLES)}")
        rows = table3_rows() if args.table == "3" else table6_rows("cifar100") + table6_rows("tinyimagenet")
        if args.json:
            print(json.dumps(rows))
        else:
            print(format_table3(rows) if args.table == "3" else format_table6(rows))
        return 0
    a = account(freeze_depth=args.freeze_depth, tasks=args.tasks, classes=args.classes,
                chunk_dim=args.chunk_dim, buffer_size=args.buffer_size)
    if args.json:
        print(json.dumps(a.to_dict()))
        return 0
    from ..strategies.registry import label as strategy_label

    name = strategy_label("hn", a.freeze_depth)
    print(f"{name}, T={a.tasks} tasks, C={a.classes} classes, d={a.chunk_dim}")
    print(f"  hypernetwork parameters    {a.hypernetwork_params:>12,}  ({a.hn_memory_mb:.2f} MB stored copy)")
    print(f"    per-task tables          {a.hypernetwork_conditional_params:>12,}")
    print(f"    shared generator         {a.hypernetwork_unconditional_params:>12,}")
    print(f"  stateful (frozen) prefix   {a.stateful_params:>12,}")
    print(f"  generated per task         {a.generated_params_per_task:>12,}")
    shape = "×".join(map(str, a.exemplar_shape))
    print(f"  LR-{a.freeze_depth} buffer of {a.buffer_size} × {shape}: {a.lr_memory_mb:.2f} MB")
    return 0


def _mark(ours, theirs) -> str:
    return "=" if ours == theirs else "≠"


def format_table3(rows: list[dict]) -> str:
    lines = ["Table 3: HN-F (T=10, C=10), parameters and compression vs d",
             f"{'d':>4} {'ours':>10} {'paper':>10}   {'ours %':>6} {'paper %':>7}"]
    for r in rows:
        lines.append(f"{r['d']:>4} {r['params']:>10,} {r['paper_params']:>10,} {_mark(r['params'], r['paper_params'])}"
                     f" {r['compression_pct']:>6} {r['paper_compression_pct']:>7}")
    return "\n".join(lines)


def format_table6(rows: list[dict]) -> str:
    lines = ["Table 6: memory (float32, MB = 2^20 bytes); CIFAR-100 buffer 200, TinyImageNet (64×64) buffer 400",
             f"{'k':>2} {'exemplar':>10} {'LR MB':>7} {'paper':>7}   {'HN params':>10} {'paper':>10} {'HN MB':>6} {'paper':>6}"]
    for i, r in enumerate(rows):
        if i % 5 == 0:
            lines.append("CIFAR-100" if i == 0 else "TinyImageNet")
        lines.append(f"{r['k']:>2} {r['exemplar_shape']:>10} {r['lr_mb']:>7.2f} {r['paper_lr_mb']:>7.2f}   "
                     f"{r['hn_params']:>10,} {r['paper_hn_params']:>10,} {r['hn_mb']:>6.2f} {r['paper_hn_mb']:>6.2f}"
                     f" {_mark(r['hn_params'], r['paper_hn_params'])}")
    return "\n".join(lines)
