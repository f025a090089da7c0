"""The paper's central comparison, HN-k against LR-k in ACA at each freeze depth, per data set, normalisation
policy and schedule, with its noise over seeds (chapter 4's real-image section and the introduction).

A depth's effect is the mean over seeds of HN-k's ACA minus LR-k's on the same seed (paired). Its standard
error is the larger of the spread over seeds (sd / √n) and the test sets' sampling error: with one or two
seeds the spread says little. A headline verdict needs the paper's three seeds; with fewer it is "not
resolved", whatever the point estimate.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import paper
from ..experiments.store import ResultsStore
from ..experiments.sweeps import AUTHORS
from .claims import Claim, Verdict, answer
from .figures import HN_COLOR, LR_COLOR, styled
from .selection import select_runs, table2_by_seed
from .stats import (HEADLINE_SEEDS, SEED_RULE, Effect, clear_effect, every_claim, forgetting_se, mean_sd, paired_effect,
                    seed_effect, stream_test_images)

__all__ = ["DATA_NAMES", "data_name", "dataset_of", "findings_of", "studies", "depth_grid", "HEADLINE_SEEDS", "DEPTHS", "POLICIES", "DepthComparison", "depth_comparisons", "compare_depths", "policy_comparisons", "ordering_claim",
           "comparison_frame", "central_verdict", "plot_depths"]

DEPTHS = (1, 2, 3, 4, 0)  # k = 0: LR-0 (replaying images) against the full hypernetwork HN-F
POLICIES = {"population": (), "authors": AUTHORS}  # ours; the authors' (running for LR, batch for HN)
DATA_NAMES = {"synthetic": "synthetic shapes", "fashionmnist": "Fashion-MNIST", "cifar100": "CIFAR-100"}


@dataclass(frozen=True)
class DepthComparison:
    """HN-k against LR-k at one depth, over the seeds both ran (ACA, learning accuracy and forgetting in %)."""

    k: int
    seeds: tuple[int, ...]
    lr_aca: tuple[float, float | None]  # mean, sd over seeds
    hn_aca: tuple[float, float | None]
    lr_learning: float
    hn_learning: float
    lr_forgetting: tuple[float, float | None]
    hn_forgetting: tuple[float, float | None]
    effect: float  # HN-k minus LR-k, ACA points, mean over the paired seeds
    se: float
    lr_forgetting_se: float = 0.0  # of LR-k's mean forgetting: the larger of sd/√n and the test sets' sampling error

    @property
    def lr(self) -> str:
        return f"LR-{self.k}"

    @property
    def hn(self) -> str:
        return "HN-F" if self.k == 0 else f"HN-{self.k}"

    @property
    def clear(self) -> bool:
        return clear_effect(self.effect, self.se)

    def claim(self, where: str) -> Claim:
        p = paper.TABLE2["cifar100"]
        p_text = (f"{p[self.hn]['aca'][0] - p[self.lr]['aca'][0]:+.1f}" if self.hn in p and self.lr in p else None)
        return Claim(f"{self.hn} beats {self.lr} in ACA ({where})", self.effect > 0,
                     f"{self.hn_aca[0]:.1f} vs {self.lr_aca[0]:.1f} %", paper=p_text, clear=self.clear,
                     effect=self.effect, se=self.se, seeds=len(self.seeds), rule=SEED_RULE,
                     seeds_needed=HEADLINE_SEEDS)


def depth_comparisons(store: ResultsStore, preset: str, seeds=None, overrides=()) -> list[DepthComparison]:
    """HN-k against LR-k at every depth where both ran on a common seed, in `DEPTHS` order."""
    return compare_depths(table2_by_seed(select_runs(store, preset, seeds, overrides, stream="split")))


def compare_depths(by: Mapping[str, Mapping[int, Mapping]]) -> list[DepthComparison]:
    """`depth_comparisons` of Table 2's runs by label and seed (`selection.table2_by_seed`)."""
    out = []
    for k in DEPTHS:
        lr, hn = by.get(f"LR-{k}", {}), by.get("HN-F" if k == 0 else f"HN-{k}", {})
        common = tuple(sorted(set(lr) & set(hn)))
        if not common:
            continue
        pct = lambda runs, key: [100 * runs[s][key] for s in common]  # noqa: E731
        aca = lambda runs: {s: 100 * runs[s]["aca"] for s in common}  # noqa: E731
        first = lr[common[0]]
        effect = paired_effect(aca(hn), aca(lr), stream_test_images(first))
        lr_learning = statistics.fmean(pct(lr, "learning_accuracy"))
        lr_forgetting = seed_effect(pct(lr, "forgetting"), forgetting_se(
            lr_learning / 100, stream_test_images(first), len(first["accuracy_matrix"]), len(common),
            statistics.fmean(pct(lr, "forgetting")) / 100))
        out.append(DepthComparison(
            k, common, mean_sd(pct(lr, "aca")), mean_sd(pct(hn, "aca")),
            lr_learning, statistics.fmean(pct(hn, "learning_accuracy")),
            mean_sd(pct(lr, "forgetting")), mean_sd(pct(hn, "forgetting")),
            effect.value, effect.se, lr_forgetting.se))
    return out


