"""Numbers behind every verdict: mean ± sd over seeds, chance, and the test sets' sampling noise.

Accuracies are percent where a name says so; stored metrics hold fractions.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from ..strategies.registry import label as strategy_label

__all__ = [
    "NBSP", "pm", "pct", "mean_sd", "yes", "model_name", "group_runs", "chance", "test_size",
    "stream_test_images", "accuracy_se", "diff_se", "clear_effect"
]

NBSP = "\u00a0"  # keeps "61.9 ± 1.7" on one line in narrow table cells


def pm(mean: float | None, sd: float | None = None, nd: int = 1) -> str:
    """'61.9 ± 1.7' (non-breaking spaces; '—' for a missing value; no ± part when sd is None)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "—"
    return f"{mean:.{nd}f}" if sd is None else f"{mean:.{nd}f}{NBSP}±{NBSP}{sd:.{nd}f}"


def pct(x: float) -> float:
    return 100.0 * x


def mean_sd(values: Sequence[float]) -> tuple[float, float | None]:
    """Mean and sample sd; sd None for a single value (printed without '±')."""
    values = list(values)
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None


def yes(flag: bool) -> str:
    return "**yes**" if flag else "**no**"


def model_name(k: int) -> str:
    """The partial hypernetwork of freeze depth k by the paper's name: HN-F (k = 0) or HN-k."""
    return strategy_label("hn", k)


def group_runs(results: Iterable, key=None) -> dict:
    """Metrics grouped by `key(spec)` (default: the spec's label, e.g. 'HN-4'); lists over seeds."""
    key = key or (lambda s: s.label())
    groups: dict = defaultdict(list)
    for r in results:
        groups[key(r.spec)].append(r.metrics)
    return dict(groups)


def chance(metrics: Mapping) -> float:
    """Accuracy (%) of guessing among one experience's classes."""
    return 100.0 / metrics["preset"]["classes_per_experience"]


def test_size(metrics: Mapping) -> int | None:
    """Test images per experience (None: the data set's whole test split, size not recorded)."""
    per_class = metrics.get("stream", {}).get("test_per_class")
    classes = metrics.get("preset", {}).get("classes_per_experience")
    return per_class * classes if per_class and classes else None


def stream_test_images(metrics: Mapping) -> int | None:
    """Test images behind a run's ACA: every experience's test set (None when not recorded)."""
    n = test_size(metrics)
    return n * len(metrics["accuracy_matrix"]) if n else None


def accuracy_se(p: float, n: int | None) -> float:
    """Binomial standard error (percentage points) of an accuracy p (fraction) measured on n images;
    0 when n is unknown (a whole test split)."""
    if n is None or not n > 0:  # None or NaN: size unknown
        return 0.0
    p = min(max(p, 0.02), 0.98)  # no zero error at 0 % or 100 %
    return 100.0 * math.sqrt(p * (1 - p) / n)


def diff_se(p1: float, p2: float, n: int | None, runs: int = 1) -> float:
    """Standard error (points) of the difference of two accuracies, each the mean of `runs` runs."""
    return math.hypot(accuracy_se(p1, n), accuracy_se(p2, n)) / math.sqrt(max(runs, 1))


def clear_effect(diff: float, se: float) -> bool:
    """A difference larger than twice its standard error (the test sets' sampling noise)."""
    return bool(abs(diff) > 2 * se)
