"""Section 4.4, look-ahead (chapter 5): Tables 4 (look-ahead or none) and 5 (first or second order)
per freeze depth, and Figure 11's curves.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from .. import paper
from ..experiments.store import ResultsStore
from ..metrics import training_seconds
from .claims import UNTIMED, Claim, Verdict
from .figures import HN_COLOR, LR_COLOR, mean_curve, plot_experience_panels
from .selection import select_runs
from .stats import clear_effect, diff_se, group_runs, model_name

__all__ = [
    "table45_rows", "table45_frame", "by_mode", "table4_verdict", "table5_verdict", "plot_lookahead_curves",
    "figure11_frame", "figure11_verdict", "lookahead_groups", "depth_curves"
]


def table45_rows(store: ResultsStore, preset: str, table: str, seeds=None, overrides=(),
                 dataset: str | None = None) -> list[dict]:
    """Table 4 (look-ahead vs none) or 5 (first vs second order) per freeze depth; where both modes ran
    on some seeds, only those seeds (a paired comparison, not one mode's extra seeds mixed in)."""
    modes, published = (("none", "first"), paper.TABLE4) if table == "4" else (("first", "second"), paper.TABLE5)
    rows = []
    for k in range(5):
        by_mode = {mode: {spec.seed: m for spec, m in select_runs(store, preset, seeds, overrides, dataset, stream="split",
                                                             strategy="hn", freeze_depth=k, lookahead=mode)}
                   for mode in modes}
        paired = set.intersection(*(set(v) for v in by_mode.values()))  # both modes on the same seeds
        for mode in modes:
            runs = [by_mode[mode][seed] for seed in sorted(paired or by_mode[mode])]
            if not runs:
                continue
            p = published[k][mode]
            rows.append({
                "k": k, "mode": mode, "seeds": len(runs),
                "aca": statistics.fmean(100 * r["aca"] for r in runs),
                "learning_accuracy": statistics.fmean(100 * r["learning_accuracy"] for r in runs),
                "minutes": statistics.fmean(training_seconds(r) for r in runs) / 60,  # without curve points
                "paper_aca": p[0], "paper_learning_accuracy": p[1], "paper_minutes": p[2],
            })
    return rows


def table45_frame(rows: Sequence[Mapping], table: str):
    """`report.table45_rows` as a table: ACA, learning accuracy, time; ours beside the paper's."""
    import pandas as pd

    names = {"none": "no look-ahead", "first": "first order", "second": "second order"}
    out = []
    for r in rows:
        out.append({
            "model": f"ResNet-{r['k']}", "update": names[r["mode"]],
            ("ACA (%)", "ours"): round(r["aca"], 1), ("ACA (%)", "paper"): r["paper_aca"],
            ("learning acc. (%)", "ours"): round(r["learning_accuracy"], 1),
            ("learning acc. (%)", "paper"): r["paper_learning_accuracy"],
            ("time", "ours (s)"): round(60 * r["minutes"], 1), ("time", "paper (min)"): r["paper_minutes"],
        })
    df = pd.DataFrame(out).set_index(["model", "update"])
    df.columns = pd.MultiIndex.from_tuples(df.columns)
    return df


def by_mode(rows: Sequence[Mapping]) -> dict:
    return {(r["k"], r["mode"]): r for r in rows}


def _aca_noise(t: Mapping, ks: Sequence[int], a: str, b: str, test_images: int | None) -> tuple[bool | None, str]:
    """Whether every ACA difference (mode a − mode b) exceeds twice its sampling error (None: sizes unknown),
    and how many do."""
    if not test_images:
        return None, ""
    se = _aca_se(t, ks, a, b, test_images)
    clear = _clear_depths(t, ks, a, b, se)
    return len(clear) == len(ks), (f"{len(clear)} of the {len(ks)} differences exceed twice their test-set sampling "
                                   f"error (2·SE up to {2 * max(se.values()):.1f}; the spread between training seeds "
                                   "comes on top)")


def _aca_se(t: Mapping, ks: Sequence[int], a: str, b: str, test_images: int) -> dict[int, float]:
    return {k: diff_se(t[(k, a)]["aca"] / 100, t[(k, b)]["aca"] / 100, test_images, t[(k, a)]["seeds"]) for k in ks}


def _clear_depths(t: Mapping, ks: Sequence[int], a: str, b: str, se: Mapping[int, float]) -> list[int]:
    """The depths whose ACA difference (mode a − mode b) exceeds twice its sampling error `se` (`_aca_se`)."""
    return [k for k in ks if clear_effect(t[(k, a)]["aca"] - t[(k, b)]["aca"], se[k])]


def _compare_modes(rows: Sequence[Mapping], new: str, old: str, published: Mapping):
    """Tables 4 and 5 compare two look-ahead modes per depth: the rows by (k, mode), the depths that have both
    modes, where `new` has the better ACA (ours, paper's), its time ratio per depth and in total (ours, where every
    row has a time; paper's),
    and the ACA differences as text."""
    t = by_mode(rows)
    ks = sorted({k for k, _ in t if (k, new) in t and (k, old) in t})
    better = [k for k in ks if t[(k, new)]["aca"] > t[(k, old)]["aca"]]
    p_better = [k for k in published if published[k][new][0] > published[k][old][0]]
    timed = all(t[(k, mode)]["minutes"] for k in ks for mode in (new, old))  # None: a time not known
    cost = {k: t[(k, new)]["minutes"] / t[(k, old)]["minutes"] for k in ks} if timed else {}
    total = sum(t[(k, new)]["minutes"] for k in ks) / sum(t[(k, old)]["minutes"] for k in ks) if ks and timed else None
    p_cost = [published[k][new][2] / published[k][old][2] for k in published]
    diffs = ", ".join(f"k = {k}: {_points(t[(k, new)]['aca'] - t[(k, old)]['aca'])}" for k in ks)
    return t, ks, better, p_better, cost, total, p_cost, diffs


def _points(d: float) -> str:
    """A difference in points as the tables round it, with a second decimal where one would print +0.0 and
    hide which way the comparison went."""
    return f"{d:+.1f}" if abs(d) >= 0.05 or d == 0 else f"{d:+.2f}"


def _most(wins: Sequence[int], ks: Sequence[int], depths: int = 5) -> bool | None:
    """Whether `wins` are most of all `depths` depths, as far as the computed ones `ks` decide it: None where the
    depths not computed could still tip it either way."""
    if len(wins) > depths / 2:
        return True
    return False if len(ks) - len(wins) >= depths / 2 else None


def _of_depths(ks: Sequence[int]) -> str:
    """' (only k = 1, 4 of 0-4 computed)' where some of the five depths lack a mode's run, else ''."""
    return "" if len(ks) == 5 else f" (only k = {', '.join(map(str, ks))} of 0-4 computed)"


def table4_verdict(rows: Sequence[Mapping], test_images: int | None = None, timing: bool | str = True
                   ) -> Verdict | None:
    """Table 4's claim: look-ahead improves the final ACA in most cases at a modest cost in time.
    `test_images`: test images behind one run's ACA (`stream_test_images`), for the noise check; `timing`: True
    where the rows' minutes are the runs' wall times, measured alike; a text naming where they come from
    (`step_times.timed_by_steps`); False where they cannot be compared (the time claim cannot tell). None where
    no depth has both modes."""
    t, ks, better, p_better, cost, total, p_cost, diffs = _compare_modes(rows, "first", "none", paper.TABLE4)
    if not ks:
        return None
    timing = timing if total is not None else False
    clear, noise = _aca_noise(t, ks, "first", "none", test_images)
    p_time = f"{min(p_cost):.2f}–{max(p_cost):.2f}×, quoted as {paper.LOOKAHEAD_COST[0]}–{paper.LOOKAHEAD_COST[1]}×"
    claims = (
        Claim("Look-ahead improves the final ACA in most cases", _most(better, ks),
              f"at {len(better)} of {len(ks)} depths{_of_depths(ks)}", paper=f"{len(p_better)} of {len(paper.TABLE4)}",
              clear=clear, detail=f"{diffs} points" + (f"; {noise}" if noise else "")),
        Claim("Look-ahead costs little time", total <= paper.LOOKAHEAD_COST[1],
              f"{total:.2f}× the time of no look-ahead over the {len(ks)} runs ({min(cost.values()):.2f}–"
              f"{max(cost.values()):.2f}× per depth)", paper=p_time,
              detail=timing if isinstance(timing, str) else "whole-run wall times of single runs on a shared "
                     "machine; chapter 7 points to the step-level measurement") if timing else
        Claim("Look-ahead costs little time", None, UNTIMED, paper=p_time),
    )
    notes = () if clear is not False else ("At this preset the ACA comparison shows no clear effect either way.",)
    return Verdict(claims, notes=notes)


def table5_verdict(rows: Sequence[Mapping], test_images: int | None = None, timing: bool | str = True
                   ) -> Verdict | None:
    """Table 5's conclusion: second order is not better enough to pay for its time; first order is
    the reasonable choice. `test_images` and `timing` as for `table4_verdict` (untimed, the trade-off is judged
    on ACA alone where second order wins it, else cannot tell). An ACA gain of second order counts for the
    trade-off only where it is clear of its sampling noise (with `test_images`)."""
    t, ks, second_better, p_second_better, cost, total, p_cost, diffs = _compare_modes(
        rows, "second", "first", paper.TABLE5)
    if not ks:
        return None
    timing = timing if total is not None else False
    clear, noise = _aca_noise(t, ks, "second", "first", test_images)
    reasons = []
    second_wins = _most(second_better, ks)
    clear_ks = (_clear_depths(t, ks, "second", "first", _aca_se(t, ks, "second", "first", test_images))
                if test_images else None)  # a gain within the noise does not pay; None: test sizes unknown
    gains = second_better if clear_ks is None else [k for k in second_better if k in clear_ks]
    pays = _most(gains, ks)
    if pays:
        reasons.append(f"second order has the {'better' if clear_ks is None else 'clearly better'} ACA at most depths "
                       f"({len(gains)} of {len(ks)})")
    if timing and total <= 1:
        reasons.append(f"second order is not slower in total: {total:.2f}×")
    p_time = f"{min(p_cost):.2f}–{max(p_cost):.2f}×"
    claims = (
        Claim("Second order beats first order in ACA", second_wins,
              f"at {len(second_better)} of {len(ks)} depths{_of_depths(ks)}",
              paper=f"{len(p_second_better)} of {len(paper.TABLE5)}",
              clear=clear, detail=f"{diffs} points" + (f"; {noise}" if noise else "")),
        Claim("Second order takes longer than first order", total > 1,
              f"{total:.2f}× the time of first order over the {len(ks)} runs ({min(cost.values()):.2f}–"
              f"{max(cost.values()):.2f}× per depth)", paper=p_time,
              detail=timing if isinstance(timing, str) else "") if timing else
        Claim("Second order takes longer than first order", None, UNTIMED, paper=p_time),
        Claim("First order is the better trade-off (the paper's conclusion)", not reasons, "; ".join(reasons) if reasons
              else f"second order wins at {len(second_better)} of {len(ks)} depths"
                   + ("" if clear_ks is None else f" ({len(gains)} clear of the noise)") + " and costs more in total")
        if reasons or (timing and pays is not None) else
        Claim("First order is the better trade-off (the paper's conclusion)", None,
              f"second order wins at {len(second_better)} of {len(ks)} depths in ACA{_of_depths(ks)}"
              + ("" if timing else f"; {UNTIMED}")),
    )
    return Verdict(claims)


def plot_lookahead_curves(none: Sequence[Mapping], first: Sequence[Mapping], *, max_experiences: int = 8,
                          title: str = ""):
    """Figure 11: accuracy on experiences 1..8 over the stream, with (first order) and without look-ahead."""
    n = min(max_experiences, len(first[0]["accuracy_matrix"]))
    return plot_experience_panels({"look-ahead (first order)": first, "no look-ahead": none}, range(n),
                                  styles={"look-ahead (first order)": {"color": HN_COLOR},
                                          "no look-ahead": {"color": LR_COLOR, "ls": "--"}}, title=title)


def figure11_frame(groups: Mapping[tuple[int, str], Sequence[Mapping]], *, max_experiences: int = 8):
    """Per freeze depth: on how many of the first (up to 8) experiences the look-ahead curve is
    higher on average than the no-look-ahead curve, and which. `groups`: (k, mode) → runs."""
    import pandas as pd

    rows = []
    for k in sorted({k for k, _ in groups}):
        first, none = groups.get((k, "first")), groups.get((k, "none"))
        if not first or not none:
            continue
        n = min(max_experiences, len(first[0]["accuracy_matrix"]))
        above = [j for j in range(n) if mean_curve(first, j)[1].mean() > mean_curve(none, j)[1].mean()]
        rows.append({"model": model_name(k), "experiences": n, "look-ahead higher on average": len(above),
                     "which": ", ".join(f"e{j + 1}" for j in above) or "—"})
    return pd.DataFrame(rows).set_index("model")


def figure11_verdict(frame) -> Verdict:
    """Most curves higher with look-ahead, and clear only where the count is unlikely for a coin flip: a
    two-sided binomial test against one half at the 5 % level."""
    from scipy.stats import binomtest

    higher, total = int(frame["look-ahead higher on average"].sum()), int(frame["experiences"].sum())
    p_value = binomtest(higher, total, 0.5).pvalue if total else 1.0
    return Verdict((Claim("Look-ahead's curve lies higher on most experiences (Figure 11)", higher > total / 2,
                          f"higher on {higher} of {total} (experience, depth) curves ({100 * higher / total:.0f} %), "
                          "each averaged over the stream",
                          paper="higher on every experience but the second, in one run", clear=p_value < 0.05,
                          rule=f"a coin flip gives such a count with p = {p_value:.2f} (clear below 0.05)"),))


def lookahead_groups(results) -> dict[tuple[int, str], list[Mapping]]:
    """Metrics over seeds per (freeze depth, look-ahead mode)."""
    return group_runs(results, key=lambda s: (s.freeze_depth, s.lookahead))


def depth_curves(groups: Mapping[tuple[int, str], Sequence[Mapping]]) -> dict:
    """Figure 11 for every depth that ran both with and without look-ahead: {k: figure}."""
    depths = sorted(k for k, mode in groups if mode == "none" and (k, "first") in groups)
    return {k: plot_lookahead_curves(groups[(k, "none")], groups[(k, "first")],
                                     title=f"{model_name(k)}: look-ahead vs none") for k in depths}
