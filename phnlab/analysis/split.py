"""Section 4.3, the split benchmarks (chapter 4): Table 2 beside the paper's, and Figure 8's retention
of old experiences.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence

from .. import paper
from ..strategies import registry
from ..metrics import training_seconds
from ..experiments.store import ResultsStore
from .central import compare_depths, ordering_claim
from .selection import in_table2, select_runs, table2_by_seed
from .claims import UNTIMED, Claim, Verdict
from .figures import HN_COLOR, LR_COLOR, plot_experience_panels
from .stats import (accuracy_se, clear_effect, every_claim, forgetting_se, group_runs, mean_sd, model_name,
                    paired_effect, pct, pm, stream_test_images, test_size)

__all__ = [
    "TABLE2_ORDER", "table2_order", "table2_rows", "table2_frame", "study_results", "table2_verdict", "retention_frame", "figure8_verdict", "FIGURE8",
    "split_groups", "figure8_groups", "plot_figure8", "depth_panels"
]


TABLE2_ORDER = ("Naive", "EWC", "LR-0", "LR-1", "HN-1", "LR-2", "HN-2", "LR-3", "HN-3", "LR-4", "HN-4", "HN-F")


def table2_order() -> tuple[str, ...]:
    """Table 2's rows: the paper's, then the registered reference strategies it does not report."""
    return TABLE2_ORDER + tuple(registry.label(r.name, r.depths[0]) for r in registry.references())


def table2_rows(store: ResultsStore, preset: str, benchmark: str = "cifar100", seeds=None,
                overrides=(), dataset: str | None = None) -> list[dict]:
    """ACA, forgetting (percent, mean ± sd over seeds) and minutes per strategy, beside Table 2."""
    groups = defaultdict(list)
    for spec, m in select_runs(store, preset, seeds, overrides, dataset, stream="split"):
        if in_table2(spec):
            groups[m["label"]].append(m)
    rows = []
    for label in table2_order():
        runs = groups.get(label)
        if not runs:
            continue
        p = paper.TABLE2[benchmark].get(label)
        rows.append({
            "strategy": label, "seeds": len(runs), "reference": label not in TABLE2_ORDER,
            "aca": mean_sd([100 * r["aca"] for r in runs]),
            "forgetting": mean_sd([100 * r["forgetting"] for r in runs]),
            "learning_accuracy": mean_sd([100 * r["learning_accuracy"] for r in runs]),
            "minutes": statistics.fmean(training_seconds(r) for r in runs) / 60,  # without curve points
            "paper_aca": p["aca"] if p else None, "paper_forgetting": p["forgetting"] if p else None,
            "paper_minutes": p["minutes"] if p else None,
        })
    return rows


def table2_frame(rows: Sequence[Mapping]):
    """`report.table2_rows` as a table: ours (mean ± sd over seeds) beside the paper's."""
    import pandas as pd

    out = []
    for r in rows:
        p_aca, p_fgt = r["paper_aca"], r["paper_forgetting"]
        out.append({
            "strategy": r["strategy"] + (" (reference, not in the paper)" if r.get("reference") else ""),
            "seeds": r["seeds"], ("ACA (%)", "ours"): pm(*r["aca"]), ("ACA (%)", "paper"): pm(*p_aca) if p_aca else "—",
            ("forgetting (%)", "ours"): pm(*r["forgetting"]),
            ("forgetting (%)", "paper"): pm(*p_fgt) if p_fgt else "—",
            ("learning acc. (%)", "ours"): pm(*r["learning_accuracy"]),
            ("time", "ours (s)"): f"{60 * r['minutes']:.0f}",
            ("time", "paper (min)"): f"~{r['paper_minutes']}" if r["paper_minutes"] else "—",
        })
    df = pd.DataFrame(out).set_index(["strategy", "seeds"])
    df.columns = pd.MultiIndex.from_tuples(df.columns)
    return df


def study_results(store: ResultsStore, preset: str, seeds=None, overrides=()) -> list:
    """The stored split-stream runs of one study (a preset, its seeds and overrides) as results with `.spec` and
    `.metrics`, for `table2_verdict`."""
    return list(select_runs(store, preset, seeds, overrides, stream="split"))


