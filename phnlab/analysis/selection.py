"""The stored runs of one grid: a preset's data set with exactly the given overrides and seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from ..experiments.store import ResultsStore

__all__ = ["select_runs", "one_per_trained_model", "in_table2", "table2_by_seed"]


def select_runs(store: ResultsStore, preset: str, seeds=None, overrides=(), dataset: str | None = None, **fields):
    """Runs of one grid: the preset's data set trained with exactly these overrides (e.g. `--epochs`), given
    seeds. Runs compare by the values they train with, as the spec key does: an override equal to the preset's
    value is the preset's run (a study that names its schedule shares Table 2's run), bn_policy=authors is
    running for LR and batch for HN-k, and the fields that change only what a run records (`RECORDING_ONLY`,
    e.g. per-epoch curves off) are left out: one run per trained model, the one with curves where the store
    holds both. `dataset`: the runs whose (first) data set is this one (default: the preset's own)."""
    matches, wanted_values = [], {}
    for run in store.all_metrics():
        spec = run.spec
        if spec.preset != preset:
            continue
        if (spec.dataset not in (None, spec.resolved_preset().dataset) if dataset is None
                else spec.data_sets()[0] != dataset):
            continue
        shape = (spec.stream, spec.strategy, spec.freeze_depth)  # what the policy resolves to depends on these
        if shape not in wanted_values:
            wanted_values[shape] = replace(spec, overrides=tuple(overrides)).trained_values()
        if spec.trained_values() != wanted_values[shape]:
            continue
        if (seeds is None or spec.seed in seeds) and all(getattr(spec, k) == v for k, v in fields.items()):
            matches.append(run)
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



def in_table2(spec) -> bool:
    """A run of Table 2's grid: latent replay with c = 1 and hypernetworks with first-order look-ahead (every
    other strategy as it is); the ablations' variants are not."""
    return (spec.strategy != "lr" or spec.replay_coef == 1.0) and (spec.strategy != "hn" or spec.lookahead == "first")


def table2_by_seed(pairs: Iterable) -> dict[str, dict[int, dict]]:
    """Table 2's runs among (spec, metrics) pairs, by label ('HN-2') and seed: the metrics to pair by seed."""
    out: dict[str, dict[int, dict]] = {}
    for spec, m in pairs:
        if in_table2(spec):
            out.setdefault(spec.label(), {})[spec.seed] = m
    return out
