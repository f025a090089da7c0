"""What the book's chapters 2–7 show: runs read from (or added to) the results store, turned into
tables, figures and verdicts beside the paper's numbers.

Every function here reads stored metrics (the dicts `experiments.runner.run` writes) or runs specs
through `runner.run`; nothing here trains or measures on its own, except `generated_filters`, which
has the runner train a partial hypernetwork and reads the generated tensors from its checkpoint
(Figure 6 needs a trained hypernetwork; the runner drops checkpoints of finished runs).

Verdicts (`*_verdict`) are markdown computed from the results, each set against the paper's numbers
from `phnlab.paper`; where the preset's test sets are too small for a difference to stand out from
their sampling noise (`clear_effect`), the verdict says so.

Accuracies are percent (the stored metrics hold fractions), times seconds or minutes as labelled.
Figures are `matplotlib.figure.Figure`s (no pyplot state), at most 10 inches wide per row, with
fonts sized for the book's page width; a chapter shows them with `display` or hands them to
`phnlab.widgets.depth_slider`.
"""

from __future__ import annotations

import functools
import json
import math
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from . import paper

__all__ = [
    "STAGES", "TRANSFER_ROLES", "pm", "pct", "run_specs", "runs_summary", "group_runs", "mean_curve",
    "experience_curve", "stream_test_images", "accuracy_se", "diff_se", "clear_effect", "frozen_diagram",
    # chapter 2
    "transfer_frame", "transfer_table", "transfer_drops", "transfer_verdict", "plot_transfer", "transfer_depth_figure",
    # chapter 3
    "table1_frame", "first_experience_summary", "noisy_verdict", "plot_noisy_first_experience",
    "generated_filters", "filter_similarity", "filters_verdict", "plot_filters",
    # chapter 4
    "table2_frame", "table2_verdict", "plot_experience_panels", "retention_frame", "figure8_verdict",
    # chapter 5
    "table45_frame", "table4_verdict", "table5_verdict", "plot_lookahead_curves", "figure11_frame",
    "figure11_verdict",
    # chapter 6
    "cosine_frame", "cosine_verdict", "cosine_experiences_frame", "cosine_experiences_verdict", "plot_cosines",
    # chapter 7
    "cost_frame", "plot_cost", "time_verdict", "lookahead_cost_frame", "lookahead_cost_verdict",
    "memory_frame", "memory_verdict", "table6_frame", "table6_verdict", "find_bench_result",
    "markdown_tables", "bench_frame",
]

STAGES = ("stem", "layer1", "layer2", "layer3", "layer4", "head")

# Roles of the transfer pairs of the presets (config.Preset.transfer_pairs): the first experience's
# data set → the second's. The synthetic shapes and glyphs share one renderer (similar); textures
# have no object and no smooth background (dissimilar). The paper's pairs as its Section 4.1 reads them.
TRANSFER_ROLES: dict[tuple[str, str], str] = {
    ("synthetic-shapes", "synthetic-glyphs"): "similar",
    ("synthetic-shapes", "synthetic-textures"): "dissimilar",
    ("cifar10", "cifar100"): "similar",
    ("gtsrb", "cifar100"): "dissimilar",
    ("svhn", "fashionmnist"): "dissimilar, simpler second task",
}

_COLORS = {0: "#4e79a7", 1: "#59a14f", 2: "#f28e2b", 3: "#e15759", 4: "#76b7b2"}  # by freeze depth
_LR, _HN, _GREY = "#4e79a7", "#f28e2b", "0.5"
# Fonts for figures shown at the page's width (about 700 px for a 10-inch figure at 90 dpi).
_STYLE = {"font.size": 11, "axes.titlesize": 11, "axes.labelsize": 11, "legend.fontsize": 9.5,
          "xtick.labelsize": 10, "ytick.labelsize": 10, "figure.titlesize": 12}
_NBSP = "\u00a0"  # keeps "61.9 ± 1.7" on one line in narrow table cells


def _styled(build):
    """Build the figure under the book's font sizes."""

    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(_STYLE):
            return build(*args, **kwargs)

    return wrapper