def policy_comparisons(store: ResultsStore, preset: str, seeds=None, overrides=()) -> dict[str, list[DepthComparison]]:
    """`depth_comparisons` under each normalisation policy (empty lists where the store holds none)."""
    return {name: depth_comparisons(store, preset, seeds, tuple(overrides) + policy) for name, policy in POLICIES.items()}


def comparison_frame(by_policy: Mapping[str, Sequence[DepthComparison]]):
    """One row per policy and depth: both models' ACA (mean ± sd), the paired effect ± SE and the verdict."""
    import pandas as pd

    from .stats import pm

    rows = []
    for policy, comps in by_policy.items():
        for c in comps:
            claim = c.claim(policy)
            rows.append({"policy": policy, "k": c.k, "seeds": len(c.seeds),
                         "LR-k ACA (%)": pm(*c.lr_aca), "HN-k ACA (%)": pm(*c.hn_aca),
                         "HN − LR (points)": f"{c.effect:+.1f} ± {c.se:.1f}", "HN-k beats LR-k": claim.verdict,
                         "paper HN − LR": claim.paper or "—",
                         "LR-k forgetting": pm(*c.lr_forgetting), "HN-k forgetting": pm(*c.hn_forgetting),
                         "LR-k learning acc.": round(c.lr_learning, 1), "HN-k learning acc.": round(c.hn_learning, 1)})
    return pd.DataFrame(rows).set_index(["policy", "k"]) if rows else pd.DataFrame()


def _depth_name(k: int) -> str:
    return f"k = {'F' if k == 0 else k}"


def ordering_claim(comps: Sequence[DepthComparison], claim: str) -> Claim:
    """The paper's ordering, HN-k ahead of LR-k in ACA at every depth k = 1-4, as a headline claim
    (`stats.every_claim`: the depths not computed keep it open). The paper's Table 2 has no LR-0 row, so HN-F
    against LR-0 (k = F) is shown beside it (`comparison_frame`) but does not decide it."""
    cut = [c for c in comps if c.k]
    present = {c.k for c in cut}
    return every_claim(claim, {_depth_name(c.k): Effect(c.effect, c.se, len(c.seeds)) for c in cut}, headline=True,
                       paper="4 of 4 (no LR-0 row)", missing=[_depth_name(k) for k in DEPTHS if k and k not in present])


