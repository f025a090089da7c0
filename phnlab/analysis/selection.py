"""The stored runs of one grid: a preset's data set with exactly the given overrides and seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from ..errors import BadInput
from ..experiments.store import ResultsStore

__all__ = [
    "REPORT_TABLES", "select_runs", "one_per_trained_model", "check_table"
]


REPORT_TABLES = ("2", "4", "5")  # the tables `phnlab results` prints


def select_runs(store: ResultsStore, preset: str, seeds=None, overrides=(), **fields):
    """Runs of one grid: the preset's data set with exactly these overrides (e.g. `--epochs`), given seeds.
    Overrides compare as the spec keys them (bn_policy=authors is running for LR, batch for HN-k), and
    without the fields that change only what a run records (`RECORDING_ONLY`, e.g. per-epoch curves off):
    one run per trained model, the one with curves where the store holds both."""
    matches = []
    for spec, m in store.all_metrics():
        wanted = replace(spec, overrides=tuple(overrides)).trained().overrides
        if (spec.preset != preset or spec.trained().overrides != wanted
                or spec.dataset not in (None, spec.resolved_preset().dataset)):
            continue
        if (seeds is None or spec.seed in seeds) and all(getattr(spec, k) == v for k, v in fields.items()):
            matches.append((spec, m))
    yield from one_per_trained_model(matches, lambda pair: pair)


def one_per_trained_model(items: Iterable, spec_and_metrics: Callable) -> list:
    """`items` with one per trained model (`RunSpec.trained`): of copies that differ only in what they
    record, the first with the most per-epoch curve points (all experiences' before the first's alone, before
    none) is kept. `spec_and_metrics(item)`: (spec, metrics)."""
    chosen: dict[str, tuple] = {}  # trained key -> (item, curve accuracies it holds)
    for item in items:
        spec, m = spec_and_metrics(item)
        key, curves = spec.trained().key(), sum(len(p["accuracy"]) for p in m.get("epoch_curves") or ())
        if key not in chosen or curves > chosen[key][1]:
            chosen[key] = (item, curves)
    return [item for item, _ in chosen.values()]


def check_table(table: str) -> str:
    if table not in REPORT_TABLES:
        raise BadInput(f"unknown table {table!r}; allowed: {', '.join(REPORT_TABLES)}")
    return table
