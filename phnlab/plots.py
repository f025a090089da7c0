"""What the book's chapters 2–7 show: runs read from (or added to) the results store, turned into
tables and figures beside the paper's numbers.

Every function here reads stored metrics (the dicts `experiments.runner.run` writes) or runs specs
through `runner.run`; nothing here trains or measures on its own, except `generated_filters`, which
has the runner train a partial hypernetwork and reads the generated tensors from its checkpoint
(Figure 6 needs a trained hypernetwork; the runner drops checkpoints of finished runs).

Accuracies in the tables and figures are percent (the stored metrics hold fractions), times are
seconds or minutes as labelled. Figures are built with `matplotlib.figure.Figure` (no pyplot
state), at most 10 inches wide per row, so a chapter can show them directly or hand them to
`phnlab.widgets.depth_slider`.
"""

from __future__ import annotations

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
    "experience_curve", "accuracy_se", "diff_se", "clear_effect", "frozen_diagram",
    "transfer_frame", "transfer_table", "transfer_drops", "plot_transfer", "transfer_depth_figure",
    "table1_frame", "first_experience_summary", "plot_noisy_first_experience",
    "generated_filters", "filter_similarity", "plot_filters",
    "table2_frame", "plot_experience_panels", "table45_frame", "plot_lookahead_curves",
    "cosine_frame", "plot_cosines", "cost_frame", "memory_frame", "find_bench_result", "bench_frame",
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