# ---- small formatting helpers ----------------------------------------------------------------------
def pm(mean: float | None, sd: float | None = None, nd: int = 1) -> str:
    """'61.9 ± 1.7' (non-breaking spaces; '—' for a missing value; no ± part when sd is None)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "—"
    return f"{mean:.{nd}f}" if sd is None else f"{mean:.{nd}f}{_NBSP}±{_NBSP}{sd:.{nd}f}"


def pct(x: float) -> float:
    return 100.0 * x


def _mean_sd(values: Sequence[float]) -> tuple[float, float | None]:
    """Mean and sample sd; sd None for a single value (printed without '±')."""
    values = list(values)
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None


def _yes(flag: bool) -> str:
    return "**yes**" if flag else "**no**"


def _name(k: int) -> str:
    return "HN-F" if k == 0 else f"HN-{k}"


# ---- running and grouping ----------------------------------------------------------------------------
def run_specs(specs: Iterable, params, *, runner=None) -> list:
    """Each distinct spec through `experiments.executors.run_specs` (stored ones are read, not
    recomputed), in order; RunResults. Progress goes to $PHNLAB_PROGRESS (the book build's terminal)."""
    from .experiments import executors
    from .experiments.progress import RunProgress

    if runner is None:
        from .experiments import runner
    seen, unique = set(), []
    for spec in specs:
        if spec.key() not in seen:
            seen.add(spec.key())
            unique.append(spec)
    progress = RunProgress(unique)
    return executors.run_specs(unique, jobs=getattr(params, "jobs", 1), results_dir=params.results_dir,
                               device=params.device, data_root=params.data_root, quiet=True, run_fn=runner.run, on_start=lambda i, spec: progress.start(spec),
                               on_result=lambda i, spec, result: progress.finish(spec, result))


def runs_summary(results: Sequence) -> str:
    """'12 runs: 3 trained now, 9 read from the results store; 4.2 min of training in all.'"""
    computed = sum(1 for r in results if r.computed)
    minutes = sum(r.metrics.get("wall_time_s", 0.0) for r in results) / 60
    return (f"{len(results)} runs: {computed} trained now, {len(results) - computed} read from the results store; "
            f"{minutes:.1f} min of training in all (stored wall times).")


def group_runs(results: Iterable, key=None) -> dict:
    """Metrics grouped by `key(spec)` (default: the spec's label, e.g. 'HN-4'); lists over seeds."""
    key = key or (lambda s: s.label())
    groups: dict = defaultdict(list)
    for r in results:
        groups[key(r.spec)].append(r.metrics)
    return dict(groups)


# ---- curves ------------------------------------------------------------------------------------------------
def experience_curve(metrics: Mapping, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy (%) on experience j after every training epoch from the one where j is learned on.

    x counts training epochs since the start of the stream (1 = after the first epoch of
    experience 1), so curves of runs with the same preset line up."""
    xs, ys = [], []
    for n, point in enumerate(metrics["epoch_curves"], start=1):
        if point["experience"] >= j and len(point["accuracy"]) > j:
            xs.append(n)
            ys.append(pct(point["accuracy"][j]))
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def mean_curve(runs: Sequence[Mapping], j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`experience_curve` averaged over runs (seeds): x, mean, sd (curves cut to the shortest)."""
    curves = [experience_curve(m, j) for m in runs]
    n = min(len(x) for x, _ in curves)
    ys = np.stack([y[:n] for _, y in curves])
    return curves[0][0][:n], ys.mean(axis=0), ys.std(axis=0, ddof=1) if len(ys) > 1 else np.zeros(n)


def _epochs_per_experience(metrics: Mapping) -> list[int]:
    counts: dict[int, int] = defaultdict(int)
    for point in metrics["epoch_curves"]:
        counts[point["experience"]] += 1
    return [counts[i] for i in sorted(counts)]


def _mark_experiences(ax, metrics: Mapping) -> None:
    """The whole stream on the x axis, dotted lines between experiences, 'e1', 'e2', ... above."""
    edges = np.cumsum([0] + _epochs_per_experience(metrics))
    ax.set_xlim(0.5, edges[-1] + 0.5)
    for e in edges[1:-1]:
        ax.axvline(e + 0.5, color="0.6", lw=0.8, ls=":")
    for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        ax.text((a + b + 1) / 2, 1.01, f"e{i + 1}", transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                fontsize=10.5, color="0.3")


def _curve_axes(ax, title: str | None = None) -> None:
    ax.set_xlabel("training epochs since the stream began")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(-2, 102)
    if title:
        ax.set_title(title, pad=14)
    ax.grid(alpha=0.3)


def _plot_mean(ax, runs: Sequence[Mapping], j: int, **style) -> None:
    x, y, sd = mean_curve(runs, j)
    line, = ax.plot(x, y, marker="o", ms=3.5, **style)
    if len(runs) > 1:
        ax.fill_between(x, y - sd, y + sd, color=line.get_color(), alpha=0.15, lw=0)


def _chance(metrics: Mapping) -> float:
    """Accuracy (%) of guessing among one experience's classes."""
    return 100.0 / metrics["preset"]["classes_per_experience"]


# ---- measurement noise ----------------------------------------------------------------------------------
def _test_size(metrics: Mapping) -> int | None:
    """Test images per experience (None: the data set's whole test split, size not recorded)."""
    per_class = metrics.get("stream", {}).get("test_per_class")
    classes = metrics.get("preset", {}).get("classes_per_experience")
    return per_class * classes if per_class and classes else None


def stream_test_images(metrics: Mapping) -> int | None:
    """Test images behind a run's ACA: every experience's test set (None when not recorded)."""
    n = _test_size(metrics)
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
    return abs(diff) > 2 * se


# ---- the network, frozen and trained -----------------------------------------------------------------------
def frozen_diagram(ax, k: int, *, generated: bool = False) -> None:
    """Six boxes (stem, layer1..4, head): the frozen prefix of depth k grey, the rest blue
    (trained, latent replay) or orange (generated by the hypernetwork)."""
    from matplotlib.patches import Rectangle

    x, width = 0.0, 1.4
    rest = _HN if generated else _LR
    for i, stage in enumerate(STAGES):
        frozen = 0 < k and i <= k
        ax.add_patch(Rectangle((x, 0), width, 1, color="#b0b0b0" if frozen else rest, ec="black"))
        ax.text(x + width / 2, 0.5, stage, ha="center", va="center", fontsize=10, weight="bold",
                color="black" if frozen else "white")
        if i == k and k > 0:
            ax.axvline(x + width + 0.1, color="crimson", lw=2, ls="--")
        x += width + 0.2
    what = "generated per task" if generated else "trained on every experience"
    ax.set_title(f"k = {k}: " + (f"stem + {k} stage{'s' * (k > 1)} frozen after exp. 1 (grey),\nthe rest {what}"
                                 if k else f"nothing frozen,\neverything {what}"), fontsize=10.5)
    ax.set_xlim(-0.1, x)
    ax.set_ylim(-0.1, 1.1)
    ax.axis("off")


# ==== chapter 2: freeze depth and transfer ===============================================================
def _pair_name(a: str, b: str) -> str:
    return f"{a} → {b}"


def transfer_frame(results: Iterable):
    """One row per transfer run: pair, role, k, seed, accuracy (%) on experience 1 after it and on
    experience 2 after it (the quantity of Figure 4), test images per experience, chance (%)."""
    import pandas as pd

    rows = []
    for r in results:
        s, m = r.spec, r.metrics
        acc = m["accuracy_matrix"]
        a, b = m["stream"]["datasets"][0], m["stream"]["datasets"][-1]
        rows.append({"pair": _pair_name(a, b), "role": TRANSFER_ROLES.get((a, b), "—"), "k": s.freeze_depth,
                     "seed": s.seed, "acc_exp1": pct(acc[0][0]), "acc_exp2": pct(acc[1][1]),
                     "test_images": _test_size(m), "chance": _chance(m)})
    return pd.DataFrame(rows)


def transfer_table(df):
    """Accuracy (%) on experience 2 per pair (rows) and freeze depth k (columns), mean ± sd over seeds."""
    g = df.groupby(["pair", "role", "k"], sort=False)["acc_exp2"]
    table = g.agg(lambda v: pm(*_mean_sd(v))).unstack("k")
    table.columns.name = "freeze depth k"
    return table


def transfer_drops(df) -> list[dict]:
    """Per pair: mean accuracy (%) on experience 2 at k = 0 and k = 4, the drop between them, the
    largest drop from k = 0 to any k, and the standard error of the drop (test-set sampling)."""
    out = []
    for (pair, role), g in df.groupby(["pair", "role"], sort=False):
        m = g.groupby("k")["acc_exp2"].mean()
        seeds = g["seed"].nunique()
        lo, hi = min(m.index), max(m.index)
        n = g["test_images"].iloc[0]
        out.append({"pair": pair, "role": role, "acc_k0": m[lo], "acc_k4": m[hi], "drop": m[lo] - m[hi],
                    "max_drop": m[lo] - m.min(), "k_worst": int(m.idxmin()), "seeds": seeds,
                    "test_images": n, "se": diff_se(m[lo] / 100, m[hi] / 100, n, seeds),
                    # per depth k > lo: (drop from k = lo, its sampling error)
                    "by_k": {int(k): (m[lo] - m[k], diff_se(m[lo] / 100, m[k] / 100, n, seeds))
                             for k in m.index if k != lo}})
    return out


def transfer_verdict(df, preset_name: str) -> str:
    """Does the similar pair lose less accuracy on experience 2 than the dissimilar one when the
    whole backbone is frozen (k = 4 vs k = 0)? With the per-pair drops, and a plain statement when
    the difference is within the sampling noise."""
    drops = transfer_drops(df)
    lines = [f"- **{d['pair']}** ({d['role']}): {d['acc_k0']:.1f} % at k = 0, {d['acc_k4']:.1f} % at k = 4, a drop of "
             f"{d['drop']:.1f} points (largest drop {d['max_drop']:.1f}, at k = {d['k_worst']}; sampling error of the "
             f"drop ±{d['se']:.1f})" for d in drops]
    similar = [d for d in drops if d["role"] == "similar"]
    dissimilar = [d for d in drops if d["role"] == "dissimilar"]
    if not similar or not dissimilar:
        return ("**Verdict:** the pairs of this preset have no similar and dissimilar roles, so the claim cannot be "
                "checked here.\n\n" + "\n".join(lines))
    s, d = similar[0], dissimilar[0]
    gap = round(d["drop"], 1) - round(s["drop"], 1)
    se = math.hypot(s["se"], d["se"])
    text = (f"**Verdict:** freezing all four stages costs the similar pair ({s['pair']}) {s['drop']:.1f} points and "
            f"the dissimilar pair ({d['pair']}) {d['drop']:.1f} points on experience 2. The similar pair loses less, "
            f"as the paper claims: {_yes(s['drop'] < d['drop'])} (difference {gap:.1f} points).")
    if se > 0 and not clear_effect(gap, se):
        text += (f" But the difference is within twice its sampling error (2·SE = {2 * se:.1f} points with "
                 f"{int(s['test_images'])} test images per experience and {s['seeds']} seed(s)): at the "
                 f"**{preset_name}** preset the offline data cannot show this effect either way.")
    elif se > 0:
        text += f" The difference is larger than twice its sampling error (2·SE = {2 * se:.1f} points)."
    text += " " + _similar_unhurt(s)
    lines += [f"- drop from k = 0 at k = {', '.join(map(str, r['by_k']))}: "
              + ", ".join(f"{drop:.1f}" for drop, _ in r["by_k"].values()) + f" points ({r['role']})" for r in drops]
    return text + "\n\n" + "\n".join(lines)


def _similar_unhurt(s: dict) -> str:
    """The paper's other half: freezing does not hurt the similar pair (drop within twice its error)."""
    unhurt = [k for k, (drop, se) in s["by_k"].items() if drop <= 0 or not clear_effect(drop, se)]
    depths = sorted(s["by_k"])
    upto = 0
    for k in depths:
        if k not in unhurt:
            break
        upto = k
    claim = "Freezing does not hurt the similar pair (its drop within twice its sampling error)"
    if upto == depths[-1]:
        return f"{claim}: **yes**, at every depth."
    worst = max(s["by_k"].items(), key=lambda kv: kv[1][0])
    if upto == 0:
        return f"{claim}: **no**, already at k = {depths[0]} ({s['by_k'][depths[0]][0]:.1f} points)."
    return (f"{claim}: **only up to k = {upto}**; deeper it loses more, up to {worst[1][0]:.1f} points at "
            f"k = {worst[0]}.")


@_styled
def plot_transfer(df):
    """Figure 4: accuracy on experience 2 against freeze depth k, one line per pair (mean ± sd)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.6), dpi=90)
    ax = fig.subplots()
    for pair, g in df.groupby("pair", sort=False):
        s = g.groupby("k")["acc_exp2"].agg(["mean", "std"]).fillna(0.0)
        ax.errorbar(s.index, s["mean"], yerr=s["std"], marker="o", capsize=3,
                    label=f"{pair} ({g['role'].iloc[0]})")
    if "chance" in df:
        ax.axhline(df["chance"].iloc[0], color=_GREY, lw=0.8, ls="--", label="chance")
    ax.set_xticks(range(5))
    ax.set_xlabel("freeze depth k (stem + k stages frozen after experience 1)")
    ax.set_ylabel("accuracy on exp. 2 (%)")
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    ax.set_title("Test accuracy on the second experience (Figure 4)")
    fig.tight_layout()
    return fig


@_styled
def transfer_depth_figure(results: Sequence, k: int):
    """For freeze depth k: what is frozen, and the learning curve of experience 2 for every pair."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(10, 3.8), dpi=90)
    gs = fig.add_gridspec(2, 2, width_ratios=[1, 1], height_ratios=[1, 1.1])
    frozen_diagram(fig.add_subplot(gs[0, 0]), k)
    ax = fig.add_subplot(gs[:, 1])
    by_pair: dict[str, list] = defaultdict(list)
    for r in results:
        if r.spec.freeze_depth == k:
            d = r.metrics["stream"]["datasets"]
            by_pair[_pair_name(d[0], d[-1])].append(r.metrics)
    for pair, runs in by_pair.items():
        curves = [[(p["epoch"] + 1, pct(p["accuracy"][1])) for p in m["epoch_curves"] if p["experience"] == 1]
                  for m in runs]
        n = min(len(c) for c in curves)
        x = [e for e, _ in curves[0][:n]]
        y = np.mean([[a for _, a in c[:n]] for c in curves], axis=0)
        ax.plot(x, y, marker="o", label=pair.replace("synthetic-", ""))
    if by_pair:
        ax.axhline(_chance(next(iter(by_pair.values()))[0]), color=_GREY, lw=0.8, ls="--", label="chance")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch of experience 2")
    ax.set_ylabel("accuracy on exp. 2 (%)")
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(f"LR-{k} (c = 0) learning experience 2")
    note = fig.add_subplot(gs[1, 0])
    note.axis("off")
    rows = [f"{pair.replace('synthetic-', '')}: exp. 2 {statistics.fmean(pct(m['accuracy_matrix'][1][1]) for m in runs):.1f} %, "
            f"exp. 1 {statistics.fmean(pct(m['accuracy_matrix'][0][0]) for m in runs):.1f} %" for pair, runs in by_pair.items()]
    note.text(0.0, 0.95, "test accuracy on each experience\nright after training on it:\n"
              + "\n".join(rows), va="top", fontsize=11)
    fig.tight_layout()
    return fig


# ==== chapter 3: noisy stream ===========================================================================
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
        ours.update({f"e{i + 1}": pm(*_mean_sd([pct(m[i][i]) for m in mats])) for i in range(n)})
        published = paper.TABLE1.get((strategy, k, stream))
        theirs = {"model": model, "stream": stream, "source": "paper"}
        theirs.update({f"e{i + 1}": pm(*published[i]) if published and i < len(published) else "—" for i in range(n)})
        rows += [ours, theirs]
    return pd.DataFrame(rows).set_index(["model", "stream", "source"])


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
                     "test_images": _test_size(runs[0])})
    return pd.DataFrame(rows)


