"""Time and memory (chapter 7): whole-run times relative to Naive, look-ahead's cost, the memory each
run kept against the counted one, Table 6, and the step-level benchmark.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .. import paper
from .claims import Claim, Verdict, answer
from .figures import HN_COLOR, LR_COLOR, styled
from .lookahead import by_mode
from .stats import model_name

__all__ = [
    "cost_frame", "plot_cost", "time_verdict", "lookahead_cost_frame", "lookahead_cost_verdict", "memory_frame",
    "memory_verdict", "table6_frame", "table6_verdict", "BENCH_FILE", "stored_bench", "bench_caption",
    "bench_frame", "bench_verdict"
]


def cost_frame(rows: Sequence[Mapping], *, baseline: str = "Naive"):
    """Running time of each strategy relative to `baseline`: ours (whole-run training time without curve points) beside the
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


@styled
def plot_cost(cost, *, ours_label: str = "ours", baseline: str = "Naive"):
    """Grouped bars: time × baseline, ours beside the paper's, per strategy."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.4), dpi=90)
    ax = fig.subplots()
    x = np.arange(len(cost))
    ax.bar(x - 0.2, cost[f"ours × {baseline}"], 0.4, label=ours_label, color=LR_COLOR)
    ax.bar(x + 0.2, cost[f"paper × {baseline}"].astype(float), 0.4, label="paper (CIFAR-100, GPU)", color=HN_COLOR)
    ax.set_xticks(x, cost.index)
    ax.axhline(1, color="black", lw=0.8)
    ax.set_xlabel("strategy")
    ax.set_ylabel(f"training time (× {baseline})")
    ax.set_title(f"Whole-stream training time relative to {baseline}")
    ax.legend()
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def time_verdict(rows: Sequence[Mapping]) -> Verdict:
    """Table 2's time claims: HN-F slower than HN-4, HN time ordered by depth."""
    t = {r["strategy"]: r["minutes"] for r in rows}
    p = {k: v["minutes"] for k, v in paper.TABLE2["cifar100"].items()}
    hn = [h for h in ("HN-F", "HN-1", "HN-2", "HN-3", "HN-4") if h in t]
    ours_order = sorted(hn, key=lambda h: -t[h])
    p_order = sorted(hn, key=lambda h: -p[h])
    claims = (
        Claim("HN-F is slower than HN-4", t["HN-F"] > t["HN-4"], f"HN-F takes {t['HN-F'] / t['HN-4']:.1f}× the time of HN-4",
              paper=f"{p['HN-F'] / p['HN-4']:.1f}×"),
        Claim("The partial HNs' times follow the paper's order", ours_order == p_order,
              "slowest to fastest " + " > ".join(ours_order), paper=" > ".join(p_order)),
    )
    notes = ()
    if "Naive" in t and "LR-4" in t:
        notes = (f"LR-4 takes {t['LR-4'] / t['Naive']:.2f}× Naive's time (paper: {p['LR-4'] / p['Naive']:.2f}×) and "
                 f"HN-4 {t['HN-4'] / t['Naive']:.2f}× (paper: {p['HN-4'] / p['Naive']:.2f}×).",)
    return Verdict(claims, notes=notes)


def lookahead_cost_frame(rows4: Sequence[Mapping], rows5: Sequence[Mapping]):
    """Per depth: whole-run time of first-order look-ahead over none, and of second over first
    order; ours beside the same ratios of the paper's minutes (Tables 4 and 5)."""
    import pandas as pd

    t4, t5 = by_mode(rows4), by_mode(rows5)
    out = []
    for k in range(5):
        row = {"model": model_name(k)}
        if (k, "first") in t4 and (k, "none") in t4:
            row["first / none (ours)"] = t4[(k, "first")]["minutes"] / t4[(k, "none")]["minutes"]
        row["first / none (paper)"] = paper.TABLE4[k]["first"][2] / paper.TABLE4[k]["none"][2]
        if (k, "second") in t5 and (k, "first") in t5:
            row["second / first (ours)"] = t5[(k, "second")]["minutes"] / t5[(k, "first")]["minutes"]
        row["second / first (paper)"] = paper.TABLE5[k]["second"][2] / paper.TABLE5[k]["first"][2]
        out.append(row)
    return pd.DataFrame(out).set_index("model").round(2)


