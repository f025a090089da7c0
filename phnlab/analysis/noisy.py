"""Section 4.2, the noisy stream (chapter 3): Table 1's learning accuracies and Figure 7's first
experience over a stream whose later experiences carry image noise.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from .. import paper
from .claims import Claim, Verdict
from .figures import DEPTH_COLORS, GREY, curve_axes, mark_experiences, plot_mean, styled
from .stats import Effect, chance, mean_sd, paired_effect, pct, pm, pooled, stream_test_images, test_size

__all__ = [
    "table1_frame", "first_experience_summary", "noisy_verdict", "plot_noisy_first_experience"
]


def _stream_name(stream: str) -> str:
    return "normal" if stream == "clean" else stream


def table1_frame(results: Iterable):
    """Table 1: learning accuracy (%) per experience for LR (c = 1) and partial HN (*) at each k in
    the normal (clean) and noisy streams; one row of ours (mean ± sd over seeds) and one of the
    paper's per (model, stream)."""
    import pandas as pd

    groups: dict[tuple[str, int, str], list] = defaultdict(list)
    for r in results:
        s = r.spec
        if s.stream in ("noisy", "clean"):
            groups[(s.strategy, s.freeze_depth, _stream_name(s.stream))].append(r.metrics["accuracy_matrix"])
    rows = []
    for (strategy, k, stream), mats in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0] == "hn", kv[0][2])):
        model = f"ResNet-{k}" + ("*" if strategy == "hn" else "")
        n = len(mats[0])
        ours = {"model": model, "stream": stream, "source": f"ours ({len(mats)} seed{'s' * (len(mats) > 1)})"}
        ours.update({f"e{i + 1}": pm(*mean_sd([pct(m[i][i]) for m in mats])) for i in range(n)})
        published = paper.TABLE1.get((strategy, k, stream))
        theirs = {"model": model, "stream": stream, "source": "paper"}
        theirs.update({f"e{i + 1}": pm(*published[i]) if published and i < len(published) else "—" for i in range(n)})
        rows += [ours, theirs]
    return pd.DataFrame(rows).set_index(["model", "stream", "source"])


def table1_rows(store, preset: str, seeds=None, overrides=(), dataset: str | None = None) -> list[dict]:
    """Table 1 of the stored noisy and clean runs of a preset (`table1_frame`), as rows."""
    from .selection import select_runs

    runs = [r for stream in ("noisy", "clean") for r in select_runs(store, preset, seeds, overrides, dataset, stream=stream)
            if r.spec.strategy in ("lr", "hn") and (r.spec.strategy != "lr" or r.spec.replay_coef == 1.0)]
    return table1_frame(runs).reset_index().to_dict("records") if runs else []


def first_experience_summary(results: Iterable):
    """Per (model, stream): accuracy (%) on experience 1 right after it and at the end of the
    stream, its forgetting, mean over seeds; the learning accuracy; the test-set size."""
    import pandas as pd

    groups: dict[tuple[str, int, str], list] = defaultdict(list)
    for r in results:
        s = r.spec
        if s.stream in ("noisy", "clean"):
            groups[(s.strategy, s.freeze_depth, _stream_name(s.stream))].append(r.metrics)
    rows = []
    for (strategy, k, stream), runs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        after = statistics.fmean(m["accuracy_matrix"][0][0] for m in runs)
        end = statistics.fmean(m["accuracy_matrix"][-1][0] for m in runs)
        rows.append({"model": f"{strategy.upper()}-{k}", "strategy": strategy, "k": k, "stream": stream,
                     "seeds": len(runs), "exp. 1 after it (%)": pct(after), "exp. 1 at the end (%)": pct(end),
                     "forgetting of exp. 1 (points)": pct(after - end),
                     "learning accuracy (%)": pct(statistics.fmean(m["learning_accuracy"] for m in runs)),
                     "test_images": test_size(runs[0])})
    return pd.DataFrame(rows)


def _by_seed(results: Iterable) -> dict[tuple[str, int, str], dict[int, Mapping]]:
    """Metrics by (strategy, k, 'noisy' | 'normal') and seed."""
    out: dict[tuple[str, int, str], dict[int, Mapping]] = defaultdict(dict)
    for r in results:
        s = r.spec
        if s.stream in ("noisy", "clean"):
            out[(s.strategy, s.freeze_depth, _stream_name(s.stream))][s.seed] = r.metrics
    return out


def _values(runs: Mapping[int, Mapping], of) -> dict[int, float]:
    return {seed: of(m) for seed, m in runs.items()}


def _end_on_first(m: Mapping) -> float:
    return pct(m["accuracy_matrix"][-1][0])  # experience 1 at the end of the stream


