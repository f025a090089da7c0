"""Our stored results beside the paper's: tables as lists of dicts (CLI and book print them)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import replace

from .. import paper
from ..errors import BadInput
from .store import ResultsStore

__all__ = ["mean_sd", "table2_rows", "table45_rows", "REPORT_TABLES"]

REPORT_TABLES = ("2", "4", "5")
TABLE2_ORDER = ("Naive", "EWC", "LR-0", "LR-1", "HN-1", "LR-2", "HN-2", "LR-3", "HN-3", "LR-4", "HN-4", "HN-F")


def mean_sd(values: list[float]) -> tuple[float, float]:
    return (statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0)


def _select(store: ResultsStore, preset: str, seeds=None, overrides=(), **fields):
    """Runs of one grid: the preset's data set with exactly these overrides (e.g. `--epochs`), given seeds.
    Overrides compare as the spec keys them (bn_policy=authors is running for LR, batch for HN-k)."""
    for spec, m in store.all_metrics():
        wanted = replace(spec, overrides=tuple(overrides)).normalized().overrides
        if (spec.preset != preset or spec.normalized().overrides != wanted
                or spec.dataset not in (None, spec.resolved_preset().dataset)):
            continue
        if (seeds is None or spec.seed in seeds) and all(getattr(spec, k) == v for k, v in fields.items()):
            yield spec, m


def table2_rows(store: ResultsStore, preset: str, benchmark: str = "cifar100", seeds=None,
                overrides=()) -> list[dict]:
    """ACA, forgetting (percent, mean ± sd over seeds) and minutes per strategy, beside Table 2."""
    groups = defaultdict(list)
    for spec, m in _select(store, preset, seeds, overrides, stream="split"):
        if spec.strategy != "lr" or spec.replay_coef == 1.0:
            if spec.strategy != "hn" or spec.lookahead == "first":
                groups[m["label"]].append(m)
    rows = []
    for label in TABLE2_ORDER:
        runs = groups.get(label)
        if not runs:
            continue
        p = paper.TABLE2[benchmark].get(label)
        rows.append({
            "strategy": label, "seeds": len(runs),
            "aca": mean_sd([100 * r["aca"] for r in runs]),
            "forgetting": mean_sd([100 * r["forgetting"] for r in runs]),
            "learning_accuracy": mean_sd([100 * r["learning_accuracy"] for r in runs]),
            "minutes": statistics.fmean(r["wall_time_s"] for r in runs) / 60,
            "paper_aca": p["aca"] if p else None, "paper_forgetting": p["forgetting"] if p else None,
            "paper_minutes": p["minutes"] if p else None,
        })
    return rows


def table45_rows(store: ResultsStore, preset: str, table: str, seeds=None, overrides=()) -> list[dict]:
    """Table 4 (look-ahead vs none) or 5 (first vs second order) per freeze depth; where both modes ran
    on some seeds, only those seeds (a paired comparison, not one mode's extra seeds mixed in)."""
    modes, published = (("none", "first"), paper.TABLE4) if table == "4" else (("first", "second"), paper.TABLE5)
    rows = []
    for k in range(5):
        by_mode = {mode: {spec.seed: m for spec, m in _select(store, preset, seeds, overrides, stream="split",
                                                             strategy="hn", freeze_depth=k, lookahead=mode)}
                   for mode in modes}
        paired = set.intersection(*(set(v) for v in by_mode.values()))  # both modes on the same seeds
        for mode in modes:
            runs = [by_mode[mode][seed] for seed in sorted(paired or by_mode[mode])]
            if not runs:
                continue
            p = published[k][mode]
            rows.append({
                "k": k, "mode": mode, "seeds": len(runs),
                "aca": statistics.fmean(100 * r["aca"] for r in runs),
                "learning_accuracy": statistics.fmean(100 * r["learning_accuracy"] for r in runs),
                "minutes": statistics.fmean(r["wall_time_s"] for r in runs) / 60,
                "paper_aca": p[0], "paper_learning_accuracy": p[1], "paper_minutes": p[2],
            })
    return rows


def check_table(table: str) -> str:
    if table not in REPORT_TABLES:
        raise BadInput(f"unknown table {table!r}; allowed: {', '.join(REPORT_TABLES)}")
    return table