def noisy_verdict(results: Iterable, preset_name: str) -> str:
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
    lines = [
        f"- LR ends lower on experience 1 in the noisy than in the normal stream (the paper's main claim): "
        f"**{len(harmed)} of {len(depths)}** depths (normal − noisy: " + ", ".join(f"k = {k}: {lr_gap[k]:+.1f}" for k in depths)
        + " points); the difference exceeds twice its sampling error (2·SE: " + ", ".join(f"{2 * se[k]:.1f}" for k in depths)
        + f") at {len(clear)} of {len(depths)}. Where it comes from: LR forgets experience 1 by "
        + ", ".join(f"{fgt[('lr', k, 'noisy')]:+.1f}" for k in depths) + " points in the noisy stream and by "
        + ", ".join(f"{fgt[('lr', k, 'normal')]:+.1f}" for k in depths) + " in the normal one (negative: it gains).",
        f"- At the end of the noisy stream HN holds experience 1 at least as well as LR: **{len(hn_holds)} of "
        f"{len(depths)}** depths (HN " + ", ".join(f"{end[('hn', k, 'noisy')]:.1f}" for k in depths) + " % vs LR "
        + ", ".join(f"{end[('lr', k, 'noisy')]:.1f}" for k in depths) + " %).",
        f"- HN's accuracy on experience 1 moves less between the streams than LR's: **{len(steadier)} of {len(depths)}** "
        "depths (HN, normal − noisy: " + ", ".join(f"{hn_gap[k]:+.1f}" for k in depths) + " points).",
        "- LR's learning accuracy, noisy − normal: " + ", ".join(f"{d:+.1f}" for d in la_lr)
        + " points (paper, Table 1 means over e1–e4: " + ", ".join(f"{d:+.1f}" for d in p_lr)
        + f"); HN learns less than LR in **{len(hn_lower)} of {2 * len(depths)}** (depth, stream) pairs "
        f"(paper: {p_hn_lower} of {2 * len(p_depths)}).",
    ]
    if not clear:
        lines.append(f"\nAt the **{preset_name}** preset no noisy/normal difference of LR is larger than twice the "
                     f"sampling error of {int(n_test)} test images and {n_seeds} seed(s): this run **cannot show** the "
                     "paper's effect; the lines above say which way the measurements lean, not that the effect is "
                     "there or absent.")
    return "**Verdict:**\n\n" + "\n".join(lines)


@_styled
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
        c = _COLORS[k]
        for stream, ls in (("noisy", "-"), ("clean", "--")):
            if ("lr", k, stream) in groups:
                _plot_mean(left, groups[("lr", k, stream)], 0, color=c, ls=ls, label=f"LR-{k} {_stream_name(stream)}")
        for strategy, ls in (("lr", "-"), ("hn", "--")):
            if (strategy, k, "noisy") in groups:
                _plot_mean(right, groups[(strategy, k, "noisy")], 0, color=c, ls=ls, label=f"{strategy.upper()}-{k}")
    for ax, title in ((left, "LR (c = 1): noisy (solid) vs normal (dashed)"),
                      (right, "noisy stream: LR (solid) vs partial HN (dashed)")):
        ax.axhline(_chance(any_runs), color=_GREY, lw=0.8, ls="--")
        _curve_axes(ax, title)
        _mark_experiences(ax, any_runs)
        ax.legend(ncol=3, loc="lower left", fontsize=8.5, columnspacing=1.0, handlelength=3.2)
    left.set_ylabel("accuracy on experience 1 (%)")
    right.set_ylabel("")
    fig.tight_layout()
    return fig