def _learning(m: Mapping) -> float:
    return pct(m["learning_accuracy"])


def _moves_less(lr: Effect, hn: Effect) -> Effect:
    """How much less HN's normal − noisy gap is than LR's, in size, with both gaps' noise."""
    return Effect(abs(lr.value) - abs(hn.value), math.hypot(lr.se, hn.se), min(lr.seeds, hn.seeds))


def noisy_verdict(results: Iterable, preset_name: str) -> Verdict:
    """Section 4.2's claims, each an effect paired by seed with its noise, pooled over the freeze depths: LR
    (c = 1) ends lower on experience 1 in the noisy stream than in the normal one, and HN holds it at least as
    well as LR there (the headline claims, three seeds); HN's accuracy moves less between the streams; LR learns
    the noisy stream about as well as the normal one, while HN learns less than LR (Table 1)."""
    runs = _by_seed(results)
    four = lambda k: [(m, k, x) for m in ("lr", "hn") for x in ("noisy", "normal")]  # noqa: E731
    depths = sorted(k for (st, k, stream) in runs if st == "lr" and stream == "noisy"
                    and all(key in runs for key in four(k)) and set.intersection(*(set(runs[key]) for key in four(k))))
    if not depths:
        return Verdict((Claim("LR ends lower on experience 1 in the noisy than in the normal stream", None,
                              "the results hold no depth with LR and HN in both streams on a common seed"),))
    some = next(iter(runs[("lr", depths[0], "noisy")].values()))
    n_test, n_stream = test_size(some), stream_test_images(some)

    def paired(a, b, of, n):
        return paired_effect(_values(runs[a], of), _values(runs[b], of), n)

    lr_gap = {k: paired(("lr", k, "normal"), ("lr", k, "noisy"), _end_on_first, n_test) for k in depths}
    hn_gap = {k: paired(("hn", k, "normal"), ("hn", k, "noisy"), _end_on_first, n_test) for k in depths}
    hn_holds = {k: paired(("hn", k, "noisy"), ("lr", k, "noisy"), _end_on_first, n_test) for k in depths}
    lr_learning = {k: paired(("lr", k, "noisy"), ("lr", k, "normal"), _learning, n_stream) for k in depths}
    hn_less = {(k, st): paired(("lr", k, st), ("hn", k, st), _learning, n_stream)
               for k in depths for st in ("noisy", "normal")}
    t1 = {key: statistics.fmean(m for m, _ in v) for key, v in paper.TABLE1.items()}  # paper: mean over e1..e4
    p_depths = sorted({k for _, k, _ in paper.TABLE1})
    p_lr = [t1[("lr", k, "noisy")] - t1[("lr", k, "normal")] for k in p_depths]
    p_hn_lower = sum(t1[("hn", k, st)] < t1[("lr", k, st)] for k in p_depths for st in ("noisy", "normal"))
    margin = max(abs(d) for d in p_lr)  # "about the same": within the paper's own largest gap
    per_depth = lambda effects: ", ".join(f"k = {k}: {e.value:+.1f} ± {e.se:.1f}" for k, e in effects.items())  # noqa: E731
    count = lambda effects: sum(e.value > 0 for e in effects.values())  # noqa: E731
    pooled_over = "mean over k = " + ", ".join(map(str, depths))

    lr_lower = pooled(lr_gap.values())
    holds = pooled(hn_holds.values())
    steadier = pooled(_moves_less(lr_gap[k], hn_gap[k]) for k in depths)
    lr_same = pooled(lr_learning.values())
    learns_less = pooled(hn_less.values())
    same_record = {**lr_same.record(rule=f"|effect| ≤ {margin:.1f} (the paper's largest gap), decided when "
                                         f"|effect| − {margin:.1f} is beyond 2 SE"),
                   "clear": abs(abs(lr_same.value) - margin) > 2 * lr_same.se}
    fgt = lambda k, stream: statistics.fmean(  # noqa: E731
        pct(m["accuracy_matrix"][0][0] - m["accuracy_matrix"][-1][0]) for m in runs[("lr", k, stream)].values())
    claims = (
        Claim("LR ends lower on experience 1 in the noisy than in the normal stream (the paper's main claim)",
              lr_lower.value > 0, f"{lr_lower.value:+.1f} points normal − noisy, {pooled_over}; lower at "
              f"{count(lr_gap)} of {len(depths)} depths", paper="yes",
              detail=f"Per depth (± SE): {per_depth(lr_gap)}. LR forgets experience 1 by "
                     + ", ".join(f"{fgt(k, 'noisy'):+.1f}" for k in depths) + " points in the noisy stream and by "
                     + ", ".join(f"{fgt(k, 'normal'):+.1f}" for k in depths) + " in the normal one (negative: it gains)",
              **lr_lower.record(headline=True)),
        Claim("At the end of the noisy stream HN holds experience 1 at least as well as LR", holds.value >= 0,
              f"HN − LR {holds.value:+.1f} points, {pooled_over}; HN at least as high at "
              f"{sum(e.value >= 0 for e in hn_holds.values())} of {len(depths)} depths", paper="yes",
              detail=f"Per depth (± SE): {per_depth(hn_holds)}", **holds.record(headline=True)),
        Claim("HN's accuracy on experience 1 moves less between the streams than LR's",
              steadier.value > 0, f"|LR's gap| − |HN's gap| {steadier.value:+.1f} points, {pooled_over}",
              paper="yes", detail=f"HN, normal − noisy (± SE): {per_depth(hn_gap)}", **steadier.record()),
        Claim("LR learns the noisy stream about as well as the normal one (learning accuracy)",
              abs(lr_same.value) <= margin, f"noisy − normal {lr_same.value:+.1f} points, {pooled_over}",
              paper="Table 1 means over e1–e4: " + ", ".join(f"{d:+.1f}" for d in p_lr),
              detail=f"Per depth (± SE): {per_depth(lr_learning)}", **same_record),
        Claim("HN learns less than LR (learning accuracy)", learns_less.value > 0,
              f"LR − HN {learns_less.value:+.1f} points, mean over {len(hn_less)} (depth, stream) pairs; less in "
              f"{count(hn_less)} of them", paper=f"in {p_hn_lower} of {2 * len(p_depths)} pairs",
              detail="Per pair (± SE): " + ", ".join(f"k = {k} {st}: {e.value:+.1f} ± {e.se:.1f}"
                                                     for (k, st), e in hn_less.items()), **learns_less.record()),
    )
    notes = ()
    if not lr_lower.clear:
        notes = (f"At the **{preset_name}** preset LR's noisy/normal difference is within twice its error "
                 f"({int(n_test) if n_test else 'all'} test images and {lr_lower.seeds} seed(s)): this run **did not "
                 "resolve** the paper's effect; the claims above give the point estimates."
                 + (f" What it leaves open is bounded: normal − noisy is at most {lr_lower.value + 2 * lr_lower.se:+.1f} "
                    f"points (effect + 2 SE); and LR forgets experience 1 by at most "
                    f"{max(fgt(k, st) for k in depths for st in ('noisy', 'normal')):.1f} points in either stream (the "
                    "largest point estimate): the paper's effect is LR forgetting more under noise, so a stream on which "
                    "LR barely forgets gives it little room to show."
                    if lr_lower.seeds > 1 else ""),)
    return Verdict(claims, notes=notes)