def central_verdict(by_policy: Mapping[str, Sequence[DepthComparison]], data_name: str) -> Verdict:
    """At which depths HN-k beats LR-k under each policy; how much LR forgets under each; and whether the
    authors' normalisation turns the ordering into the paper's (HN ahead at every depth under it, not under ours),
    with the sizes beside the paper's."""
    p2 = paper.TABLE2["cifar100"]
    p_low = min(p2[f"LR-{k}"]["forgetting"][0] for k in (1, 2, 3, 4))
    claims = []
    every = {}
    for policy, comps in by_policy.items():
        if not comps:
            continue
        n_seeds = min(len(c.seeds) for c in comps)
        ordering = ordering_claim(comps, f"{data_name}, {policy} normalisation: HN-k beats LR-k in ACA at every depth")
        every[policy] = ordering
        claims.append(ordering)
        lrs = [c for c in comps if c.k != 0]
        if lrs:  # each LR-k's forgetting minus the paper's lowest
            claims.append(every_claim(
                f"{data_name}, {policy} normalisation: LR forgets as much as the paper's LR (at least {p_low:.1f} "
                "points) at every depth",
                {f"LR-{c.k}": Effect(c.lr_forgetting[0] - p_low, c.lr_forgetting_se, len(c.seeds)) for c in lrs},
                headline=True,
                paper=f"{p_low:.1f}–{max(p2[f'LR-{k}']['forgetting'][0] for k in (1, 2, 3, 4)):.1f}",
                missing=[f"LR-{k}" for k in (1, 2, 3, 4) if k not in {c.k for c in lrs}], noun="model",
                rule="each model's mean over seeds against the paper's lowest LR forgetting; |effect| > 2 SE, SE the larger "
                "of sd/√n and the test sets' sampling error"))
    if "population" in every and "authors" in every:
        pop, auth = every["population"], every["authors"]
        comps = {c.k: c for c in by_policy["authors"] if c.k}
        paper_gaps = [p2[f"HN-{k}"]["aca"][0] - p2[f"LR-{k}"]["aca"][0] for k in (1, 2, 3, 4)]
        sizes = ""
        if comps:
            gaps, fgt = [c.effect for c in comps.values()], [c.lr_forgetting[0] for c in comps.values()]
            sizes = (f"Under the authors' normalisation HN − LR is {min(gaps):+.1f} to {max(gaps):+.1f} points (paper "
                     f"{min(paper_gaps):+.1f} to {max(paper_gaps):+.1f}) and LR forgets {min(fgt):.1f} to {max(fgt):.1f} "
                     f"points (paper {p_low:.1f} to {max(p2[f'LR-{k}']['forgetting'][0] for k in (1, 2, 3, 4)):.1f})")
        claims.append(Claim(f"{data_name}: the authors' normalisation turns the ordering into the paper's (HN ahead at "
                            "every depth under it, not under ours)", auth.holds and not pop.holds,
                            f"under ours HN-k beats LR-k at every depth: {pop.verdict} (point estimate "
                            f"{answer(pop.holds)}); under the authors': {auth.verdict} (point estimate {answer(auth.holds)})",
                            clear=bool(pop.clear and auth.clear), seeds=min(pop.seeds or 0, auth.seeds or 0),
                            seeds_needed=HEADLINE_SEEDS, detail=sizes))
    return Verdict(tuple(claims))