def generated_filters(spec, params, *, after: int = 3, layer: str = "layer3.0.conv2.weight") -> np.ndarray:
    """The tensor `layer` that the hypernetwork of `spec` (an HN run) generates for experiences
    1..after, once it has trained on experience `after`: an array [after, out, in, kh, kw].

    The runner trains the spec through experience `after` (`run(..., stop_after=after)`) and leaves
    its checkpoint; the tensors are generated from the checkpoint's hypernetwork and cached in the
    results store next to the run (`<results>/<key>/filters-after<after>-<layer>.npy`). When the
    store already has the whole run (no checkpoint is kept), the same training runs in a temporary
    store; otherwise the store's own run later resumes from the checkpoint, so nothing is trained
    twice."""
    import io

    import torch

    from .experiments import runner
    from .experiments.store import ResultsStore, atomic_write_bytes
    from .hyper.model import PartialHyperModel

    if spec.strategy != "hn":
        raise ValueError(f"generated_filters needs a hypernetwork run, got {spec.label()}")
    store = ResultsStore(params.results_dir)
    cache = store.dir(spec) / f"filters-after{after}-{layer.replace('.', '_')}.npy"
    if cache.exists():
        return np.load(cache)

    def trained_state(root) -> dict | None:
        s = ResultsStore(root)
        ckpt = s.load_checkpoint(spec)
        if ckpt is None or ckpt["next"] != after:
            if s.metrics(spec) is not None or (ckpt is not None and ckpt["next"] > after):
                return None
            runner.run(spec, results_dir=root, device=params.device, data_root=params.data_root, quiet=True,
                       stop_after=after)
            ckpt = s.load_checkpoint(spec)
        return None if ckpt is None or ckpt["next"] != after else ckpt["model"]

    state = trained_state(params.results_dir)
    if state is None:
        with tempfile.TemporaryDirectory(prefix="phnlab-filters-") as tmp:
            state = trained_state(tmp)
    if state is None:
        raise RuntimeError(f"no checkpoint after experience {after} for {spec.label()} ({spec.key()})")
    preset = spec.resolved_preset()
    tasks = state["hnet.task_tables.embedding"].shape[0]
    classes = next(v for name, v in state.items() if name.endswith("task_tables.classifier__bias")).shape[1]
    model = PartialHyperModel(freeze_depth=spec.freeze_depth, num_tasks=tasks, num_classes=classes,
                              embedding_dim=preset.embedding_dim, hidden_dim=preset.hidden_dim,
                              chunk_dim=preset.chunk_dim)
    model.load_state_dict(state)
    with torch.no_grad():
        out = model.hnet.generate(torch.arange(after))
    if layer not in out:
        raise ValueError(f"{layer!r} is not generated by {spec.label()}; generated: {', '.join(out)}")
    filters = out[layer].numpy()
    buf = io.BytesIO()
    np.save(buf, filters)
    atomic_write_bytes(cache, buf.getvalue())
    return filters


def filter_similarity(filters: np.ndarray, a: int, b: int) -> dict:
    """How different the filters of experiences a and b are (0-based): mean cosine similarity of
    the per-output-channel filters, and the relative change ‖W_b − W_a‖ / ‖W_a‖."""
    wa = filters[a].reshape(filters.shape[1], -1)
    wb = filters[b].reshape(filters.shape[1], -1)
    cos = (wa * wb).sum(1) / (np.linalg.norm(wa, axis=1) * np.linalg.norm(wb, axis=1) + 1e-12)
    return {"mean_cosine": float(cos.mean()), "min_cosine": float(cos.min()),
            "relative_change": float(np.linalg.norm(wb - wa) / (np.linalg.norm(wa) + 1e-12))}


def filters_verdict(filters: np.ndarray, preset) -> str:
    """Figure 6's reading (mostly different filters for experiences 2 and 3), checked."""
    sim = filter_similarity(filters, 1, 2)
    kind = ("mostly different" if sim["mean_cosine"] < 0.5 else "mostly the same" if sim["mean_cosine"] > 0.9
            else "partly different")
    return (f"**Verdict:** the kernels generated for experiences 2 and 3 have a mean per-channel cosine similarity of "
            f"{sim['mean_cosine']:.2f} (lowest {sim['min_cosine']:.2f}; 1 = the same filters) and differ by "
            f"{100 * sim['relative_change']:.2g} % of their norm: **{kind}**. The paper's reading (mostly different "
            f"filters) is {'reproduced' if kind == 'mostly different' else 'not reproduced'} at the **{preset.name}** "
            f"preset ({preset.epochs} epoch(s) per experience)." + _shared_change(filters, 1, 2))


def _shared_change(filters: np.ndarray, a: int, b: int) -> str:
    """How much of the change between two experiences' kernels is one offset shared by every output channel."""
    d = (filters[b] - filters[a]).reshape(filters.shape[1], -1)  # [out, in·k·k]
    total = float((d ** 2).sum())
    if total == 0:
        return ""
    shared = float((d.mean(0) ** 2).sum()) * d.shape[0] / total
    return (f" Of that change, {100 * shared:.0f} % is one offset added to every output channel alike (the "
            "columns in the right panel): each head adds a per-task row W_h·h to all output channels' filters (the "
            "structure that the published parameter counts fix), so a new task shifts the filter bank as a whole "
            "rather than reshaping its channels one by one.")


def _mosaic(w: np.ndarray, n_out: int, n_in: int) -> np.ndarray:
    """[out, in, kh, kw] → an image of n_out rows × n_in columns of kernels, NaN gaps between."""
    _, _, kh, kw = w.shape
    img = np.full((n_out * (kh + 1) - 1, n_in * (kw + 1) - 1), np.nan)
    for o in range(n_out):
        for i in range(n_in):
            img[o * (kh + 1): o * (kh + 1) + kh, i * (kw + 1): i * (kw + 1) + kw] = w[o, i]
    return img


