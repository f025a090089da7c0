"""The paper's metrics as pure functions of an accuracy matrix.

`acc[i][j]` is the accuracy (in [0, 1]) on the test set of experience j after training on
experience i; entries with j > i are not measured (NaN).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

__all__ = ["aca", "aca_curve", "learning_accuracy", "forgetting", "summarize", "busy_seconds", "training_seconds"]

Matrix = Sequence[Sequence[float]]


def _check(acc: Matrix) -> int:
    n = len(acc)
    if n == 0 or any(len(row) < i + 1 for i, row in enumerate(acc)):
        raise ValueError("accuracy matrix must be square-ish: row i needs entries 0..i")
    return n


def aca(acc: Matrix, after: int | None = None) -> float:
    """Average classification accuracy over experiences 1..i after training on experience i."""
    n = _check(acc)
    i = n - 1 if after is None else after
    return sum(acc[i][j] for j in range(i + 1)) / (i + 1)


def aca_curve(acc: Matrix) -> list[float]:
    return [aca(acc, i) for i in range(_check(acc))]


def learning_accuracy(acc: Matrix) -> float:
    """Mean over experiences of the accuracy measured right after training on it."""
    n = _check(acc)
    return sum(acc[i][i] for i in range(n)) / n


def forgetting(acc: Matrix, after: int | None = None) -> float:
    """Mean over earlier experiences of (accuracy right after training on it − accuracy now).

    The experience just trained is excluded; with one experience forgetting is 0 by convention.
    """
    n = _check(acc)
    i = n - 1 if after is None else after
    if i == 0:
        return 0.0
    return sum(acc[j][j] - acc[i][j] for j in range(i)) / i


def summarize(acc: Matrix) -> dict[str, float]:
    out = {"aca": aca(acc), "learning_accuracy": learning_accuracy(acc), "forgetting": forgetting(acc)}
    assert all(not math.isnan(v) for v in out.values()), out
    return out


def busy_seconds(metrics: Mapping) -> float:
    """A stored run's seconds of computing: its CPU time where recorded and below its wall time (a pause, or
    another job on the same cores, counts in the wall time only), else its wall time (runs stored before CPU
    time was, runs on several threads, whose CPU time exceeds their wall time, and runs on a GPU)."""
    wall, cpu = float(metrics["wall_time_s"]), metrics.get("cpu_time_s")
    on_cpu = str(metrics.get("device", "cpu")).startswith("cpu")  # on a GPU the process's CPU time is not the run's
    return min(wall, float(cpu)) if cpu and on_cpu else wall


def training_seconds(metrics: Mapping) -> float:
    """A stored run's seconds without its per-epoch curve points' evaluation (`curve_eval_s`): what training
    costs, comparable between runs with and without curves (runs stored before it: `wall_time_s`)."""
    return float(metrics["wall_time_s"]) - float(sum(metrics.get("curve_eval_s", ())))