@styled
def plot_depths(by_policy_one: Sequence[DepthComparison], title: str):
    """ACA (solid) and learning accuracy (dotted) of LR-k and HN-k against the freeze depth, ± sd over seeds."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 3.6))
    ax = fig.add_subplot()
    comps = sorted(by_policy_one, key=lambda c: c.k)
    xs = [c.k for c in comps]
    for name, color, aca, learn in (("LR-k", LR_COLOR, lambda c: c.lr_aca, lambda c: c.lr_learning),
                                    ("HN-k", HN_COLOR, lambda c: c.hn_aca, lambda c: c.hn_learning)):
        ax.errorbar(xs, [aca(c)[0] for c in comps], yerr=[aca(c)[1] or 0 for c in comps], color=color, marker="o",
                    capsize=3, label=f"{name} ACA")
        ax.plot(xs, [learn(c) for c in comps], color=color, ls=":", marker=".", label=f"{name} learning acc.")
    ax.set_xticks(range(5), ["0 (LR-0 / HN-F)", "1", "2", "3", "4"])
    ax.set_xlabel("freeze depth k")
    ax.set_ylabel("accuracy (%)")
    seeds = sorted({s for c in comps for s in c.seeds})
    ax.set_title(f"{title} ({len(seeds)} seed{'s' if len(seeds) != 1 else ''})")
    ax.legend(loc="lower left", ncols=2, frameon=False)
    ax.grid(alpha=0.3)
    return fig


def dataset_of(preset: str) -> str:
    from ..config import get_preset

    return get_preset(preset).dataset


def data_name(preset: str) -> str:
    """The data set a preset's split stream reads, by its usual name."""
    return DATA_NAMES.get(dataset_of(preset), dataset_of(preset))


def findings_of(verdict: Verdict, preset: str) -> dict[str, Claim | None]:
    """`central_verdict`'s claims by the paper claim they settle (`analysis.findings.PAPER_CLAIMS`)."""
    name = data_name(preset)
    return {"hn-beats-lr": verdict.get(f"{name}, population normalisation: HN-k"),
            "hn-beats-lr-authors": verdict.get(f"{name}, authors normalisation: HN-k"),
            "lr-forgets": verdict.get(f"{name}, population normalisation: LR forgets"),
            "lr-forgets-authors": verdict.get(f"{name}, authors normalisation: LR forgets"),
            "authors-norm": verdict.get(f"{name}: the authors' normalisation")}


def studies(preset: str, seeds: Sequence[int]) -> list[tuple[str, tuple[int, ...]]]:
    """(preset, seeds) of each study a book preset's chapter 4 reads (`sweeps.CENTRAL_STUDIES`): its own with
    the chapter's seeds, another (shipped) with that preset's."""
    from ..config import get_preset
    from ..experiments.sweeps import CENTRAL_STUDIES

    return [(s, tuple(seeds) if s == preset else get_preset(s).seeds) for s in CENTRAL_STUDIES.get(preset, (preset,))]


def depth_grid(store: ResultsStore, chosen: Sequence[tuple[str, Sequence[int]]]):
    """(items, controls, value) for `book.widgets.option_grid`: HN-k and LR-k against k for each data set,
    normalisation policy and schedule (steps per experience) the store holds; the first study's (shipped)
    real data at its own schedule under ours shown first where there is one."""
    from ..config import get_preset
    from ..experiments.store import StoreSnapshot
    from ..experiments.sweeps import epochs_for, convergence_steps, steps_per_experience

    store = StoreSnapshot(store)  # one read for the grid's many selections
    items, names, all_steps = {}, [], set()
    for preset, seeds in chosen:
        p = get_preset(preset)
        name = data_name(preset)
        names.append(name)
        per_epoch = steps_per_experience(p) // p.epochs
        for epochs in sorted({p.epochs} | {epochs_for(n, p) for n in convergence_steps(preset)}):
            for policy, comps in policy_comparisons(store, preset, seeds, (("epochs", epochs),)).items():
                if comps:
                    steps = per_epoch * epochs
                    all_steps.add(steps)
                    items[(name, policy, steps)] = plot_depths(comps, f"{name} · {policy} · {steps:,} steps")
    controls = [("data set", names), ("normalisation", list(POLICIES)), ("steps per experience", sorted(all_steps))]
    real = [(n, pr) for n, (pr, _) in zip(names, chosen) if get_preset(pr).dataset != "synthetic"]
    first = real[-1] if real else (names[0], chosen[0][0])
    own = steps_per_experience(get_preset(first[1]))
    value = (first[0], "population", own) if (first[0], "population", own) in items else None
    return items, controls, value