@styled
def plot_noisy_first_experience(results: Sequence):
    """Figure 7: accuracy on the first experience over the stream. Left: LR-k (c = 1), noisy (solid)
    vs normal (dashed). Right: LR-k (solid) vs partial HN-k (dashed) in the noisy stream."""
    from matplotlib.figure import Figure

    groups: dict[tuple[str, int, str], list] = defaultdict(list)
    for r in results:
        groups[(r.spec.strategy, r.spec.freeze_depth, r.spec.stream)].append(r.metrics)
    depths = sorted({k for _, k, _ in groups})
    fig = Figure(figsize=(10, 3.8), dpi=90)
    left, right = fig.subplots(1, 2, sharey=True)
    any_runs = next(iter(groups.values()))[0]
    for k in depths:
        c = DEPTH_COLORS[k]
        for stream, ls in (("noisy", "-"), ("clean", "--")):
            if ("lr", k, stream) in groups:
                plot_mean(left, groups[("lr", k, stream)], 0, color=c, ls=ls, label=f"LR-{k} {_stream_name(stream)}")
        for strategy, ls in (("lr", "-"), ("hn", "--")):
            if (strategy, k, "noisy") in groups:
                plot_mean(right, groups[(strategy, k, "noisy")], 0, color=c, ls=ls, label=f"{strategy.upper()}-{k}")
    for ax, title in ((left, "LR (c = 1): noisy (solid) vs normal (dashed)"),
                      (right, "noisy stream: LR (solid) vs partial HN (dashed)")):
        ax.axhline(chance(any_runs), color=GREY, lw=0.8, ls="--")
        curve_axes(ax, title)
        mark_experiences(ax, any_runs)
        ax.legend(ncol=3, loc="lower left", fontsize=8.5, columnspacing=1.0, handlelength=3.2)
    left.set_ylabel("accuracy on experience 1 (%)")
    right.set_ylabel("")
    fig.tight_layout()
    return fig
