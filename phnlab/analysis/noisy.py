"""Section 4.2, the noisy stream (chapter 3): Table 1's learning accuracies and Figure 7's first
experience over a stream whose later experiences carry image noise.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence

from .. import paper
from .claims import Claim, Verdict
from .figures import DEPTH_COLORS, GREY, curve_axes, mark_experiences, plot_mean, styled
from .stats import chance, clear_effect, diff_se, mean_sd, pct, pm, test_size

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
    from types import SimpleNamespace

    from .selection import select_runs

    runs = [SimpleNamespace(spec=spec, metrics=m) for stream in ("noisy", "clean")
            for spec, m in select_runs(store, preset, seeds, overrides, dataset, stream=stream)
            if spec.strategy in ("lr", "hn") and (spec.strategy != "lr" or spec.replay_coef == 1.0)]
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


def noisy_verdict(results: Iterable, preset_name: str) -> Verdict:
    """Section 4.2's claims, checked: LR (c = 1) ends lower on experience 1 in the noisy stream than
    in the normal one; HN's accuracy moves less between the streams; LR's learning accuracy is about
    the same in both streams while HN's is lower than LR's (Table 1)."""
    s = first_experience_summary(results)
    end = s.set_index(["strategy", "k", "stream"])["exp. 1 at the end (%)"]
    la = s.set_index(["strategy", "k", "stream"])["learning accuracy (%)"]
    n_test, n_seeds = s["test_images"].iloc[0], int(s["seeds"].min())
    depths = sorted(s["k"].unique())
    lr_gap = {k: end[("lr", k, "normal")] - end[("lr", k, "noisy")] for k in depths}
    hn_gap = {k: end[("hn", k, "normal")] - end[("hn", k, "noisy")] for k in depths}
    se = {k: diff_se(end[("lr", k, "normal")] / 100, end[("lr", k, "noisy")] / 100, n_test, n_seeds) for k in depths}
    harmed = [k for k in depths if lr_gap[k] > 0]
    clear = [k for k in depths if lr_gap[k] > 0 and clear_effect(lr_gap[k], se[k])]
    steadier = [k for k in depths if abs(hn_gap[k]) < abs(lr_gap[k])]
    la_lr = [la[("lr", k, "noisy")] - la[("lr", k, "normal")] for k in depths]
    hn_lower = [(k, st) for k in depths for st in ("noisy", "normal") if la[("hn", k, st)] < la[("lr", k, st)]]
    t1 = {key: statistics.fmean(m for m, _ in v) for key, v in paper.TABLE1.items()}  # paper: mean over e1..e4
    p_depths = sorted({k for _, k, _ in paper.TABLE1})
    p_lr = [t1[("lr", k, "noisy")] - t1[("lr", k, "normal")] for k in p_depths]
    p_hn_lower = sum(t1[("hn", k, st)] < t1[("lr", k, st)] for k in p_depths for st in ("noisy", "normal"))
    fgt = s.set_index(["strategy", "k", "stream"])["forgetting of exp. 1 (points)"]
    hn_holds = [k for k in depths if end[("hn", k, "noisy")] >= end[("lr", k, "noisy")]]
    ks = lambda values: ", ".join(f"k = {k}: {v:+.1f}" for k, v in zip(depths, values))  # noqa: E731
    claims = (
        Claim("LR ends lower on experience 1 in the noisy than in the normal stream at most depths (the paper's main claim)",
              len(harmed) > len(depths) / 2, f"at {len(harmed)} of {len(depths)} depths",
              clear=len(clear) > len(depths) / 2,
              detail=f"Normal − noisy: {ks([lr_gap[k] for k in depths])} points; twice the sampling error: "
                     + ", ".join(f"{2 * se[k]:.1f}" for k in depths) + f", exceeded at {len(clear)} of {len(depths)}. "
                     "LR forgets experience 1 by " + ", ".join(f"{fgt[('lr', k, 'noisy')]:+.1f}" for k in depths)
                     + " points in the noisy stream and by " + ", ".join(f"{fgt[('lr', k, 'normal')]:+.1f}" for k in depths)
                     + " in the normal one (negative: it gains)"),
        Claim("At the end of the noisy stream HN holds experience 1 at least as well as LR at most depths",
              len(hn_holds) > len(depths) / 2, f"at {len(hn_holds)} of {len(depths)} depths",
              detail="HN " + ", ".join(f"{end[('hn', k, 'noisy')]:.1f}" for k in depths) + " % against LR "
                     + ", ".join(f"{end[('lr', k, 'noisy')]:.1f}" for k in depths) + " %"),
        Claim("HN's accuracy on experience 1 moves less between the streams than LR's at most depths",
              len(steadier) > len(depths) / 2, f"at {len(steadier)} of {len(depths)} depths",
              detail=f"HN, normal − noisy: {ks([hn_gap[k] for k in depths])} points"),
        Claim("HN learns less than LR in most (depth, stream) pairs (learning accuracy)", len(hn_lower) > len(depths),
              f"in {len(hn_lower)} of {2 * len(depths)} (depth, stream) pairs",
              paper=f"{p_hn_lower} of {2 * len(p_depths)}",
              detail="LR's learning accuracy, noisy − normal: " + ", ".join(f"{d:+.1f}" for d in la_lr)
                     + " points (paper, Table 1 means over e1–e4: " + ", ".join(f"{d:+.1f}" for d in p_lr) + ")"),
    )
    notes = ()
    if not clear:
        notes = (f"At the **{preset_name}** preset no noisy/normal difference of LR is larger than twice the sampling "
                 f"error of {int(n_test)} test images and {n_seeds} seed(s): this run **cannot show** the paper's "
                 "effect; the claims above say which way the measurements lean, not that the effect is there or "
                 "absent.",)
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
