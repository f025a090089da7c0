"""The runs the book's chapters read, known before any chapter executes: the build computes them all in
one sweep, longest first, so that its workers are busy to the end instead of idling at the tail of each
chapter while one long run finishes; the chapters then read them from the results store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..experiments.schedule import longest_first
from ..experiments.spec import RunSpec
from ..experiments.sweeps import sweep_specs
from .runs import distinct

__all__ = ["CHAPTER_SWEEPS", "COMPANION_SWEEPS", "chapter_specs", "book_specs", "keep_checkpoints"]

# chapter number → the sweeps its notebook runs (`sweep_specs(name, ...)`); tests/book check the notebooks
CHAPTER_SWEEPS: dict[str, tuple[str, ...]] = {
    "01": (),
    "02": ("transfer",),
    "03": ("noisy",),
    "04": ("table2", "figure8", "central"),
    "05": ("table4", "table5"),
    "06": ("cossim",),
    "07": ("table2", "table4", "table5"),
    "08": ("why-replay",),
    "09": ("convergence",),
}


# chapter number → the sweeps it also reads of the book preset's real-data companion, over that preset's seeds
# (`book.runs.companion_runs(name, ...)`, `experiments.sweeps.companion_specs`)
COMPANION_SWEEPS: dict[str, tuple[str, ...]] = {"02": ("transfer",), "03": ("noisy",), "05": ("table4", "table5"),
                                                 "06": ("cossim",)}


def chapter_specs(chapters: Iterable[str], preset: str, seeds: Sequence[int] | None = None) -> list[RunSpec]:
    """The distinct specs of the given chapters ("02", "04", ...), in chapter order."""
    from ..experiments.sweeps import companion_specs

    seeds = tuple(seeds) if seeds else None
    return distinct([spec for chapter in chapters for name in CHAPTER_SWEEPS.get(chapter, ())
                     for spec in sweep_specs(name, preset, seeds)]
                    + [spec for chapter in chapters for name in COMPANION_SWEEPS.get(chapter, ())
                       for spec in companion_specs(name, preset)[1]])


def book_specs(chapters: Iterable[str], preset: str, seeds: Sequence[int] | None = None) -> list[RunSpec]:
    """`chapter_specs`, longest first: the order the build computes them in."""
    return longest_first(chapter_specs(chapters, preset, seeds))


def keep_checkpoints(chapters: Iterable[str], preset: str, seeds: Sequence[int] | None = None) -> list[tuple[RunSpec, int]]:
    """(spec, experience) of each checkpoint a chapter reads besides the stored results: chapter 3's
    Figure 6 reads HN-2's hypernetwork after experience 3 of the noisy stream. The build asks the store to
    keep them before its sweep, so that no chapter trains a run again to get one."""
    from ..analysis.filters import FIGURE6_AFTER, figure6_spec

    seeds = tuple(seeds) if seeds else None
    return [(figure6_spec(sweep_specs("noisy", preset, seeds)), FIGURE6_AFTER)] if "03" in set(chapters) else []
