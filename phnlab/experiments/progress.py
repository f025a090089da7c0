"""Progress of a chapter's runs for the terminal that builds the book, never for the executed page.

A chapter's kernel appends one JSON line per event to the file named by $PHNLAB_PROGRESS (set by
`tools/build_book.py`, unset elsewhere: then nothing is written); the build reads the file and prints
each line as "runs done / runs needed, the current run, elapsed time, estimate of the time left".
Stored runs count as done. The estimate of the time left comes from the runs trained so far, each timed
from being handed out to being stored (building the stream, evaluating and saving included, not only
training): a straight line through their seconds against their estimated cost (`schedule.estimated_cost`:
steps times a strategy's relative step cost), a fixed time per run plus a time per unit of cost, gives
each run left its time; their sum is shared by the most runs seen going on at once (the workers; not the
runs going on at this moment, which drop by one between two runs): runs handed out longest first would
otherwise make the first estimates far too long. The fixed part (starting the stream, the matrix rows,
the saves) is what the cheapest runs, handed out last, are mostly made of; it stays 0 until the runs
trained differ enough in cost to tell it from the rest.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from ..strategies import registry
from .schedule import estimated_cost, first_shared

__all__ = ["ENV", "ProgressEvent", "RunProgress", "read_events", "format_event", "run_time_model"]

ENV = "PHNLAB_PROGRESS"


@dataclass
class ProgressEvent:
    done: int  # runs finished (stored or trained now)
    total: int  # distinct runs the call needs
    current: str  # label of the run in progress ("" when none)
    elapsed_s: float
    left_s: float | None  # None: no run trained yet, nothing to estimate from


class RunProgress:
    """Events of one `run_specs` call; a no-op unless $PHNLAB_PROGRESS names a file."""

    def __init__(self, specs: Sequence, path: str | os.PathLike | None = None):
        path = path if path is not None else os.environ.get(ENV)
        self.path = Path(path) if path else None
        distinct = {s.key(): s for s in specs}
        self.total = len(distinct)
        shared = first_shared(list(distinct.values()))
        self.cost = {k: estimated_cost(s, first_shared=f) for (k, s), f in zip(distinct.items(), shared)}
        self.left_cost = sum(self.cost.values())
        self.done = 0
        self.timed: list[tuple[float, float]] = []  # (estimated cost, seconds) of each run trained here
        self.current: dict[str, str] = {}
        self.started: dict[str, float] = {}  # key -> when the run was handed out
        self.width = 1  # the most runs seen going on at once: the workers (between two runs one is idle)
        self.seen: set[str] = set()
        self.t0 = _now()

    def start(self, spec) -> None:
        if self.path is not None:
            self.current[spec.key()] = _describe(spec)
            self.started[spec.key()] = _now()
            self.width = max(self.width, len(self.current))
            self._write()

    def finish(self, spec, result) -> None:
        if spec.key() in self.seen:
            return
        self.seen.add(spec.key())
        self.done += 1
        self.current.pop(spec.key(), None)
        cost = self.cost.get(spec.key(), 1.0)
        self.left_cost -= cost
        if getattr(result, "computed", False):
            started = self.started.pop(spec.key(), None)
            # the run's own time here; without a start, its training time (a first experience loaded from
            # another run took none of it)
            seconds = _now() - started if started is not None else float(
                result.metrics.get("wall_time_s", 0.0)) - float(result.metrics.get("first_experience_shared_s", 0.0))
            self.timed.append((cost, seconds))
        self._write()

    def event(self) -> ProgressEvent:
        left = None
        if self.timed:
            runs_left = self.total - self.done
            at_once = max(1, min(self.width, runs_left))
            per_run, per_cost = run_time_model(self.timed)
            left = (per_run * runs_left + per_cost * max(0.0, self.left_cost)) / at_once
        return ProgressEvent(self.done, self.total, ", ".join(self.current.values()), _now() - self.t0, left)

    def _write(self) -> None:
        if self.path is None:
            return
        with open(self.path, "a") as f:
            f.write(json.dumps(asdict(self.event())) + "\n")


# The fixed time per run is fitted only once the runs timed span costs at least this many times apart:
# runs of nearly one cost cannot tell a fixed time from a time per unit of cost.
_SPREAD_TO_FIT = 2.0


def run_time_model(timed: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """(seconds per run, seconds per unit of estimated cost) from (cost, seconds) of runs timed: the least-
    squares line, neither part below 0; through the origin (no fixed part) while the costs are too close."""
    costs = [c for c, _ in timed]
    total_cost, total_s = sum(costs), sum(s for _, s in timed)
    through_origin = (0.0, total_s / total_cost if total_cost > 0 else 0.0)
    if len(timed) < 3 or min(costs) <= 0 or max(costs) < _SPREAD_TO_FIT * min(costs):
        return through_origin
    n = len(timed)
    mean_c, mean_s = total_cost / n, total_s / n
    var = sum((c - mean_c) ** 2 for c in costs)
    per_cost = sum((c - mean_c) * (s - mean_s) for c, s in timed) / var
    per_run = mean_s - per_cost * mean_c
    if per_run < 0:
        return through_origin
    if per_cost < 0:
        return (mean_s, 0.0)
    return (per_run, per_cost)


def _now() -> float:
    return time.monotonic()


def _describe(spec) -> str:
    over = ", ".join(f"{k}={v}" for k, v in spec.normalized().overrides)
    reads_lookahead = "lookahead" in registry.identity(spec.strategy).options
    lookahead = f" look-ahead {spec.lookahead}" if reads_lookahead and spec.lookahead != "first" else ""
    # the data sets tell runs apart: a transfer stream's pair (the same model, seed and settings on two pairs),
    # and the real and the synthetic split streams one book reads
    data = " → ".join(spec.data_sets()) if hasattr(spec, "data_sets") else ""
    stream = f"{spec.stream} {data}" if data else spec.stream
    return f"{spec.label()}{lookahead} {stream} seed {spec.seed}" + (f" ({over})" if over else "")


def read_events(path: str | os.PathLike, offset: int = 0) -> tuple[list[ProgressEvent], int]:
    """Complete event lines of the file from byte `offset` on, and the offset after them."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return [], offset
    end = data.rfind(b"\n") + 1
    events = [ProgressEvent(**json.loads(line)) for line in data[:end].splitlines() if line.strip()]
    return events, offset + end


def format_event(e: ProgressEvent) -> str:
    """'7/24 runs · now HN-2 split seed 0 · 5.2 min elapsed · ~9.0 min left'."""
    parts = [f"{e.done}/{e.total} runs"]
    if e.current:
        parts.append(f"now {e.current}")
    parts.append(f"{e.elapsed_s / 60:.1f} min elapsed")
    if e.left_s is not None and e.done < e.total:
        parts.append(f"~{e.left_s / 60:.1f} min left")
    return " · ".join(parts)