# ---- small formatting helpers ----------------------------------------------------------------------
def pm(mean: float | None, sd: float | None = None, nd: int = 1) -> str:
    """'61.9 ± 1.7' ('—' for a missing value; no ± part when sd is None)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "—"
    return f"{mean:.{nd}f}" if sd is None else f"{mean:.{nd}f} ± {sd:.{nd}f}"


def pct(x: float) -> float:
    return 100.0 * x


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    values = list(values)
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


# ---- running and grouping ----------------------------------------------------------------------------
def run_specs(specs: Iterable, params, *, runner=None) -> list:
    """Each spec through `runner.run` (stored ones are read, not recomputed), in order; RunResults."""
    if runner is None:
        from .experiments import runner
    seen, out = set(), []
    for spec in specs:
        if spec.key() in seen:
            continue
        seen.add(spec.key())
        out.append(runner.run(spec, results_dir=params.results_dir, device=params.device,
                              data_root=params.data_root, quiet=True))
    return out


def runs_summary(results: Sequence) -> str:
    """'12 runs: 3 trained now, 9 read from the results store; 4.2 min of training in all.'"""
    computed = sum(1 for r in results if r.computed)
    minutes = sum(r.metrics.get("wall_time_s", 0.0) for r in results) / 60
    return (f"{len(results)} runs: {computed} trained now, {len(results) - computed} read from the results store; "
            f"{minutes:.1f} min of training in all (as stored).")


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
    """Dotted lines between experiences and 'e1', 'e2', ... above the axis."""
    edges = np.cumsum([0] + _epochs_per_experience(metrics))
    for e in edges[1:-1]:
        ax.axvline(e + 0.5, color="0.6", lw=0.8, ls=":")
    for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        ax.text((a + b + 1) / 2, 1.01, f"e{i + 1}", transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                fontsize=7, color="0.4")


def _curve_axes(ax, title: str | None = None) -> None:
    ax.set_xlabel("training epochs since the stream began")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(-2, 102)
    if title:
        ax.set_title(title, fontsize=9, pad=12)
    ax.grid(alpha=0.3)


def _plot_mean(ax, runs: Sequence[Mapping], j: int, **style) -> None:
    x, y, sd = mean_curve(runs, j)
    line, = ax.plot(x, y, marker="o", ms=3, **style)
    if len(runs) > 1:
        ax.fill_between(x, y - sd, y + sd, color=line.get_color(), alpha=0.15, lw=0)


# ---- measurement noise ----------------------------------------------------------------------------------
def _test_size(metrics: Mapping) -> int | None:
    """Test images per experience (None: the data set's whole test split, size not recorded)."""
    per_class = metrics.get("stream", {}).get("test_per_class")
    classes = metrics.get("preset", {}).get("classes_per_experience")
    return per_class * classes if per_class and classes else None


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
    rest = "#f28e2b" if generated else "#4e79a7"
    for i, stage in enumerate(STAGES):
        frozen = 0 < k and i <= k
        ax.add_patch(Rectangle((x, 0), width, 1, color="#b0b0b0" if frozen else rest, ec="black"))
        ax.text(x + width / 2, 0.5, stage, ha="center", va="center", fontsize=8, weight="bold",
                color="black" if frozen else "white")
        if i == k and k > 0:
            ax.axvline(x + width + 0.1, color="crimson", lw=2, ls="--")
        x += width + 0.2
    what = "generated per task" if generated else "trained on every experience"
    ax.set_title(f"k = {k}: " + (f"stem + {k} stage{'s' * (k > 1)} frozen after experience 1 (grey), rest {what}"
                                 if k else f"nothing frozen, everything {what}"), fontsize=8)
    ax.set_xlim(-0.1, x)
    ax.set_ylim(-0.1, 1.1)
    ax.axis("off")


# ---- chapter 2: freeze depth and transfer ---------------------------------------------------------------
def _pair_name(a: str, b: str) -> str:
    return f"{a} → {b}"


def transfer_frame(results: Iterable):
    """One row per transfer run: pair, role, k, seed, accuracy (%) on experience 1 after it and on
    experience 2 after it (the quantity of Figure 4), test images per experience."""
    import pandas as pd

    rows = []
    for r in results:
        s, m = r.spec, r.metrics
        acc = m["accuracy_matrix"]
        a, b = m["stream"]["datasets"][0], m["stream"]["datasets"][-1]
        rows.append({"pair": _pair_name(a, b), "role": TRANSFER_ROLES.get((a, b), "—"), "k": s.freeze_depth,
                     "seed": s.seed, "acc_exp1": pct(acc[0][0]), "acc_exp2": pct(acc[1][1]),
                     "test_images": _test_size(m)})
    return pd.DataFrame(rows)


def transfer_table(df):
    """Accuracy (%) on experience 2 per pair (rows) and freeze depth (columns), mean ± sd over seeds."""
    g = df.groupby(["pair", "role", "k"], sort=False)["acc_exp2"]
    table = g.agg(lambda v: pm(*_mean_sd(v))).unstack("k")
    table.columns = [f"k = {k}" for k in table.columns]
    return table


def transfer_drops(df) -> list[dict]:
    """Per pair: mean accuracy (%) on experience 2 at k = 0 and k = 4, the drop between them, the
    largest drop from k = 0 to any k, and the standard error of the drop (test-set sampling)."""
    out = []
    for (pair, role), g in df.groupby(["pair", "role"], sort=False):
        m = g.groupby("k")["acc_exp2"].mean()
        seeds = g["seed"].nunique()
        lo, hi = min(m.index), max(m.index)
        out.append({"pair": pair, "role": role, "acc_k0": m[lo], "acc_k4": m[hi], "drop": m[lo] - m[hi],
                    "max_drop": m[lo] - m.min(), "k_worst": int(m.idxmin()), "seeds": seeds,
                    "se": diff_se(m[lo] / 100, m[hi] / 100, g["test_images"].iloc[0], seeds)})
    return out


def plot_transfer(df):
    """Figure 4: accuracy on experience 2 against freeze depth k, one line per pair (mean ± sd)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 3.4), dpi=90)
    ax = fig.subplots()
    for i, (pair, g) in enumerate(df.groupby("pair", sort=False)):
        s = g.groupby("k")["acc_exp2"].agg(["mean", "std"]).fillna(0.0)
        ax.errorbar(s.index, s["mean"], yerr=s["std"], marker="o", capsize=3,
                    label=f"{pair} ({g['role'].iloc[0]})")
    ax.set_xticks(range(5))
    ax.set_xlabel("freeze depth k (stem + k stages frozen after experience 1)")
    ax.set_ylabel("accuracy on experience 2 (%)")
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title("Test accuracy on the second experience (Figure 4)", fontsize=10)
    fig.tight_layout()
    return fig


def transfer_depth_figure(results: Sequence, k: int):
    """For freeze depth k: what is frozen, and the learning curve of experience 2 for every pair."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.4), dpi=90)
    gs = fig.add_gridspec(2, 2, width_ratios=[1.1, 1], height_ratios=[1, 2.2])
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
        ax.plot(x, y, marker="o", label=pair)
    ax.set_xlabel("epoch of experience 2")
    ax.set_ylabel("accuracy on experience 2 (%)")
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"LR-{k} (c = 0): learning experience 2 on a prefix trained on experience 1", fontsize=9)
    note = fig.add_subplot(gs[1, 0])
    note.axis("off")
    rows = []
    for pair, runs in by_pair.items():
        rows.append(f"{pair}: {statistics.fmean(pct(m['accuracy_matrix'][1][1]) for m in runs):.1f} % "
                    f"after training (exp. 1: {statistics.fmean(pct(m['accuracy_matrix'][0][0]) for m in runs):.1f} %)")
    note.text(0.0, 0.9, "\n".join(rows), va="top", fontsize=8, family="monospace")
    fig.tight_layout()
    return fig