def table2_verdict(rows: Sequence[Mapping], results: Sequence, preset, timing: bool | str = True) -> Verdict:
    """Section 4.3's claims on Table 2: HN-k beats LR-k in ACA; HN-2 ≈ HN-F in less time (`timing`: True where the
    rows' minutes are the runs' wall times, measured alike; a text where they come from elsewhere, which it names
    (`step_times.timed_by_steps`); False where they cannot be compared); HN forgets less and learns less than LR, and forgets less than
    Naive. Each "at every depth" claim pairs the two models by seed at each depth (`stats.every_claim`);
    strategies that barely beat chance are named."""
    by = {r["strategy"]: r for r in rows}
    if not results:
        return Verdict((Claim("HN-k beats LR-k in ACA at every depth", None, "no run of Table 2 is stored"),))
    runs = table2_by_seed((r.spec, r.metrics) for r in results)
    p2 = paper.TABLE2["cifar100"]
    n_test = stream_test_images(results[0].metrics)  # ACA and learning accuracy: all experiences' test sets
    T = len(results[0].metrics["accuracy_matrix"])
    pairs = {f"k = {k or 'F'}": (f"LR-{k}", model_name(k)) for k in (1, 2, 3, 4, 0)
             if f"LR-{k}" in runs and model_name(k) in runs}
    depths = {name: pair for name, pair in pairs.items() if name != "k = F"}  # the depths Table 2 compares (no LR-0)
    missing = [f"k = {k}" for k in (1, 2, 3, 4) if f"k = {k}" not in pairs]
    p_pairs = [(lr, hn) for lr, hn in pairs.values() if lr in p2 and hn in p2]
    per_seed = lambda label, key: {s: 100 * m[key] for s, m in runs[label].items()}  # noqa: E731

    def lower_forgetting(a, b):  # b's forgetting minus a's, paired by seed: > 0 where a forgets less
        common = set(runs[a]) & set(runs[b])  # the sampling error from the learning accuracy of the paired seeds

        def se(_a, _b, seeds):
            mean = lambda x, key: statistics.fmean(runs[x][s][key] for s in common)  # noqa: E731
            return math.hypot(*(forgetting_se(mean(x, "learning_accuracy"), n_test, T, seeds, mean(x, "forgetting"))
                                for x in (a, b)))
        return paired_effect(per_seed(b, "forgetting"), per_seed(a, "forgetting"), n_test, sampling_se=se)

    claims = [ordering_claim(compare_depths(runs), "HN-k beats LR-k in ACA at every depth")]
    if "HN-2" in by and "HN-F" in by:
        gap = by["HN-2"]["aca"][0] - by["HN-F"]["aca"][0]
        p_gap = p2["HN-2"]["aca"][0] - p2["HN-F"]["aca"][0]
        p_ratio = p2["HN-2"]["minutes"] / p2["HN-F"]["minutes"]
        minutes = by["HN-2"]["minutes"], by["HN-F"]["minutes"]
        ratio = minutes[0] / minutes[1] if timing and all(minutes) else None
        claims.append(Claim("HN-2 reaches about HN-F's ACA in less time", None if ratio is None else ratio < 1,
                            f"ACA {gap:+.1f} points in {ratio:.2f}× the time" if ratio is not None else
                            f"ACA {gap:+.1f} points; {UNTIMED}", paper=f"{p_gap:+.1f} points in {p_ratio:.2f}× the time",
                            detail=timing if isinstance(timing, str) and ratio is not None else ""))
    claims.append(every_claim("HN-k forgets less than LR-k at every depth",
                              {k: lower_forgetting(hn, lr) for k, (lr, hn) in depths.items()}, missing=missing,
                              paper=f"{sum(p2[hn]['forgetting'][0] < p2[lr]['forgetting'][0] for lr, hn in p_pairs)} "
                              f"of {len(p_pairs)}"))
    claims.append(every_claim("HN-k learns less than LR-k at every depth (learning accuracy)",
                              {k: paired_effect(per_seed(lr, "learning_accuracy"), per_seed(hn, "learning_accuracy"),
                                                n_test) for k, (lr, hn) in depths.items()}, missing=missing))
    if "Naive" in runs:
        hns = [hn for _, hn in pairs.values()]
        claims.append(every_claim("HN forgets less than Naive", {hn: lower_forgetting(hn, "Naive") for hn in hns},
                                  noun="model", paper=f"{sum(p2[hn]['forgetting'][0] < p2['Naive']['forgetting'][0] for hn in hns if hn in p2)} "
                                  f"of {sum(hn in p2 for hn in hns)}"))
    chance = 100 / preset.classes_per_experience
    near = [r["strategy"] for r in rows if r["learning_accuracy"][0] < chance + 10]
    notes = ()
    if near:
        one = len(near) == 1
        notes = (f"{', '.join(near)} learn{'s' if one else ''} each experience to within 10 points of chance "
                 f"({chance:.0f} %; learning accuracy " + ", ".join(f"{by[s]['learning_accuracy'][0]:.1f}" for s in near)
                 + f"): at the **{preset.name}** preset ({preset.epochs} epoch(s) of {preset.train_per_class} images per "
                 f"class) {'it barely learns' if one else 'they barely learn'}, so the comparisons involving "
                 f"{'it' if one else 'them'} check that everything runs, not the paper's claims.",)
    return Verdict(tuple(claims), notes=notes)


