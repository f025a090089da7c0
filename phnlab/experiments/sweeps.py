"""The grids behind the paper's tables and figures, as lists of run specs."""

from __future__ import annotations

from ..config import get_preset
from ..errors import BadInput
from .spec import RunSpec

__all__ = ["SWEEPS", "sweep_specs"]


def _table2(preset, seeds):
    rows = [("naive", 0, "first"), ("ewc", 0, "first")]
    rows += [("lr", k, "first") for k in range(5)] + [("hn", k, "first") for k in (1, 2, 3, 4, 0)]
    return [RunSpec("split", s, k, la, 1.0, seed, preset) for seed in seeds for s, k, la in rows]


def _table4(preset, seeds):
    return [RunSpec("split", "hn", k, la, seed=seed, preset=preset) for seed in seeds[:1] for k in range(5)
            for la in ("none", "first")]


def _table5(preset, seeds):
    return [RunSpec("split", "hn", k, la, seed=seed, preset=preset) for seed in seeds[:1] for k in range(5)
            for la in ("first", "second")]


def _noisy(preset, seeds):
    return [RunSpec(stream, s, k, replay_coef=1.0, seed=seed, preset=preset)
            for seed in seeds for stream in ("noisy", "clean") for s in ("lr", "hn") for k in (2, 3, 4)]


def _transfer(preset, seeds):
    pairs = get_preset(preset).transfer_pairs
    return [RunSpec("transfer", "lr", k, replay_coef=0.0, seed=seed, preset=preset, dataset=a, dataset2=b)
            for seed in seeds for a, b in pairs for k in range(5)]


def _cossim(preset, seeds):
    return [RunSpec("split", "hn", 4, "first", seed=seed, preset=preset) for seed in seeds]


def _figure8(preset, seeds):
    return [RunSpec("split", "lr", 3, replay_coef=c, seed=seed, preset=preset) for seed in seeds for c in (0.0, 1.0)]


SWEEPS = {"table2": _table2, "table4": _table4, "table5": _table5, "noisy": _noisy, "transfer": _transfer,
          "cossim": _cossim, "figure8": _figure8}


def sweep_specs(name: str, preset: str, seeds: tuple[int, ...] | None = None) -> list[RunSpec]:
    if name not in SWEEPS:
        raise BadInput(f"unknown sweep {name!r}; allowed: {', '.join(SWEEPS)}")
    seeds = tuple(seeds) if seeds else get_preset(preset).seeds
    return SWEEPS[name](preset, seeds)
