"""Numbers behind every verdict: mean ± sd over seeds, chance, and the test sets' sampling noise.

Accuracies are percent where a name says so; stored metrics hold fractions.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..strategies.registry import label as strategy_label
from .claims import Claim

__all__ = [
    "NBSP", "pm", "pct", "mean_sd", "yes", "model_name", "group_runs", "experience_classes", "chance", "test_size",
    "stream_test_images", "accuracy_se", "diff_se", "forgetting_se", "clear_effect", "HEADLINE_SEEDS", "PAIRED_RULE", "SEED_RULE", "Effect",
    "seed_effect", "paired_effect", "pooled", "every_claim"
]

HEADLINE_SEEDS = 3  # the paper's count of seeds: a headline verdict needs as many
PAIRED_RULE = "paired by seed; |effect| > 2 SE, SE the larger of sd/√n and the test sets' sampling error"
SEED_RULE = f"{PAIRED_RULE}; ≥ {HEADLINE_SEEDS} seeds"  # a headline claim's

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


def experience_classes(metrics: Mapping) -> int | None:
    """Classes of a run's last experience, as its stream recorded them (a transfer experience holds
    `transfer_classes`, not the split stream's `classes_per_experience`); the preset's count where not recorded."""
    stream, preset = metrics.get("stream") or {}, metrics.get("preset") or {}
    if stream.get("class_order"):
        return len(stream["class_order"][-1])
    if stream.get("kind") == "transfer" and preset.get("transfer_classes"):
        return preset["transfer_classes"]
    return preset.get("classes_per_experience")


def chance(metrics: Mapping) -> float:
    """Accuracy (%) of guessing among one experience's classes (the last experience's)."""
    return 100.0 / experience_classes(metrics)


def test_size(metrics: Mapping) -> int | None:
    """Test images of one experience, the last (None: the data set's whole test split, size not recorded)."""
    per_class = (metrics.get("stream") or {}).get("test_per_class")
    classes = experience_classes(metrics)
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


def forgetting_se(learning: float, n_test: int | None, T: int, seeds: int, forgetting: float = 0.0) -> float:
    """Sampling error (points) of a mean forgetting: T − 1 differences of an accuracy right after learning
    (`learning`, fraction) and one at the end (`learning − forgetting`), each on n_test / T images, averaged over
    `seeds` runs; 0 when n_test is unknown. (The two share their test images, so this bounds the error above.)"""
    if not n_test:
        return 0.0
    clip = lambda p: min(max(p, 0.02), 0.98)  # noqa: E731
    p1, p2 = clip(learning), clip(learning - forgetting)
    return 100 * math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / (n_test / T) / max(T - 1, 1) / max(seeds, 1))


def clear_effect(diff: float, se: float) -> bool:
    """A difference larger than twice its standard error (the test sets' sampling noise)."""
    return bool(abs(diff) > 2 * se)


@dataclass(frozen=True)
class Effect:
    """A difference measured on each of several seeds (points): its mean, standard error and seed count."""

    value: float
    se: float
    seeds: int

    @property
    def clear(self) -> bool:
        return clear_effect(self.value, self.se)

    def record(self, rule: str | None = None, headline: bool = False) -> dict:
        """The fields a `claims.Claim` keeps of it (a headline claim needs `HEADLINE_SEEDS` seeds)."""
        return {"effect": self.value, "se": self.se, "seeds": self.seeds, "clear": self.clear,
                "rule": rule or (SEED_RULE if headline else PAIRED_RULE),
                "seeds_needed": HEADLINE_SEEDS if headline else None}


def seed_effect(per_seed: Sequence[float], sampling_se: float) -> Effect:
    """The mean of a difference measured once per seed; its SE the larger of the spread over seeds (sd/√n)
    and `sampling_se`, the test sets' noise in that mean (with one or two seeds the spread says little)."""
    values = list(per_seed)
    spread = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0
    return Effect(statistics.fmean(values), max(spread, sampling_se), len(values))


def pooled(effects: Sequence[Effect]) -> Effect:
    """The mean of several effects (e.g. one per freeze depth), their errors combined as independent."""
    effects = list(effects)
    return Effect(statistics.fmean(e.value for e in effects),
                  math.sqrt(sum(e.se ** 2 for e in effects)) / len(effects), min(e.seeds for e in effects))


