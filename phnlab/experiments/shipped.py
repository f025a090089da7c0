"""The shipped results store: runs that take CPU-hours, computed once by the project's own sweeps and kept
in the repository (`book/store`: spec.json and metrics.json per run, no checkpoints), so that the default
book reads them instead of training for hours.

A shipped run is current when its spec's key under today's code is its folder's name: the key holds every
value a run trains with (`RunSpec.trained_values`) and SPEC_VERSION, so a changed training constant makes
the run stale. A stale run is named, never read; `seed_results` copies only current runs into a book's
results store, where the sweep then computes what is missing (or, strict, stops).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput, PhnlabError
from .spec import RunSpec
from .store import ResultsStore

__all__ = ["SHIPPED_DIR", "SHIPPED_PRESETS", "SHIPPED_SWEEPS", "ShippedRun", "StaleStore", "scan", "stale_lines",
           "seed_results", "ship", "computes_shipped", "StudyStatus", "status"]

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "book" / "store"  # in a checkout of the repository
SHIPPED_FILES = ("spec.json", "metrics.json")
# Presets whose runs a book reads from the shipped store and never trains (they take CPU-hours), unless it
# builds fresh ($PHNLAB_FRESH=1, set by `make book FRESH=1`): a missing or stale one is named, with the command.
SHIPPED_PRESETS = ("fmnist",)
# The sweeps of a shipped preset that the default book reads (chapters 4, 6 and 8; 3; 2; 9; 5), in the order
# `status` counts a run that two of them name
SHIPPED_SWEEPS = ("central", "noisy", "transfer", "convergence", "table4", "table5")


def computes_shipped() -> bool:
    import os

    return os.environ.get("PHNLAB_FRESH") == "1"


class StaleStore(PhnlabError):
    """Shipped runs whose spec key is no longer the current code's (STRICT)."""


@dataclass
class ShippedRun:
    folder: Path
    spec: RunSpec | None  # None: the spec no longer parses (a field or value the code no longer has)
    metrics: dict | None
    problem: str = ""  # empty: current

    @property
    def current(self) -> bool:
        return not self.problem

    @property
    def label(self) -> str:
        return "?" if self.spec is None else f"{self.spec.label()} {self.spec.stream} seed {self.spec.seed}"


def scan(shipped_dir: str | Path = SHIPPED_DIR) -> list[ShippedRun]:
    """Every run folder of a shipped store, each current or with its problem in one phrase."""
    root = Path(shipped_dir)
    if not root.is_dir():
        return []
    store = ResultsStore(root)
    out = []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "first-experience"):
        spec_d = store._read_json(d / "spec.json")
        metrics = store._read_json(d / "metrics.json")
        if spec_d is None or metrics is None:
            out.append(ShippedRun(d, None, None, "spec.json or metrics.json missing or corrupt"))
            continue
        try:
            spec = RunSpec.from_dict(spec_d)
            key = spec.key()
        except (BadInput, TypeError) as e:
            out.append(ShippedRun(d, None, metrics, f"its spec no longer parses ({str(e).splitlines()[0]})"))
            continue
        problem = "" if key == d.name else f"its key under the current code is {key}"
        out.append(ShippedRun(d, spec, metrics, problem))
    return out


def stale_lines(runs: list[ShippedRun]) -> list[str]:
    return [f"stale shipped run {r.folder.name} ({r.label}): {r.problem}" for r in runs if not r.current]


def seed_results(results_dir: str | Path, shipped_dir: str | Path = SHIPPED_DIR, *, strict: bool = False,
                 log=print) -> list[ShippedRun]:
    """Copy the current shipped runs that `results_dir` lacks into it; name each stale one (strict: stop)."""
    runs = scan(shipped_dir)
    stale = stale_lines(runs)
    if stale and strict:
        raise StaleStore(f"{len(stale)} shipped run(s) are stale (STRICT): " + "; ".join(stale))
    for line in stale:
        log(f"{line}; it is not read: its sections say \"not computed\" until it is computed and shipped again")
    dst = ResultsStore(results_dir)
    copied = 0
    for r in runs:
        if r.current and dst.metrics(r.spec) is None:
            (dst.root / r.folder.name).mkdir(parents=True, exist_ok=True)
            for name in SHIPPED_FILES:
                dst._write((dst.root / r.folder.name / name), (r.folder / name).read_bytes())
            copied += 1
    if runs:
        log(f"shipped store {shipped_dir}: {sum(r.current for r in runs)} current run(s), {len(stale)} stale; "
            f"{copied} copied into {results_dir}")
    return runs


def ship(results_dir: str | Path, shipped_dir: str | Path = SHIPPED_DIR, specs=None) -> list[RunSpec]:
    """Copy finished runs (all, or those of `specs`) from a results store into the shipped store: their
    spec and metrics only. Runs must be current; their metrics must name the commit that computed them."""
    src = ResultsStore(results_dir)
    wanted = None if specs is None else {s.key() for s in specs}
    shipped = []
    for spec, metrics in src.all_metrics():
        if wanted is not None and spec.key() not in wanted:
            continue
        if not (metrics.get("computed_by") or {}).get("commit"):
            raise BadInput(f"run {spec.key()} ({spec.label()}) names no commit that computed it; "
                           "only runs computed from a git checkout are shipped")
        folder = Path(shipped_dir) / spec.key()
        folder.mkdir(parents=True, exist_ok=True)
        for name in SHIPPED_FILES:
            shutil.copyfile(src.dir(spec) / name, folder / name)
        shipped.append(spec)
    return shipped


@dataclass(frozen=True)
class StudyStatus:
    """One sweep of a shipped preset: its runs, those shipped and current, their run time, and an estimate of the
    rest (one worker; `schedule.estimate_seconds` fitted on the shipped runs)."""

    sweep: str
    runs: int
    shipped: int
    shipped_hours: float
    left_hours: float


def status(preset: str = SHIPPED_PRESETS[0], shipped_dir: str | Path = SHIPPED_DIR,
           sweeps: tuple[str, ...] = SHIPPED_SWEEPS) -> list[StudyStatus]:
    """What a shipped preset's sweeps hold and lack, a run that two sweeps name counted in the first."""
    from .schedule import estimate_seconds, measured_step_costs, seconds_per_unit
    from .sweeps import sweep_specs

    current = [r for r in scan(shipped_dir) if r.current]
    measured = [(r.spec, r.metrics) for r in current]
    step_costs = measured_step_costs(measured)
    per_unit, _ = seconds_per_unit(measured, step_costs)
    seconds = {r.folder.name: float(r.metrics.get("wall_time_s", 0.0)) for r in current}
    out, seen = [], set()
    for sweep in sweeps:
        specs = [s for s in dict((s.key(), s) for s in sweep_specs(sweep, preset)).values() if s.key() not in seen]
        seen |= {s.key() for s in specs}
        have = [s for s in specs if s.key() in seconds]
        todo = [s for s in specs if s.key() not in seconds]
        out.append(StudyStatus(sweep, len(specs), len(have), sum(seconds[s.key()] for s in have) / 3600,
                               estimate_seconds(todo, per_unit, 1, step_costs) / 3600 if todo else 0.0))
    return out
