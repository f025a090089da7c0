"""Section 4.1, freeze depth and transfer (chapter 2): how much the second experience loses when the
backbone is frozen after the first, for a similar and a dissimilar pair of data sets (Figure 4).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from .claims import Claim, Verdict
from .figures import GREY, frozen_diagram, styled
from .stats import Effect, chance, clear_effect, diff_se, every_claim, mean_sd, pct, pm, seed_effect, test_size

__all__ = [
    "TRANSFER_ROLES", "transfer_frame", "transfer_table", "transfer_drops", "transfer_verdict", "plot_transfer",
    "transfer_depth_figure"
]


# Roles of the transfer pairs of the presets (config.Preset.transfer_pairs): the first experience's
# data set → the second's. The synthetic shapes and glyphs share one renderer (similar); textures
# have no object and no smooth background (dissimilar). The paper's pairs as its Section 4.1 reads them.
TRANSFER_ROLES: dict[tuple[str, str], str] = {
    ("synthetic-shapes", "synthetic-glyphs"): "similar",
    ("synthetic-shapes", "synthetic-textures"): "dissimilar",
    ("cifar10", "cifar100"): "similar",
    ("gtsrb", "cifar100"): "dissimilar",
    ("svhn", "fashionmnist"): "dissimilar, simpler second task",
    # real images (the fmnist preset): 5 Fashion-MNIST classes → its other 5; handwritten digits → clothing
    ("fashionmnist", "fashionmnist"): "similar",
    ("digits", "fashionmnist"): "dissimilar",
    ("synthetic-shapes", "fashionmnist"): "synthetic → real",
}


def _pair_name(a: str, b: str) -> str:
    return f"{a} → {b} (other classes)" if a == b else f"{a} → {b}"


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
                     "test_images": test_size(m), "chance": chance(m)})
    return pd.DataFrame(rows)


def transfer_table(df):
    """Accuracy (%) on experience 2 per pair (rows) and freeze depth k (columns), mean ± sd over seeds."""
    g = df.groupby(["pair", "role", "k"], sort=False)["acc_exp2"]
    table = g.agg(lambda v: pm(*mean_sd(v))).unstack("k")
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
                             for k in m.index if k != lo},
                    # per depth: accuracy (%) on experience 2 by seed
                    "by_seed": {int(k): dict(zip(gk["seed"], gk["acc_exp2"])) for k, gk in g.groupby("k")}})
    return out


def transfer_verdict(df, preset_name: str) -> Verdict:
    """Section 4.1's claims: the similar pair loses less accuracy on experience 2 than the dissimilar one
    when the whole backbone is frozen (k = 4 against k = 0), and freezing does not hurt the similar pair;
    with the per-pair drops."""
    drops = transfer_drops(df)
    details = tuple(f"**{d['pair']}** ({d['role']}): {d['acc_k0']:.1f} % at k = 0, {d['acc_k4']:.1f} % at k = 4, a "
                    f"drop of {d['drop']:.1f} points (largest drop {d['max_drop']:.1f}, at k = {d['k_worst']}; sampling "
                    f"error of the drop ±{d['se']:.1f}); drop from k = 0 at k = {', '.join(map(str, d['by_k']))}: "
                    + ", ".join(f"{drop:.1f}" for drop, _ in d["by_k"].values()) + " points" if d["by_k"] else
                    f"**{d['pair']}** ({d['role']}): {d['acc_k0']:.1f} % at k = 0; no deeper freeze depth computed yet"
                    for d in drops)
    similar = [d for d in drops if d["role"] == "similar"]
    dissimilar = [d for d in drops if d["role"] == "dissimilar"]
    if not similar or not dissimilar:
        return Verdict((Claim("The similar pair loses less than the dissimilar one", None,
                              "this preset's pairs have no similar and dissimilar roles"),), details=details)
    s, d = similar[0], dissimilar[0]
    gaps = _gaps(s, d)
    if not gaps:
        return Verdict((Claim("The similar pair loses less than the dissimilar one", None,
                              "the two pairs share no seed at a depth k > 0"),), details=details)
    clear_at = [k for k, e in gaps.items() if e.clear]
    notes = ()
    if len(clear_at) < len(gaps):
        within = [k for k in gaps if k not in clear_at]
        notes = (f"At k = {', '.join(map(str, within))} the difference is within twice its error "
                 f"({int(s['test_images'])} test images per experience and {s['seeds']} seed(s)): at the "
                 f"**{preset_name}** preset those depths did not resolve the effect either way.",)
    unpaired = sorted((set(s["by_k"]) | set(d["by_k"])) - set(gaps) - {min(s["by_seed"])})
    less = every_claim("The similar pair loses less on experience 2 than the dissimilar one at every freeze depth",
                       {f"k = {k}": e for k, e in gaps.items()}, headline=True, paper="yes",
                       missing=[f"k = {k}" for k in unpaired])
    return Verdict((less, _similar_unhurt(s)), notes=notes, details=details)


def _gaps(similar: dict, dissimilar: dict) -> dict[int, Effect]:
    """At every depth k > 0: the dissimilar pair's drop from k = 0 minus the similar pair's, paired by seed,
    with its noise (the drops' sampling errors, or the spread over seeds where larger)."""
    lo = min(similar["by_seed"])
    out = {}
    for k in sorted(set(similar["by_k"]) & set(dissimilar["by_k"])):
        seeds = sorted(set.intersection(*(set(p["by_seed"][j]) for p in (similar, dissimilar) for j in (lo, k))))
        if seeds:
            drop = lambda p, seed: p["by_seed"][lo][seed] - p["by_seed"][k][seed]  # noqa: E731
            sampling = math.hypot(similar["by_k"][k][1], dissimilar["by_k"][k][1])
            out[k] = seed_effect([drop(dissimilar, seed) - drop(similar, seed) for seed in seeds], sampling)
    return out


def _similar_unhurt(s: dict) -> Claim:
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
        return Claim(claim, True, "at every depth")
    worst = max(s["by_k"].items(), key=lambda kv: kv[1][0])
    if upto == 0:
        return Claim(claim, False, f"already at k = {depths[0]} it loses {s['by_k'][depths[0]][0]:.1f} points")
    return Claim(claim, False, f"only up to k = {upto}; deeper it loses more, up to {worst[1][0]:.1f} points at "
                               f"k = {worst[0]}")


@styled
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
        ax.axhline(df["chance"].iloc[0], color=GREY, lw=0.8, ls="--", label="chance")
    ax.set_xticks(range(5))
    ax.set_xlabel("freeze depth k (stem + k stages frozen after experience 1)")
    ax.set_ylabel("accuracy on exp. 2 (%)")
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    ax.set_title("Test accuracy on the second experience (Figure 4)")
    fig.tight_layout()
    return fig


@styled
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
        ax.axhline(chance(next(iter(by_pair.values()))[0]), color=GREY, lw=0.8, ls="--", label="chance")
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
