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
    Overrides compare as the spec keys them (bn_policy=authors is running for LR, batch for HN-k), and
    without the fields that change only what a run records (`RECORDING_ONLY`, e.g. per-epoch curves off):
    one run per trained model, the one with curves where the store holds both."""
    chosen: dict[str, tuple] = {}
    for spec, m in store.all_metrics():
        wanted = replace(spec, overrides=tuple(overrides)).trained().overrides
        if (spec.preset != preset or spec.trained().overrides != wanted
                or spec.dataset not in (None, spec.resolved_preset().dataset)):
            continue
        if (seeds is None or spec.seed in seeds) and all(getattr(spec, k) == v for k, v in fields.items()):
            key = spec.trained().key()
            if key not in chosen or (m.get("epoch_curves") and not chosen[key][1].get("epoch_curves")):
                chosen[key] = (spec, m)
    yield from chosen.values()


def check_table(table: str) -> str:
    if table not in REPORT_TABLES:
        raise BadInput(f"unknown table {table!r}; allowed: {', '.join(REPORT_TABLES)}")
    return table