def lookahead_cost_verdict(frame) -> Verdict:
    first, second = frame["first / none (ours)"], frame["second / first (ours)"]
    lo, hi = paper.LOOKAHEAD_COST
    return Verdict((
        Claim("First-order look-ahead costs a modest multiple of a run without it", bool(first.max() <= hi),
              f"{first.min():.2f}–{first.max():.2f}×", paper=f"{lo}–{hi}×"),
        Claim("Second order is dearer than first at every depth", bool((second > 1).all()),
              f"{second.min():.2f}–{second.max():.2f}× first order",
              paper=f"{paper.SECOND_ORDER_COST[0]}–{paper.SECOND_ORDER_COST[1]}×"),
    ), notes=("Whole-run times of single runs on a shared machine are noisy; the step-level benchmark below "
              "isolates the step.",))


def memory_frame(results: Iterable):
    """Per EWC, LR-k and HN-k run: the memory the run kept (`metrics['memory_bytes']`) beside what
    `counting.account` predicts for the same setting, in MB (2**20 bytes). LR's count is for the slots its
    class-balanced buffer fills at the end of the stream: all of them (`latent_replay.class_quotas` hands
    the remainder of an uneven split to the first classes) unless the stream had fewer training samples."""
    import pandas as pd

    from ..counting import account, ewc_memory_bytes

    rows = []
    for r in results:
        s, m = r.spec, r.metrics
        p = m["preset"]
        if s.strategy == "ewc" and m["memory_bytes"]:  # 0: stored before EWC counted what it keeps
            counted = ewc_memory_bytes(len(m["accuracy_matrix"]), p["classes_per_experience"])
            rows.append({"model": m["label"], "seed": s.seed, "stored": "parameters and importances per experience",
                         "measured (MB)": m["memory_bytes"] / paper.MIB, "counted (MB)": counted / paper.MIB,
                         "equal": m["memory_bytes"] == counted})
        if s.strategy not in ("lr", "hn"):
            continue
        a = account(freeze_depth=s.freeze_depth, tasks=len(m["accuracy_matrix"]), classes=p["classes_per_experience"],
                    chunk_dim=p["chunk_dim"], embedding_dim=p["embedding_dim"], hidden_dim=p["hidden_dim"],
                    buffer_size=p["buffer_size"])
        counted = a.hn_memory_bytes
        if s.strategy == "lr":  # the class-balanced buffer fills every slot while training samples remain
            per_class = m.get("stream", {}).get("train_per_class")
            seen = None if per_class is None else len(m["accuracy_matrix"]) * p["classes_per_experience"] * per_class
            filled = p["buffer_size"] if seen is None else min(p["buffer_size"], seen)
            counted = a.lr_memory_bytes * filled // p["buffer_size"]
        rows.append({"model": m["label"], "seed": s.seed,
                     "stored": "latent buffer" if s.strategy == "lr" else "previous hypernetwork",
                     "measured (MB)": m["memory_bytes"] / paper.MIB, "counted (MB)": counted / paper.MIB,
                     "equal": m["memory_bytes"] == counted})
    return pd.DataFrame(rows)


def memory_verdict(mem) -> tuple[Verdict, object]:
    """Measured memory against the counted one: the verdict and a table per model (mean over runs)."""
    table = mem.groupby(["model", "stored"])[["measured (MB)", "counted (MB)"]].mean().round(3)
    table["equal in every run"] = mem.groupby(["model", "stored"])["equal"].all()
    claim = Claim("Each run keeps exactly the memory the modules count", bool(mem["equal"].all()),
                  f"equal in {int(mem['equal'].sum())} of {len(mem)} runs",
                  detail="LR's count is for the slots its class-balanced buffer fills: every slot once the stream "
                         "has given it as many training samples (e.g. 200 slots over 30 classes: 20 classes of 7 and "
                         "10 of 6), as Table 6 counts it")
    return Verdict((claim,)), table


def table6_frame():
    """Table 6 in MB, both benchmarks: counted from the modules beside the paper's."""
    from .sizes import table6_counts_frame

    names = {"lr_mb": "LR-k (MB)", "paper_lr_mb": "LR-k paper", "hn_mb": "HN-k (MB)", "paper_hn_mb": "HN-k paper"}
    t6 = table6_counts_frame().rename(columns=names)
    return t6[["benchmark", "k", *names.values()]].round(2).set_index(["benchmark", "k"])