# ---- chapter 3: noisy stream -------------------------------------------------------------------------------
def _stream_name(stream: str) -> str:
    return "normal" if stream == "clean" else stream


def table1_frame(results: Iterable):
    """Table 1: learning accuracy (%) per experience, mean ± sd over seeds, for LR (c = 1) and
    partial HN (*) at each k in the normal (clean) and noisy streams, ours beside the paper's."""
    import pandas as pd

    groups: dict[tuple[str, int, str], list] = defaultdict(list)
    for r in results:
        s = r.spec
        if s.stream in ("noisy", "clean"):
            groups[(s.strategy, s.freeze_depth, _stream_name(s.stream))].append(r.metrics["accuracy_matrix"])
    rows = []
    for (strategy, k, stream), mats in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0] == "hn", kv[0][2])):
        published = paper.TABLE1.get((strategy, k, stream))
        row = {"model": f"ResNet-{k}" + ("*" if strategy == "hn" else ""), "stream": stream, "seeds": len(mats)}
        for i in range(len(mats[0])):
            row[(f"e{i + 1}", "ours")] = pm(*_mean_sd([pct(m[i][i]) for m in mats]))
            row[(f"e{i + 1}", "paper")] = pm(*published[i]) if published and i < len(published) else "—"
        rows.append(row)
    df = pd.DataFrame(rows).set_index(["model", "stream", "seeds"])
    df.columns = pd.MultiIndex.from_tuples(df.columns)
    return df


def first_experience_summary(results: Iterable):
    """Per (strategy, k, stream): accuracy (%) on experience 1 right after it and at the end of the
    stream, and its forgetting, mean over seeds; plus the test-set size."""
    import pandas as pd

    groups: dict[tuple[str, int, str], list] = defaultdict(list)
    for r in results:
        s = r.spec
        if s.stream in ("noisy", "clean"):
            groups[(r.metrics["label"].split(" ")[0], s.freeze_depth, _stream_name(s.stream))].append(r.metrics)
    rows = []
    for (label, k, stream), runs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        after = [m["accuracy_matrix"][0][0] for m in runs]
        end = [m["accuracy_matrix"][-1][0] for m in runs]
        rows.append({"model": label, "k": k, "stream": stream, "seeds": len(runs),
                     "after_exp1": pct(statistics.fmean(after)), "at_end": pct(statistics.fmean(end)),
                     "forgetting_exp1": pct(statistics.fmean(after) - statistics.fmean(end)),
                     "test_images": _test_size(runs[0])})
    return pd.DataFrame(rows)


def plot_noisy_first_experience(results: Sequence):
    """Figure 7: accuracy on the first experience over the stream. Left: LR-k (c = 1), noisy (solid)
    vs normal (dashed). Middle: LR-k (solid) vs partial HN-k (dashed) in the noisy stream. Right:
    forgetting of the first experience at the end of the noisy stream."""
    from matplotlib.figure import Figure

    groups: dict[tuple[str, int, str], list] = defaultdict(list)
    for r in results:
        groups[(r.spec.strategy, r.spec.freeze_depth, r.spec.stream)].append(r.metrics)
    depths = sorted({k for _, k, _ in groups})
    fig = Figure(figsize=(10, 3.4), dpi=90)
    left, mid, right = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.2, 1.2, 0.8]})
    any_runs = next(iter(groups.values()))[0]
    for k in depths:
        c = _COLORS[k]
        for stream, ls in (("noisy", "-"), ("clean", "--")):
            if ("lr", k, stream) in groups:
                _plot_mean(left, groups[("lr", k, stream)], 0, color=c, ls=ls,
                           label=f"LR-{k} {_stream_name(stream)}")
        for strategy, ls in (("lr", "-"), ("hn", "--")):
            if (strategy, k, "noisy") in groups:
                _plot_mean(mid, groups[(strategy, k, "noisy")], 0, color=c, ls=ls, label=f"{strategy.upper()}-{k}")
    for ax, title in ((left, "LR (c = 1): noisy vs normal stream"), (mid, "noisy stream: LR vs partial HN")):
        _curve_axes(ax, title)
        _mark_experiences(ax, any_runs)
        ax.legend(fontsize=6.5, ncol=2, loc="lower left")
    left.set_ylabel("accuracy on experience 1 (%)")
    mid.set_ylabel("accuracy on experience 1 (%)")
    width = 0.38
    for i, (strategy, name) in enumerate((("lr", "LR"), ("hn", "HN"))):
        vals = []
        for k in depths:
            runs = groups.get((strategy, k, "noisy"), [])
            vals.append(statistics.fmean(pct(m["accuracy_matrix"][0][0] - m["accuracy_matrix"][-1][0]) for m in runs)
                        if runs else np.nan)
        right.bar(np.arange(len(depths)) + (i - 0.5) * width, vals, width, label=name,
                  color="#4e79a7" if strategy == "lr" else "#f28e2b")
    right.set_xticks(range(len(depths)), [f"k={k}" for k in depths])
    right.axhline(0, color="black", lw=0.8)
    right.set_ylabel("forgetting of experience 1 (points)")
    right.set_title("noisy stream, end of stream", fontsize=9, pad=12)
    right.legend(fontsize=7)
    right.grid(alpha=0.3, axis="y")
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


