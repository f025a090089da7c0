"""The training time of shipped runs, from step times measured in one window.

A shipped run's wall time says how busy the machine was while it ran, as much as what it cost: the real-data
studies were computed by background workers beside other work, over days. Their time claims (HN-2 against HN-F,
look-ahead's cost, second order against first) read instead `phnlab bench --stream-costs`: the step time of each
partial hypernetwork under each update at every experience of the stream, measured in interleaved rounds within
minutes, times the steps a run trains per experience. Evaluation is left out (the same for every update)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .stats import model_name

__all__ = ["STREAM_COSTS_FILE", "StreamCosts", "stored_stream_costs", "timed_by_steps", "timed", "costs_frame"]

STREAM_COSTS_FILE = "docs/stream-costs-{preset}-cpu.json"  # `phnlab bench --stream-costs --preset P --json`
_DEPTHS = {model_name(k): k for k in range(5)}  # HN-F → 0, HN-1 → 1, ...: the model's label back to its depth


@dataclass(frozen=True)
class StreamCosts:
    """One `phnlab bench --stream-costs` result and the file it was read from."""

    path: str
    result: Mapping

    def minutes(self, k: int, mode: str) -> float | None:
        """Training minutes of a whole run of HN-k (k = 0: HN-F) under `mode`; None where it was not timed."""
        ms, steps = self.result["step_ms"].get(f"{model_name(k)} {mode}"), self.result.get("steps_per_experience")
        return steps * sum(ms) / 60000 if ms and steps else None

    def source(self) -> str:
        """Where the times come from, for a claim's detail."""
        r = self.result
        where = r["device_name"] if "thread" in r["device_name"] else f"{r['device_name']}, {r['threads']} thread(s)"
        return (f"Training time modelled from step times measured at every experience in one window "
                f"(`{self.path}`: {where}, median of {r['repeats']} rounds) "
                f"× {r['steps_per_experience']:,} steps per experience; evaluation left out")


def stored_stream_costs(preset: str, root: str | Path | None = None) -> StreamCosts | None:
    """The committed step-time model of `preset`'s split stream, or None where it is missing or unreadable."""
    root = Path(root) if root is not None else Path(__file__).resolve().parents[2]
    name = STREAM_COSTS_FILE.format(preset=preset)
    try:
        doc = json.loads((root / name).read_text())
    except (OSError, ValueError):
        return None
    ok = isinstance(doc, dict) and doc.get("preset") == preset and isinstance(doc.get("step_ms"), dict)
    return StreamCosts(name, doc) if ok else None


def timed_by_steps(rows: Sequence[Mapping], costs: StreamCosts) -> list[dict]:
    """Table rows with "minutes" from the step-time model: a Table 4/5 row by its depth and update ("k", "mode"),
    a Table 2 row of a partial hypernetwork ("strategy" HN-F, HN-1..4: first order) by its label. A row the model
    has no time for gets None."""
    out = []
    for row in rows:
        k, mode = (row["k"], row["mode"]) if "mode" in row else (_DEPTHS.get(row.get("strategy")), "first")
        out.append({**row, "minutes": None if k is None else costs.minutes(k, mode)})
    return out


def timed(rows: Sequence[Mapping], preset: str, root: str | Path | None = None) -> tuple[list[dict], str | bool]:
    """A shipped study's table rows with their minutes from `preset`'s step-time model, and the `timing` argument
    of the verdicts that read them (the model's source); (the rows, False) where the preset has no model, so
    that the time claims cannot tell."""
    costs = stored_stream_costs(preset, root)
    return (timed_by_steps(rows, costs), costs.source()) if costs else (list(rows), False)


def costs_frame(costs: StreamCosts):
    """The model as a table: ms per step at each experience, a whole run's training minutes, and its multiple of
    the same model's first-order run."""
    import pandas as pd

    rows = []
    for label, ms in costs.result["step_ms"].items():
        model, mode = label.rsplit(" ", 1)
        k = _DEPTHS[model]
        first = costs.minutes(k, "first")
        rows.append({"model": model, "update": mode, **{f"exp {i + 1} (ms)": round(v) for i, v in enumerate(ms)},
                     "run (min)": costs.minutes(k, mode), "× first order": (costs.minutes(k, mode) or 0) / first
                     if first else None})
    return pd.DataFrame(rows).set_index(["model", "update"]).round(2)
