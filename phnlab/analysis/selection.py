"""The stored runs of one grid: a preset's data set with exactly the given overrides and seeds.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import BadInput
from ..experiments.store import ResultsStore

__all__ = [
    "REPORT_TABLES", "select_runs", "check_table"
]


REPORT_TABLES = ("2", "4", "5")  # the tables `phnlab results` prints


def select_runs(store: ResultsStore, preset: str, seeds=None, overrides=(), **fields):
    """Runs of one grid: the preset's data set with exactly these overrides (e.g. `--epochs`), given seeds.
    Overrides compare as the spec keys them (bn_policy=authors is running for LR, batch for HN-k)."""
    for spec, m in store.all_metrics():
        wanted = replace(spec, overrides=tuple(overrides)).normalized().overrides
        if (spec.preset != preset or spec.normalized().overrides != wanted
                or spec.dataset not in (None, spec.resolved_preset().dataset)):
            continue
        if (seeds is None or spec.seed in seeds) and all(getattr(spec, k) == v for k, v in fields.items()):
            yield spec, m


def check_table(table: str) -> str:
    if table not in REPORT_TABLES:
        raise BadInput(f"unknown table {table!r}; allowed: {', '.join(REPORT_TABLES)}")
    return table