def paired_effect(a: Mapping[int, float], b: Mapping[int, float], n_test: int | None,
                  sampling_se=None) -> Effect | None:
    """a − b over the seeds both hold (values in %, keyed by seed), each accuracy measured on `n_test` images;
    None where they share no seed. `sampling_se(mean_a, mean_b, seeds)`: the sampling error of the mean
    difference where a and b are not plain accuracies (default: two accuracies on `n_test` images each)."""
    seeds = sorted(set(a) & set(b))
    if not seeds:
        return None
    mean_a, mean_b = (statistics.fmean(v[s] for s in seeds) for v in (a, b))
    sampling = (sampling_se(mean_a, mean_b, len(seeds)) if sampling_se
                else diff_se(mean_a / 100, mean_b / 100, n_test, len(seeds)))
    return seed_effect([a[s] - b[s] for s in seeds], sampling)


def _ahead(e: Effect) -> bool:
    return round(e.value, 1) > 0  # a tie as printed (+0.0) is not ahead


def _behind(e: Effect) -> bool:
    return round(e.value, 1) < 0  # nor is it behind


def every_claim(claim: str, effects: Mapping[str, Effect | None], *, headline: bool = False, paper: str | None = None,
                missing: Sequence[str] = (), unit: str = "points", noun: str = "depth", rule: str | None = None) -> Claim:
    """A claim that must hold at every one of several depths (or models), from one effect each (keyed by its
    name, e.g. 'k = 2'; None where its runs share no seed, counted as missing), signed so that > 0 means the
    claim holds there. It holds where every point estimate is ahead (a printed tie, +0.0, is not); it is clear
    where every one is clear of its noise and none is `missing`, or where one is clearly behind. One depth
    decides, and the claim shows its effect and seeds: where the claim holds, the least clear of those short of
    the seeds a headline claim needs (else of all); where it does not, the clearest case behind (one with the
    seeds it needs first), else the least clear of those not ahead. `rule`: how each effect is measured (default:
    paired by seed, `PAIRED_RULE`)."""
    missing = list(missing) + [k for k, e in effects.items() if e is None]
    effects = {k: e for k, e in effects.items() if e is not None}
    if not effects:
        return Claim(claim, None, f"no {noun} computed" + (f" ({', '.join(missing)} lack a common seed or a run)"
                                                           if missing else ""), paper=paper)
    need = HEADLINE_SEEDS if headline else 1
    z = lambda item: item[1].value / item[1].se if item[1].se > 0 else math.copysign(math.inf, item[1].value)  # noqa: E731
    ahead = [k for k, e in effects.items() if _ahead(e)]
    clear_for = [k for k in ahead if effects[k].clear]
    against = [k for k, e in effects.items() if _behind(e) and e.clear]
    open_ = [k for k in effects if k not in clear_for and k not in against]
    holds = len(ahead) == len(effects)
    settled = (len(clear_for) == len(effects) and not missing) if holds else bool(against)
    if holds:
        short = [k for k, e in effects.items() if e.seeds < need]
        candidates, why = (short, "the weakest depth short of seeds") if short else (list(effects), "the weakest depth")
    elif against:
        candidates = [k for k in against if effects[k].seeds >= need] or against
        why = "the clearest depth behind"
    else:
        candidates, why = [k for k in effects if k not in ahead], "the weakest depth not ahead"
    where, decisive = min(((k, effects[k]) for k in candidates), key=z)
    parts = [f"ahead at {len(ahead)} of {len(effects)} {noun}s (point estimates)"]
    parts += [f"{what} at {', '.join(ks)}" for what, ks in (("clear", clear_for), ("clearly behind", against),
                                                             ("within the noise", open_), ("not computed", missing)) if ks]
    parts.append(f"decided by {where} ({why.replace('depth', noun)})")
    return Claim(claim, holds, "; ".join(parts), paper=paper, clear=settled,
                 detail=", ".join(f"{k}: {e.value:+.1f} ± {e.se:.1f} {unit} ({e.seeds} seed{'s' if e.seeds != 1 else ''})"
                                  for k, e in effects.items()),
                 effect=decisive.value, se=decisive.se, seeds=decisive.seeds,
                 rule=(rule or PAIRED_RULE) + (f"; ≥ {HEADLINE_SEEDS} seeds" if headline else "")
                 + f"; for every {noun}: each clear, or one clearly behind "
                 "(the effect shown is the deciding one's)", seeds_needed=need if headline else None)