def _mosaic(w: np.ndarray, n_out: int, n_in: int) -> np.ndarray:
    """[out, in, kh, kw] → an image of n_out rows × n_in columns of kernels, NaN gaps between."""
    _, _, kh, kw = w.shape
    img = np.full((n_out * (kh + 1) - 1, n_in * (kw + 1) - 1), np.nan)
    for o in range(n_out):
        for i in range(n_in):
            img[o * (kh + 1): o * (kh + 1) + kh, i * (kw + 1): i * (kw + 1) + kw] = w[o, i]
    return img


def plot_filters(filters: np.ndarray, e: int, *, layer: str = "", n_out: int = 12, n_in: int = 16):
    """Figure 6 for experience e (0-based): its generated kernels (first n_out output × n_in input
    channels) and their difference from the previous experience's, on one colour scale."""
    from matplotlib.figure import Figure

    n_out, n_in = min(n_out, filters.shape[1]), min(n_in, filters.shape[2])
    part = filters[:, :n_out, :n_in]
    vmax = float(np.nanmax(np.abs(part))) or 1.0
    fig = Figure(figsize=(10, 3.3), dpi=90)
    axes = fig.subplots(1, 2)
    im = axes[0].imshow(_mosaic(part[e], n_out, n_in), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    axes[0].set_title(f"experience {e + 1}: generated kernels", fontsize=9)
    if e > 0:
        axes[1].imshow(_mosaic(part[e] - part[e - 1], n_out, n_in), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        sim = filter_similarity(filters, e - 1, e)
        axes[1].set_title(f"experience {e + 1} minus experience {e} (cos {sim['mean_cosine']:.2f}, "
                          f"change {100 * sim['relative_change']:.0f} %)", fontsize=9)
    else:
        axes[1].imshow(np.zeros_like(_mosaic(part[e], n_out, n_in)) * np.nan)
        axes[1].set_title("experience 1 has no predecessor", fontsize=9)
    for ax in axes:
        ax.set_xlabel(f"input channel (first {n_in}), 3×3 kernel each")
        ax.set_ylabel(f"output channel (first {n_out})")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=axes, shrink=0.85, label="weight")
    fig.suptitle(layer, fontsize=8)
    return fig


# ---- chapter 4: split benchmarks ---------------------------------------------------------------------------
def table2_frame(rows: Sequence[Mapping]):
    """`report.table2_rows` as a table: ours (mean ± sd over seeds) beside the paper's."""
    import pandas as pd

    out = []
    for r in rows:
        p_aca, p_fgt = r["paper_aca"], r["paper_forgetting"]
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


def plot_experience_panels(groups: Mapping[str, Sequence[Mapping]], experiences: Sequence[int] = (0, 1, 2), *,
                           styles: Mapping[str, dict] | None = None, title: str = ""):
    """One panel per experience j: accuracy on j over the stream for each group (mean over seeds)."""
    from matplotlib.figure import Figure

    styles = styles or {}
    cols = min(len(experiences), 4)
    rows = -(-len(experiences) // cols)
    fig = Figure(figsize=(10, 3.1 * rows + 0.3), dpi=90)
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
    first = next(iter(groups.values()))[0]
    for ax, j in zip(axes, experiences):
        for name, runs in groups.items():
            if runs:
                _plot_mean(ax, runs, j, label=name, **styles.get(name, {}))
        _curve_axes(ax, f"experience {j + 1}")
        _mark_experiences(ax, first)
        ax.label_outer()
    for ax in axes[len(experiences):]:
        ax.axis("off")
    axes[0].legend(fontsize=7, loc="lower left")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


# ---- chapter 5: look-ahead ---------------------------------------------------------------------------------
def table45_frame(rows: Sequence[Mapping], table: str):
    """`report.table45_rows` as a table: ACA, learning accuracy, time; ours beside the paper's."""
    import pandas as pd

    names = {"none": "no look-ahead", "first": "first order", "second": "second order"}
    out = []
    for r in rows:
        out.append({
            "model": "ResNet-F" if r["k"] == 0 else f"ResNet-{r['k']}", "update": names[r["mode"]],
            ("ACA (%)", "ours"): round(r["aca"], 1), ("ACA (%)", "paper"): r["paper_aca"],
            ("learning acc. (%)", "ours"): round(r["learning_accuracy"], 1),
            ("learning acc. (%)", "paper"): r["paper_learning_accuracy"],
            ("time", "ours (s)"): round(60 * r["minutes"], 1), ("time", "paper (min)"): r["paper_minutes"],
        })
    df = pd.DataFrame(out).set_index(["model", "update"])
    df.columns = pd.MultiIndex.from_tuples(df.columns)
    return df


def plot_lookahead_curves(none: Sequence[Mapping], first: Sequence[Mapping], *, max_experiences: int = 8,
                          title: str = ""):
    """Figure 11: accuracy on experiences 1..8 over the stream, with (first order) and without look-ahead."""
    n = min(max_experiences, len(first[0]["accuracy_matrix"]))
    return plot_experience_panels({"look-ahead (first order)": first, "no look-ahead": none}, range(n),
                                  styles={"look-ahead (first order)": {"color": "#f28e2b"},
                                          "no look-ahead": {"color": "#4e79a7", "ls": "--"}}, title=title)


# ---- chapter 6: gradient cosine ---------------------------------------------------------------------------
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


def plot_cosines(df, *, title: str = ""):
    """Figure 12: cos(g1, g2) against the step, one line per seed; zero marked."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.2), dpi=90)
    ax = fig.subplots()
    for seed, g in df.groupby("seed"):
        ax.plot(g["step"], g["cosine"], marker="o", ms=3, label=f"seed {seed}")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("training step (mini-batch) in the epoch")
    ax.set_ylabel("cos(g1, g2)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or "Cosine similarity of the cross-entropy and look-ahead gradients", fontsize=10)
    fig.tight_layout()
    return fig


# ---- chapter 7: cost ---------------------------------------------------------------------------------------
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


def memory_frame(results: Iterable):
    """Per LR-k / HN-k run: the memory the run kept (`metrics['memory_bytes']`) beside what
    `counting.account` predicts for the same setting, in MB (2**20 bytes)."""
    import pandas as pd

    from .counting import account

    rows = []
    for r in results:
        s, m = r.spec, r.metrics
        if s.strategy not in ("lr", "hn"):
            continue
        p = m["preset"]
        tasks = len(m["accuracy_matrix"])
        a = account(freeze_depth=s.freeze_depth, tasks=tasks, classes=p["classes_per_experience"],
                    chunk_dim=p["chunk_dim"], embedding_dim=p["embedding_dim"], hidden_dim=p["hidden_dim"],
                    buffer_size=p["buffer_size"])
        counted = a.lr_memory_bytes if s.strategy == "lr" else a.hn_memory_bytes
        rows.append({"model": m["label"], "seed": s.seed, "stored": "latent buffer" if s.strategy == "lr" else
                     "previous hypernetwork", "measured (MB)": m["memory_bytes"] / paper.MIB,
                     "counted (MB)": counted / paper.MIB, "equal": m["memory_bytes"] == counted})
    return pd.DataFrame(rows)


def find_bench_result(root: str | Path):
    """What `phnlab bench` left under the repository `root`: ('json', dict) for a JSON result
    (docs/benchmarks*.json or docs/bench*.json holding 'step_ms'), ('markdown', text) for
    docs/benchmarks.md, or (None, None)."""
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