@_styled
def plot_filters(filters: np.ndarray, e: int, *, layer: str = "", n_out: int = 10, n_in: int = 14):
    """Figure 6 for experience e (0-based): its generated kernels (first n_out output × n_in input
    channels, one colour scale for all experiences) and their change from the previous experience
    (its own colour scale, shared by all experiences, so small changes stay visible)."""
    from matplotlib.figure import Figure

    n_out, n_in = min(n_out, filters.shape[1]), min(n_in, filters.shape[2])
    part = filters[:, :n_out, :n_in]
    vmax = float(np.abs(part).max()) or 1.0
    dmax = float(np.abs(np.diff(part, axis=0)).max()) if len(part) > 1 else 0.0
    dmax = dmax or 1.0
    fig = Figure(figsize=(10, 3.6), dpi=90)
    axes = fig.subplots(1, 2)
    im = axes[0].imshow(_mosaic(part[e], n_out, n_in), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    axes[0].set_title(f"experience {e + 1}: generated kernels")
    fig.colorbar(im, ax=axes[0], shrink=0.9, label="weight")
    if e > 0:
        im2 = axes[1].imshow(_mosaic(part[e] - part[e - 1], n_out, n_in), cmap="PuOr_r", vmin=-dmax, vmax=dmax)
        sim = filter_similarity(filters, e - 1, e)
        axes[1].set_title(f"exp. {e + 1} − exp. {e} ({100 * sim['relative_change']:.2g} % change)")
        fig.colorbar(im2, ax=axes[1], shrink=0.9, label="weight change")
    else:
        axes[1].axis("off")
        axes[1].text(0.5, 0.5, "experience 1 has no predecessor:\nmove the slider to see how the kernels\n"
                     "change from one experience to the next", ha="center", va="center", fontsize=11,
                     transform=axes[1].transAxes)
    for ax in axes[: 2 if e > 0 else 1]:
        ax.set_xlabel(f"input channels 1–{n_in}, 3×3 each")
        ax.set_ylabel(f"output channels 1–{n_out}")
        ax.set_xticks([])
        ax.set_yticks([])
    if layer:
        fig.suptitle(layer, fontsize=11)
    return fig


# ==== chapter 4: split benchmarks =======================================================================
def table2_frame(rows: Sequence[Mapping]):
    """`report.table2_rows` as a table: ours (mean ± sd over seeds) beside the paper's."""
    import pandas as pd

    out = []
    for r in rows:
        p_aca, p_fgt = r["paper_aca"], r["paper_forgetting"]
        if r["seeds"] < 2:  # one run: no spread to show
            r = {**r, **{k: (r[k][0], None) for k in ("aca", "forgetting", "learning_accuracy")}}
        out.append({
            "strategy": r["strategy"], "seeds": r["seeds"],
            ("ACA (%)", "ours"): pm(*r["aca"]), ("ACA (%)", "paper"): pm(*p_aca) if p_aca else "—",
            ("forgetting (%)", "ours"): pm(*r["forgetting"]),
            ("forgetting (%)", "paper"): pm(*p_fgt) if p_fgt else "—",
            ("learning acc. (%)", "ours"): pm(*r["learning_accuracy"]),
            ("time", "ours (s)"): f"{60 * r['minutes']:.0f}",
            ("time", "paper (min)"): f"~{r['paper_minutes']}" if r["paper_minutes"] else "—",
        })
    df = pd.DataFrame(out).set_index(["strategy", "seeds"])
    df.columns = pd.MultiIndex.from_tuples(df.columns)
    return df


def table2_verdict(rows: Sequence[Mapping], results: Sequence, preset) -> str:
    """Section 4.3's claims on Table 2, checked: HN-k beats LR-k in ACA; HN-2 ≈ HN-F in less time;
    HN forgets less and learns less than LR. Strategies that barely beat chance are named."""
    by = {r["strategy"]: r for r in rows}
    p2 = paper.TABLE2["cifar100"]
    n_test = stream_test_images(results[0].metrics)  # ACA: all experiences' test sets
    pairs = [(lr, hn) for lr, hn in [(f"LR-{k}", f"HN-{k}") for k in (1, 2, 3, 4)] + [("LR-0", "HN-F")]
             if lr in by and hn in by]
    aca = lambda s: by[s]["aca"][0]  # noqa: E731
    wins = [(lr, hn) for lr, hn in pairs if aca(hn) > aca(lr)]
    clear = [(lr, hn) for lr, hn in pairs
             if clear_effect(aca(hn) - aca(lr), diff_se(aca(hn) / 100, aca(lr) / 100, n_test, by[hn]["seeds"]))]
    p_pairs = [(lr, hn) for lr, hn in pairs if lr in p2 and hn in p2]
    p_wins = sum(p2[hn]["aca"][0] > p2[lr]["aca"][0] for lr, hn in p_pairs)
    lines = [f"- HN-k beats LR-k in ACA: **{len(wins)} of {len(pairs)}** depths (" + ", ".join(
        f"{hn} {aca(hn):.1f} vs {lr} {aca(lr):.1f}" for lr, hn in pairs)
        + f"); {len(clear)} of the {len(pairs)} differences exceed twice their sampling error. "
        f"Paper: {p_wins} of {len(p_pairs)}."]
    if "HN-2" in by and "HN-F" in by:
        gap, t = aca("HN-2") - aca("HN-F"), by["HN-2"]["minutes"] / by["HN-F"]["minutes"]
        p_gap = p2["HN-2"]["aca"][0] - p2["HN-F"]["aca"][0]
        p_t = p2["HN-2"]["minutes"] / p2["HN-F"]["minutes"]
        lines.append(f"- HN-2 against HN-F: ACA {gap:+.1f} points in {t:.2f}× the time (paper: {p_gap:+.1f} points "
                     f"in {p_t:.2f}× the time). HN-2 is faster: {_yes(t < 1)}.")
    fg = [p for p in pairs if by[p[1]]["forgetting"][0] < by[p[0]]["forgetting"][0]]
    la = [p for p in pairs if by[p[1]]["learning_accuracy"][0] < by[p[0]]["learning_accuracy"][0]]
    T = len(results[0].metrics["accuracy_matrix"])

    def fgt_se(s):  # forgetting: mean over T − 1 experiences of (right after − end), each on n_test / T images
        p = by[s]["learning_accuracy"][0] / 100
        return 100 * math.sqrt(2 * p * (1 - p) / (n_test / T) / max(T - 1, 1) / max(by[s]["seeds"], 1))

    def fgt_clear(a, b):  # a's and b's forgetting differ by more than twice the sampling error
        return clear_effect(by[a]["forgetting"][0] - by[b]["forgetting"][0], math.hypot(fgt_se(a), fgt_se(b)))

    fg_clear = [(lr, hn) for lr, hn in fg if fgt_clear(hn, lr)]
    lines.append(f"- HN-k forgets less than LR-k: **{len(fg)} of {len(pairs)}** (forgetting HN " + ", ".join(
        f"{by[hn]['forgetting'][0]:.1f}" for _, hn in pairs) + " vs LR " + ", ".join(
        f"{by[lr]['forgetting'][0]:.1f}" for lr, _ in pairs) + f" points); {len(fg_clear)} of these exceed twice "
        f"their sampling error. HN-k learns less than LR-k (learning accuracy): **{len(la)} of {len(pairs)}**.")
    if "Naive" in by:
        naive, hns = by["Naive"]["forgetting"][0], [hn for _, hn in pairs]
        less = [hn for hn in hns if by[hn]["forgetting"][0] < naive]
        less_clear = [hn for hn in less if fgt_clear(hn, "Naive")]
        p_less = sum(p2[hn]["forgetting"][0] < p2["Naive"]["forgetting"][0] for hn in hns if hn in p2)
        lines.append(f"- HN forgets less than Naive: **{len(less)} of {len(hns)}** (Naive {naive:.1f}; " + ", ".join(
            f"{hn} {by[hn]['forgetting'][0]:.1f}" for hn in hns) + f" points); {len(less_clear)} of these exceed "
            f"twice their sampling error. Paper: {p_less} of {sum(hn in p2 for hn in hns)}.")
    chance = 100 / preset.classes_per_experience
    near = [r["strategy"] for r in rows if r["learning_accuracy"][0] < chance + 10]
    if near:
        lines.append(
            f"\n{', '.join(near)} learn{'s' if len(near) == 1 else ''} each experience to within 10 points of chance "
            f"({chance:.0f} %; learning accuracy " + ", ".join(f"{by[s]['learning_accuracy'][0]:.1f}" for s in near)
            + f"): at the **{preset.name}** preset ({preset.epochs} epoch(s) of {preset.train_per_class} images per "
            f"class) {'it barely learns' if len(near) == 1 else 'they barely learn'}, so the comparisons involving "
            f"{'it' if len(near) == 1 else 'them'} check that everything runs, not the paper's claims.")
    return "**Verdict:**\n\n" + "\n".join(lines)


@_styled
def plot_experience_panels(groups: Mapping[str, Sequence[Mapping]], experiences: Sequence[int] = (0, 1, 2), *,
                           styles: Mapping[str, dict] | None = None, title: str = ""):
    """One panel per experience j: accuracy on j over the stream for each group (mean over seeds)."""
    from matplotlib.figure import Figure

    styles = styles or {}
    experiences = list(experiences)
    cols = len(experiences) if len(experiences) <= 4 else -(-len(experiences) // 2)
    rows = -(-len(experiences) // cols)
    fig = Figure(figsize=(10, 3.3 * rows + 0.4), dpi=90)
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
    first = next(iter(groups.values()))[0]
    for ax, j in zip(axes, experiences):
        for name, runs in groups.items():
            if runs:
                _plot_mean(ax, runs, j, label=name, **styles.get(name, {}))
        ax.axhline(_chance(first), color=_GREY, lw=0.8, ls="--")
        _curve_axes(ax, f"experience {j + 1}")
        _mark_experiences(ax, first)
    for ax in axes[len(experiences):]:
        ax.axis("off")
    if len(experiences) > 1:  # one x label for the figure, not one per narrow panel
        for ax in axes:
            ax.set_xlabel("")
        fig.supxlabel("training epochs since the stream began", fontsize=11)
    for i, ax in enumerate(axes):
        if i % cols:
            ax.set_ylabel("")
    axes[0].legend(loc="lower left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


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
    frame.attrs.update(test_images=_test_size(first), seeds=min(len(runs) for runs in groups.values()))
    return frame


def figure8_verdict(frame, hn: str = "HN-3", lrs: Sequence[str] = ("LR-3 (c=1)", "LR-3 (c=0)")) -> str:
    """Figure 8's reading, checked: the partial HN is the most stable on old experiences but has a
    lower learning accuracy than LR (c = 1)."""
    lost = frame.groupby(level="strategy")["lost (points)"].mean()
    learned = frame.groupby(level="strategy")["right after (%)"].mean()
    n = frame.index.get_level_values("experience").nunique()
    # sampling error of a difference of two mean losses (each: after − end, over n experiences and the seeds)
    se = 2 * accuracy_se(learned.mean() / 100, frame.attrs.get("test_images")) / math.sqrt(
        n * frame.attrs.get("seeds", 1))
    caveat = ""
    if se > 0 and not any(clear_effect(lost[hn] - lost[lr], se) for lr in lrs):
        caveat = (f" The differences in loss are within twice their sampling error (±{2 * se:.1f} points with "
                  f"{frame.attrs['test_images']} test images per experience): at this preset they show no effect "
                  "either way.")
    return (f"**Verdict:** over experiences 1–{n}, {hn} loses {lost[hn]:.1f} points on average after learning an "
            f"experience, " + " and ".join(f"{lr} {lost[lr]:.1f}" for lr in lrs) + f". Does {hn} lose the least, as in "
            f"the paper? {_yes(lost[hn] < min(lost[lr] for lr in lrs))}. Right after training it reaches "
            f"{learned[hn]:.1f} % against {learned[lrs[0]]:.1f} % for {lrs[0]}. Is its learning accuracy the lower "
            f"one, as in the paper? {_yes(learned[hn] < learned[lrs[0]])}." + caveat)


# ==== chapter 5: look-ahead =============================================================================
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


def _by_mode(rows: Sequence[Mapping]) -> dict:
    return {(r["k"], r["mode"]): r for r in rows}


def _aca_noise(t: Mapping, ks: Sequence[int], a: str, b: str, test_images: int | None) -> str:
    """How many of the ACA differences (mode a − mode b) exceed twice their sampling error."""
    if not test_images:
        return ""
    se = {k: diff_se(t[(k, a)]["aca"] / 100, t[(k, b)]["aca"] / 100, test_images, t[(k, a)]["seeds"]) for k in ks}
    clear = [k for k in ks if clear_effect(t[(k, a)]["aca"] - t[(k, b)]["aca"], se[k])]
    text = (f" {len(clear)} of these {len(ks)} differences exceed{'s' if len(clear) == 1 else ''} twice "
            f"{'its' if len(clear) == 1 else 'their'} test-set sampling error (2·SE up to {2 * max(se.values()):.1f}; "
            "the spread between training seeds comes on top)")
    return text + (": at this preset the ACA comparison shows no effect either way." if not clear else ".")


def _compare_modes(rows: Sequence[Mapping], new: str, old: str, published: Mapping):
    """Tables 4 and 5 compare two look-ahead modes per depth: the rows by (k, mode), the depths, where
    `new` has the better ACA (ours, paper's), its time ratio per depth and in total (ours, paper's),
    and the ACA differences as text."""
    t = _by_mode(rows)
    ks = sorted({k for k, _ in t})
    better = [k for k in ks if t[(k, new)]["aca"] > t[(k, old)]["aca"]]
    p_better = [k for k in published if published[k][new][0] > published[k][old][0]]
    cost = {k: t[(k, new)]["minutes"] / t[(k, old)]["minutes"] for k in ks}
    total = sum(t[(k, new)]["minutes"] for k in ks) / sum(t[(k, old)]["minutes"] for k in ks)
    p_cost = [published[k][new][2] / published[k][old][2] for k in published]
    diffs = ", ".join(f"k = {k}: {round(t[(k, new)]['aca'], 1) - round(t[(k, old)]['aca'], 1):+.1f}" for k in ks)
    return t, ks, better, p_better, cost, total, p_cost, diffs


def table4_verdict(rows: Sequence[Mapping], test_images: int | None = None) -> str:
    """Table 4's claim: look-ahead improves the final ACA in most cases at a modest cost in time.
    `test_images`: test images behind one run's ACA (`stream_test_images`), for the noise check."""
    t, ks, better, p_better, cost, total, p_cost, diffs = _compare_modes(rows, "first", "none", paper.TABLE4)
    return (f"**Verdict:** look-ahead improves the final ACA at **{len(better)} of {len(ks)}** depths ({diffs} points; "
            f"paper: {len(p_better)} of {len(paper.TABLE4)}), i.e. in most cases: {_yes(len(better) > len(ks) / 2)}."
            + _aca_noise(t, ks, "first", "none", test_images)
            + f" Over the {len(ks)} runs it takes {total:.2f}× the time of no look-ahead ({min(cost.values()):.2f}–"
            f"{max(cost.values()):.2f}× per depth; paper: {min(p_cost):.2f}–{max(p_cost):.2f}×, quoted as "
            f"{paper.LOOKAHEAD_COST[0]}–{paper.LOOKAHEAD_COST[1]}×). These are whole-run wall times of single runs on "
            "a shared machine; chapter 7 points to the step-level measurement.")


def table5_verdict(rows: Sequence[Mapping], test_images: int | None = None) -> str:
    """Table 5's conclusion: second order is not better enough to pay for its time; first order is
    the reasonable choice. `test_images` as for `table4_verdict`."""
    t, ks, second_better, p_second_better, cost, total, p_cost, diffs = _compare_modes(
        rows, "second", "first", paper.TABLE5)
    reasons = []
    if len(second_better) > len(ks) / 2:
        reasons.append(f"second order has the better ACA at most depths ({len(second_better)} of {len(ks)})")
    if total <= 1:
        reasons.append(f"second order is not slower in total: {total:.2f}×")
    return (f"**Verdict:** second order beats first order in ACA at **{len(second_better)} of {len(ks)}** depths "
            f"({diffs} points; paper: {len(p_second_better)} of {len(paper.TABLE5)})."
            + _aca_noise(t, ks, "second", "first", test_images) + f" It takes {total:.2f}× the time "
            f"of first order over the {len(ks)} runs ({min(cost.values()):.2f}–{max(cost.values()):.2f}× per depth; "
            f"paper: {min(p_cost):.2f}–{max(p_cost):.2f}×). First order is the better trade-off here, as the paper "
            f"concludes: {_yes(not reasons)}"
            + (f" ({'; '.join(reasons)})." if reasons else
               f" (second order wins at {len(second_better)} of {len(ks)} depths and costs more in total)."))


def plot_lookahead_curves(none: Sequence[Mapping], first: Sequence[Mapping], *, max_experiences: int = 8,
                          title: str = ""):
    """Figure 11: accuracy on experiences 1..8 over the stream, with (first order) and without look-ahead."""
    n = min(max_experiences, len(first[0]["accuracy_matrix"]))
    return plot_experience_panels({"look-ahead (first order)": first, "no look-ahead": none}, range(n),
                                  styles={"look-ahead (first order)": {"color": _HN},
                                          "no look-ahead": {"color": _LR, "ls": "--"}}, title=title)


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
        rows.append({"model": _name(k), "experiences": n, "look-ahead higher on average": len(above),
                     "which": ", ".join(f"e{j + 1}" for j in above) or "—"})
    return pd.DataFrame(rows).set_index("model")


def figure11_verdict(frame) -> str:
    higher, total = int(frame["look-ahead higher on average"].sum()), int(frame["experiences"].sum())
    return (f"**Verdict:** averaged over each curve, look-ahead is higher on {higher} of {total} (experience, depth) "
            f"curves ({100 * higher / total:.0f} %). The paper sees it higher on every experience but the second in "
            f"one run; look-ahead higher on most curves here: {_yes(higher > total / 2)}.")


# ==== chapter 6: gradient cosine ========================================================================
def cosine_frame(results: Iterable, *, experience: int = 1, epoch: int = 0):
    """cos(g1, g2) per step of the given experience (0-based) and epoch, one row per step and seed."""
    import pandas as pd

    rows = []
    for r in results:
        for c in r.metrics.get("cosines", []):
            if c["experience"] == experience and c["epoch"] == epoch:
                rows.append({"seed": r.spec.seed, "label": r.metrics["label"], "step": c["step"],
                             "cosine": c["cosine"], "reg_loss": c["reg_loss"]})
    df = pd.DataFrame(rows, columns=["seed", "label", "step", "cosine", "reg_loss"])
    if len(df):  # steps counted from the first of this epoch
        df["step"] = df["step"] - df.groupby("seed")["step"].transform("min") + 1
    return df


def cosine_verdict(df, preset_name: str) -> tuple[str, object]:
    """Figure 12's claim (negative similarity whatever the seed), checked: the verdict and a table
    of the cosine per seed (steps, mean, min, max, share of negative steps)."""
    per_seed = df.groupby("seed")["cosine"].agg(steps="count", mean="mean", min="min", max="max",
                                                negative=lambda c: (c < 0).mean())
    negative = int((per_seed["mean"] < 0).sum())
    text = (f"**Verdict:** over the first epoch of experience 2 the mean cosine is negative for **{negative} of "
            f"{len(per_seed)}** seeds (" + ", ".join(
                f"seed {s}: {r['mean']:+.2f}, {100 * r['negative']:.0f} % of {int(r['steps'])} steps negative"
                for s, r in per_seed.iterrows())
            + f"). The paper's claim (negative whatever the seed) holds here: {_yes(negative == len(per_seed))}.")
    if len(per_seed) and per_seed["steps"].min() < 10:
        text += (f" With {int(per_seed['steps'].min())} steps per epoch at the **{preset_name}** preset, this is a "
                 "thin sample.")
    return text, per_seed.round(3)


def cosine_experiences_frame(results: Sequence, *, epoch: int = 0):
    """Per experience from the second on: steps, mean cos(g1, g2) and share of negative steps in
    the given epoch, seeds pooled."""
    import pandas as pd

    n_exp = len(results[0].metrics["accuracy_matrix"])
    frames = [cosine_frame(results, experience=e, epoch=epoch).assign(experience=e + 1) for e in range(1, n_exp)]
    pooled = pd.concat(frames) if frames else pd.DataFrame(columns=["experience", "cosine"])
    return pooled.groupby("experience")["cosine"].agg(steps="count", mean="mean",
                                                      negative=lambda c: (c < 0).mean()).round(3)


def cosine_experiences_verdict(frame) -> str:
    negative = int((frame["mean"] < 0).sum())
    text = (f"**Verdict:** the mean cosine over the first epoch is negative in **{negative} of {len(frame)}** "
            f"experiences (seeds pooled): negative at every experience, {_yes(negative == len(frame))}. Per "
            "experience, mean and share of steps below zero: " + ", ".join(
                f"{e}: {row['mean']:+.2f} ({100 * row['negative']:.0f} %)" for e, row in frame.iterrows()) + ".")
    if len(frame) > 2:
        first, last = frame["mean"].iloc[0], frame["mean"].iloc[-1]
        if abs(last) < abs(first) / 2:
            text += (f" The conflict weakens along the stream: from {first:+.2f} at experience {frame.index[0]} to "
                     f"{last:+.2f} at experience {frame.index[-1]}.")
    return text


@_styled
def plot_cosines(df, *, title: str = ""):
    """Figure 12: cos(g1, g2) against the step, one line per seed; zero marked."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(8, 3.4), dpi=90)
    ax = fig.subplots()
    for seed, g in df.groupby("seed"):
        ax.plot(g["step"], g["cosine"], marker="o", ms=3.5, label=f"seed {seed}")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylim(-1.05, 1.05)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("training step (mini-batch) in the epoch")
    ax.set_ylabel("cos(g1, g2)")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or "Cosine similarity of the cross-entropy and look-ahead gradients")
    fig.tight_layout()
    return fig


# ==== chapter 7: cost ===================================================================================
def cost_frame(rows: Sequence[Mapping], *, baseline: str = "Naive"):
    """Running time of each strategy relative to `baseline`: ours (whole-run wall time) beside the
    paper's (Table 2 minutes, CIFAR-100)."""
    import pandas as pd

    by = {r["strategy"]: r for r in rows}
    base = by.get(baseline)
    p_base = paper.TABLE2["cifar100"][baseline]["minutes"]
    out = []
    for r in rows:
        p = r["paper_minutes"]
        out.append({"strategy": r["strategy"], "ours (s per run)": round(60 * r["minutes"], 1),
                    f"ours × {baseline}": round(r["minutes"] / base["minutes"], 2) if base else None,
                    "paper (min)": p, f"paper × {baseline}": round(p / p_base, 2) if p else None})
    return pd.DataFrame(out).set_index("strategy")


@_styled
def plot_cost(cost, *, ours_label: str = "ours", baseline: str = "Naive"):
    """Grouped bars: time × baseline, ours beside the paper's, per strategy."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.4), dpi=90)
    ax = fig.subplots()
    x = np.arange(len(cost))
    ax.bar(x - 0.2, cost[f"ours × {baseline}"], 0.4, label=ours_label, color=_LR)
    ax.bar(x + 0.2, cost[f"paper × {baseline}"].astype(float), 0.4, label="paper (CIFAR-100, GPU)", color=_HN)
    ax.set_xticks(x, cost.index)
    ax.axhline(1, color="black", lw=0.8)
    ax.set_xlabel("strategy")
    ax.set_ylabel(f"training time (× {baseline})")
    ax.set_title(f"Whole-stream training time relative to {baseline}")
    ax.legend()
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def time_verdict(rows: Sequence[Mapping]) -> str:
    """Table 2's time claims, checked: HN-F slower than HN-4, HN time ordered by depth."""
    t = {r["strategy"]: r["minutes"] for r in rows}
    p = {k: v["minutes"] for k, v in paper.TABLE2["cifar100"].items()}
    hn = [h for h in ("HN-F", "HN-1", "HN-2", "HN-3", "HN-4") if h in t]
    ours_order = sorted(hn, key=lambda h: -t[h])
    p_order = sorted(hn, key=lambda h: -p[h])
    text = (f"**Verdict:** HN-F takes {t['HN-F'] / t['HN-4']:.1f}× the time of HN-4 (paper: {p['HN-F'] / p['HN-4']:.1f}×): "
            f"HN-F slower than HN-4, as the paper claims: {_yes(t['HN-F'] > t['HN-4'])}. Slowest to fastest, ours: "
            f"{' > '.join(ours_order)}; paper: {' > '.join(p_order)} (same order: {_yes(ours_order == p_order)}).")
    if "Naive" in t and "LR-4" in t:
        text += (f" LR-4 takes {t['LR-4'] / t['Naive']:.2f}× Naive's time (paper: {p['LR-4'] / p['Naive']:.2f}×) and "
                 f"HN-4 {t['HN-4'] / t['Naive']:.2f}× (paper: {p['HN-4'] / p['Naive']:.2f}×).")
    return text


def lookahead_cost_frame(rows4: Sequence[Mapping], rows5: Sequence[Mapping]):
    """Per depth: whole-run time of first-order look-ahead over none, and of second over first
    order; ours beside the same ratios of the paper's minutes (Tables 4 and 5)."""
    import pandas as pd

    t4, t5 = _by_mode(rows4), _by_mode(rows5)
    out = []
    for k in range(5):
        row = {"model": _name(k)}
        if (k, "first") in t4 and (k, "none") in t4:
            row["first / none (ours)"] = t4[(k, "first")]["minutes"] / t4[(k, "none")]["minutes"]
        row["first / none (paper)"] = paper.TABLE4[k]["first"][2] / paper.TABLE4[k]["none"][2]
        if (k, "second") in t5 and (k, "first") in t5:
            row["second / first (ours)"] = t5[(k, "second")]["minutes"] / t5[(k, "first")]["minutes"]
        row["second / first (paper)"] = paper.TABLE5[k]["second"][2] / paper.TABLE5[k]["first"][2]
        out.append(row)
    return pd.DataFrame(out).set_index("model").round(2)


def lookahead_cost_verdict(frame) -> str:
    first, second = frame["first / none (ours)"], frame["second / first (ours)"]
    lo, hi = paper.LOOKAHEAD_COST
    return (f"**Verdict:** first-order look-ahead costs {first.min():.2f}–{first.max():.2f}× a run without it (paper: "
            f"{lo}–{hi}×); second order costs {second.min():.2f}–{second.max():.2f}× first order (paper: "
            f"{paper.SECOND_ORDER_COST[0]}–{paper.SECOND_ORDER_COST[1]}×). Second order dearer than first at every "
            f"depth: {_yes(bool((second > 1).all()))}. Whole-run times of single runs on a shared machine are noisy; "
            "the step-level benchmark below isolates the step.")


def memory_frame(results: Iterable):
    """Per LR-k / HN-k run: the memory the run kept (`metrics['memory_bytes']`) beside what
    `counting.account` predicts for the same setting, in MB (2**20 bytes). LR's count is for the slots a
    class-balanced buffer fills at the end of the stream (Table 6 counts the full buffer)."""
    import pandas as pd

    from .counting import account

    rows = []
    for r in results:
        s, m = r.spec, r.metrics
        if s.strategy not in ("lr", "hn"):
            continue
        p = m["preset"]
        a = account(freeze_depth=s.freeze_depth, tasks=len(m["accuracy_matrix"]), classes=p["classes_per_experience"],
                    chunk_dim=p["chunk_dim"], embedding_dim=p["embedding_dim"], hidden_dim=p["hidden_dim"],
                    buffer_size=p["buffer_size"])
        counted = a.hn_memory_bytes
        if s.strategy == "lr":  # the class-balanced buffer keeps ⌊size / classes⌋ exemplars of each class seen
            classes = len(m["accuracy_matrix"]) * p["classes_per_experience"]
            filled = min(p["buffer_size"], (p["buffer_size"] // classes) * classes)
            counted = a.lr_memory_bytes * filled // p["buffer_size"]
        rows.append({"model": m["label"], "seed": s.seed,
                     "stored": "latent buffer" if s.strategy == "lr" else "previous hypernetwork",
                     "measured (MB)": m["memory_bytes"] / paper.MIB, "counted (MB)": counted / paper.MIB,
                     "equal": m["memory_bytes"] == counted})
    return pd.DataFrame(rows)


def memory_verdict(mem) -> tuple[str, object]:
    """Measured memory against the counted one: the verdict and a table per model (mean over runs)."""
    table = mem.groupby(["model", "stored"])[["measured (MB)", "counted (MB)"]].mean().round(3)
    table["equal in every run"] = mem.groupby(["model", "stored"])["equal"].all()
    text = (f"**Verdict:** measured memory equals the counted memory in **{int(mem['equal'].sum())} of {len(mem)}** "
            "runs. (LR's count is for the slots its class-balanced buffer fills: ⌊buffer size / classes seen⌋ "
            "exemplars per class, e.g. 6 × 30 = 180 of 200 after 6 experiences of 5 classes; Table 6 counts "
            "the full buffer.)")
    return text, table


def table6_frame():
    """Table 6 counted from the modules (MB) beside the paper's, both benchmarks."""
    import pandas as pd

    from .counting import table6_rows

    parts = []
    for bench, name in (("cifar100", "CIFAR-100"), ("tinyimagenet", "TinyImageNet")):
        for r in table6_rows(bench):
            parts.append({"benchmark": name, "k": r["k"], "LR-k (MB)": r["lr_mb"], "LR-k paper": r["paper_lr_mb"],
                          "HN-k (MB)": r["hn_mb"], "HN-k paper": r["paper_hn_mb"]})
    return pd.DataFrame(parts).round(2).set_index(["benchmark", "k"])


def table6_verdict(t6) -> str:
    smaller = t6[t6["HN-k (MB)"] < t6["LR-k (MB)"]]
    p_smaller = t6[t6["HN-k paper"] < t6["LR-k paper"]]
    cifar = t6.loc["CIFAR-100"]

    def where(bench):  # the depths of one benchmark where the HN stores less
        rows = t6.loc[bench]
        ks = [str(int(k)) for k in rows.index if rows.loc[k, "HN-k (MB)"] < rows.loc[k, "LR-k (MB)"]]
        return f"{bench} at k = {', '.join(ks)}" if ks else f"{bench} at no k"

    benches = list(dict.fromkeys(t6.index.get_level_values(0)))
    return (f"**Verdict:** the partial HN stores less than latent replay in **{len(smaller)} of {len(t6)}** settings "
            f"(paper: {len(p_smaller)} of {len(t6)}): {'; '.join(map(where, benches))}. The "
            f"HN's memory falls as k grows (HN-F {cifar['HN-k (MB)'].iloc[0]:.2f} MB → HN-4 "
            f"{cifar['HN-k (MB)'].iloc[-1]:.2f} MB); LR's follows the size of the cut (largest at "
            f"k = {int(cifar['LR-k (MB)'].idxmax())}).")


def find_bench_result(root: str | Path):
    """What `phnlab bench` left under the repository `root`: ('json', dict) for a JSON result
    (docs/bench*.json holding 'step_ms'), ('markdown', text) for docs/benchmarks.md, or (None, None)."""
    docs = Path(root) / "docs"
    for path in sorted(docs.glob("bench*.json")):
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and "step_ms" in doc:
            return "json", doc | {"_path": str(path)}
    md = docs / "benchmarks.md"
    if md.is_file():
        return "markdown", md.read_text()
    return None, None


def markdown_tables(text: str) -> list[tuple[str, object]]:
    """The tables of a markdown document as (title of their section, DataFrame) pairs, so a page can
    show them as HTML tables (the book renders notebook outputs as CommonMark, which has no tables).
    Links become their text; inline-code backticks and bold markers are dropped."""
    import re

    import pandas as pd

    out, heading, table = [], "", []

    def cells(line: str) -> list[str]:
        line = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", line.strip()).replace("`", "").replace("**", "")
        return [c.strip() for c in line.strip("|").split("|")]

    def flush():
        rows = [cells(t) for t in table if not re.fullmatch(r"\|?[\s:|-]+\|?", t.strip())]
        if len(rows) >= 2:
            width = len(rows[0])
            body = [(r + [""] * width)[:width] for r in rows[1:]]
            out.append((heading, pd.DataFrame(body, columns=rows[0])))
        table.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            flush()
            heading = line.lstrip("# ").strip()
        elif line.lstrip().startswith("|"):
            table.append(line)
        else:
            flush()
    flush()
    return out


def bench_frame(result: Mapping):
    """The ratios of a `phnlab bench` result beside the paper's and the project's targets."""
    import pandas as pd

    from .bench import RATIOS, TARGETS, paper_ratios

    pr = paper_ratios()
    rows = []
    for name in ["lookahead_first_over_none", *RATIOS]:
        if name not in result:
            continue
        lo, hi = pr[name]
        rows.append({"ratio": name, "ours": round(result[name], 2),
                     "paper": f"{lo:.2f}" if abs(lo - hi) < 5e-3 else f"{lo:.2f}–{hi:.2f}",
                     "target (≤)": TARGETS.get(name)})
    return pd.DataFrame(rows).set_index("ratio")