def table6_verdict(t6) -> Verdict:
    smaller = t6[t6["HN-k (MB)"] < t6["LR-k (MB)"]]
    p_smaller = t6[t6["HN-k paper"] < t6["LR-k paper"]]
    cifar = t6.loc["CIFAR-100"]

    def where(bench):  # the depths of one benchmark where the HN stores less
        rows = t6.loc[bench]
        ks = [str(int(k)) for k in rows.index if rows.loc[k, "HN-k (MB)"] < rows.loc[k, "LR-k (MB)"]]
        return f"{bench} at k = {', '.join(ks)}" if ks else f"{bench} at no k"

    benches = list(dict.fromkeys(t6.index.get_level_values(0)))
    hn_mb = cifar["HN-k (MB)"]
    return Verdict((
        Claim("The partial HN stores less than latent replay in most settings", len(smaller) > len(t6) / 2,
              f"in {len(smaller)} of {len(t6)} settings: {'; '.join(map(where, benches))}",
              paper=f"{len(p_smaller)} of {len(t6)}"),
        Claim("The HN's memory falls as k grows", bool((hn_mb.diff().dropna() <= 0).all()),
              f"HN-F {hn_mb.iloc[0]:.2f} MB → HN-4 {hn_mb.iloc[-1]:.2f} MB on CIFAR-100",
              detail=f"LR's follows the size of the cut (largest at k = {int(cifar['LR-k (MB)'].idxmax())})"),
    ))


BENCH_FILE = "docs/bench-cpu.json"  # `phnlab bench --json` output, committed with the repository


def stored_bench(root: str | Path | None = None) -> tuple[str, dict] | None:
    """The committed `phnlab bench --json` result under the repository `root` (default: this checkout)
    as (its path relative to root, the result), or None when it is missing or not a bench result."""
    root = Path(root) if root is not None else Path(__file__).resolve().parents[2]
    path = root / BENCH_FILE
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return (BENCH_FILE, doc) if isinstance(doc, dict) and "step_ms" in doc else None


def bench_caption(found: tuple[str, dict] | None) -> str:
    """What the step-level table below is, or why there is none."""
    if found is None:
        return (f"**No benchmark result found**: `{BENCH_FILE}` is missing from this checkout, so this page has no "
                "step-level ratios. Run `phnlab bench --json > " + BENCH_FILE + "` (docs/benchmarks.md gives its duration on two CPU "
                "cores); this page shows them on its next build.")
    path, b = found
    where = ", ".join(str(x) for x in (b.get("device"), b.get("device_name")) if x)
    if "thread" not in str(b.get("device_name", "")):
        where += f", {b.get('threads')} thread(s)"
    return (f"From `{path}` ({where}; one step at "
            f"task {b.get('tasks')}, median of {b.get('repeats')} rounds; how it was measured and under what load: "
            "`docs/benchmarks.md`):")


def bench_frame(result: Mapping):
    """The ratios of a `phnlab bench` result beside the paper's and the project's targets."""
    import pandas as pd

    from ..bench import RATIOS, TARGETS, paper_ratios

    pr = paper_ratios()
    rows = []
    for name in ["lookahead_first_over_none", *RATIOS]:
        if name not in result:
            continue
        lo, hi = pr[name]
        target = TARGETS.get(name)
        rows.append({"ratio": name, "ours": round(result[name], 2),
                     "paper": f"{lo:.2f}" if abs(lo - hi) < 5e-3 else f"{lo:.2f}–{hi:.2f}",
                     "target (≤)": "—" if target is None else f"{target:.2f}",
                     "within target": "—" if target is None else answer(result[name] <= target)})
    return pd.DataFrame(rows).set_index("ratio")


def bench_verdict(result: Mapping) -> Verdict:
    """Whether every ratio of a `phnlab bench` result that has a target meets it, naming the ones that miss."""
    from ..bench import TARGETS

    checked = {name: result[name] for name in TARGETS if name in result}
    missed = {name: value for name, value in checked.items() if value > TARGETS[name]}
    return Verdict((Claim("Every step ratio with a target meets it", not missed,
                          f"{len(checked) - len(missed)} of {len(checked)} within target",
                          detail="missed: " + ", ".join(f"`{n}` {v:.2f} > {TARGETS[n]:.2f}" for n, v in missed.items())
                          if missed else ""),),
                   notes=(f"Why an exact second-order step cannot reach {TARGETS['second_over_first_hnf']:g}× first "
                          "order through the generated convolutions and batch norm, and what was tried: "
                          "`docs/benchmarks.md`, \"The missed target\".",)
                   if "second_over_first_hnf" in missed else ())