def retention_frame(groups: Mapping[str, Sequence[Mapping]], experiences: Sequence[int] = (0, 1, 2)):
    """Per group and experience: accuracy (%) right after learning it, at the end of the stream, and
    the points lost in between (mean over seeds)."""
    import pandas as pd

    rows = []
    for name, runs in groups.items():
        for j in experiences:
            after = statistics.fmean(m["accuracy_matrix"][j][j] for m in runs)
            end = statistics.fmean(m["accuracy_matrix"][-1][j] for m in runs)
            rows.append({"strategy": name, "experience": j + 1, "right after (%)": pct(after),
                         "at the end (%)": pct(end), "lost (points)": pct(after - end)})
    frame = pd.DataFrame(rows).round(1).set_index(["strategy", "experience"])
    first = next(iter(groups.values()))[0]
    frame.attrs.update(test_images=test_size(first), seeds=min(len(runs) for runs in groups.values()))
    return frame


def figure8_verdict(frame, hn: str = "HN-3", lrs: Sequence[str] = ("LR-3 (c=1)", "LR-3 (c=0)")) -> Verdict:
    """Figure 8's reading: the partial HN is the most stable on old experiences but has a lower learning
    accuracy than LR (c = 1)."""
    lost = frame.groupby(level="strategy")["lost (points)"].mean()
    learned = frame.groupby(level="strategy")["right after (%)"].mean()
    n = frame.index.get_level_values("experience").nunique()
    # sampling error of a difference of two mean losses (each: after − end, over n experiences and the seeds)
    se = 2 * accuracy_se(learned.mean() / 100, frame.attrs.get("test_images")) / math.sqrt(
        n * frame.attrs.get("seeds", 1))
    clear = all(clear_effect(lost[hn] - lost[lr], se) for lr in lrs) if se > 0 else None
    notes = ()
    if se > 0 and not any(clear_effect(lost[hn] - lost[lr], se) for lr in lrs):
        notes = (f"The differences in loss are within twice their sampling error (±{2 * se:.1f} points with "
                 f"{frame.attrs['test_images']} test images per experience): at this preset they show no effect "
                 "either way.",)
    claims = (
        Claim(f"{hn} loses the least on old experiences", lost[hn] < min(lost[lr] for lr in lrs),
              f"between learning each of experiences 1–{n} and the end of the stream it loses {lost[hn]:.1f} "
              "points on average, "
              + " and ".join(f"{lr} {lost[lr]:.1f}" for lr in lrs), clear=clear),
        Claim(f"{hn}'s learning accuracy is the lower one", learned[hn] < learned[lrs[0]],
              f"{learned[hn]:.1f} % right after training against {learned[lrs[0]]:.1f} % for {lrs[0]}"),
    )
    return Verdict(claims, notes=notes)

FIGURE8 = {"LR-3 (c=0)": {"color": "0.45", "ls": ":"}, "LR-3 (c=1)": {"color": LR_COLOR}, "HN-3": {"color": HN_COLOR}}


def split_groups(results) -> dict[str, list[Mapping]]:
    """Metrics per strategy over seeds, latent replay named with its replay coefficient ('LR-3 (c=1)')."""
    return group_runs(results, key=lambda s: f"{s.label()} (c=1)" if s.strategy == "lr" and s.replay_coef == 1
                      else s.label())


def figure8_groups(groups: Mapping[str, Sequence[Mapping]]) -> dict[str, Sequence[Mapping]]:
    """Figure 8's three models: LR-3 without and with replay, and HN-3."""
    return {name: groups[name] for name in FIGURE8}


def plot_figure8(fig8: Mapping[str, Sequence[Mapping]], experiences: Sequence[int] = (0, 1, 2)):
    """Figure 8: accuracy on the first experiences over the stream, LR-3 (c = 0, 1) against HN-3."""
    return plot_experience_panels(fig8, experiences, styles=FIGURE8)


def depth_panels(groups: Mapping[str, Sequence[Mapping]], k: int, experiences: Sequence[int] = (0, 1, 2)):
    """LR-k (c = 1) against HN-k (HN-F at k = 0): accuracy on the first experiences over the stream."""
    lr, hn = f"LR-{k} (c=1)", model_name(k)
    return plot_experience_panels({lr: groups[lr], hn: groups[hn]}, experiences,
                                  styles={lr: {"color": LR_COLOR}, hn: {"color": HN_COLOR, "ls": "--"}},
                                  title=f"freeze depth k = {k}: {lr} vs {hn}")
