"""Sizes (chapter 1): what the cut at freeze depth k freezes and generates, Table 3's compression by the
chunk width d and Table 6's memory, all counted from the modules (nothing trains)."""

from __future__ import annotations

from .. import paper
from ..counting import account, table3_rows, table6_rows
from .claims import Claim, Verdict
from .figures import HN_COLOR, styled
from .stats import model_name

__all__ = ["STAGE_MODULES", "stage_params", "architecture_frame", "architecture_figure", "table3_frame",
           "table3_verdict", "table6_counts_frame", "table6_counts_verdict", "plot_sizes", "trained_sizes_frame"]

STAGE_MODULES = ("stem", "layer1", "layer2", "layer3", "layer4", "classifier")
BENCHMARKS = (("cifar100", "CIFAR-100"), ("tinyimagenet", "TinyImageNet"))


def stage_params(num_classes: int = 100) -> dict[str, int]:
    """Parameters of each stage of the plain slim ResNet-18 with a `num_classes`-way head."""
    from ..models import SlimResNet18

    model = SlimResNet18(num_classes=num_classes)
    sizes = {s: sum(p.numel() for p in getattr(model, s).parameters()) for s in STAGE_MODULES[:-1]}
    sizes["classifier"] = sum(p.numel() for p in model.heads[0].parameters())  # one task's head
    return sizes


def architecture_frame():
    """Per freeze depth, in Table 6's setting: what is frozen and generated, the parameters of each
    part, and the shape of one LR-k exemplar."""
    import pandas as pd

    from ..models import feature_shape

    s6 = paper.TABLE6_SETTING
    rows = []
    for k in range(5):
        a = account(freeze_depth=k, tasks=s6["tasks"], classes=s6["classes"], chunk_dim=s6["chunk_dim"])
        rows.append({
            "model": model_name(k),
            "frozen (stateful)": ", ".join(STAGE_MODULES[: k + 1]) if k else "—",
            "generated": ", ".join(STAGE_MODULES[k + 1:] if k else STAGE_MODULES),
            "stateful params": a.stateful_params,
            "HN params": a.hypernetwork_params,
            "generated per task": a.generated_params_per_task,
            "LR-k exemplar": "×".join(map(str, feature_shape(k))),
        })
    return pd.DataFrame(rows).set_index("model")


@styled
def architecture_figure(k: int, sizes: dict[str, int] | None = None):
    """The network as six boxes, frozen ones grey and generated ones orange, with their sizes; the
    title gives what the partial hypernetwork of depth k stores (T = 20, C = 100)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    sizes = sizes or stage_params()
    fig = Figure(figsize=(9, 2.6), dpi=90)
    ax = fig.subplots()
    x, width = 0.0, 1.4
    for i, stage in enumerate(STAGE_MODULES):
        frozen = k > 0 and i <= k
        ax.add_patch(Rectangle((x, 0), width, 1, color="#b0b0b0" if frozen else HN_COLOR, ec="black"))
        ax.text(x + width / 2, 0.62, "head" if stage == "classifier" else stage, ha="center", va="center",
                fontsize=11, weight="bold")
        ax.text(x + width / 2, 0.3, f"{sizes[stage]:,}", ha="center", va="center", fontsize=9)
        if i == k and k > 0:
            ax.axvline(x + width + 0.1, color="crimson", lw=2, ls="--")
        x += width + 0.2
    a = account(freeze_depth=k, tasks=20, classes=100)
    ax.set_title(f"{model_name(k)}: frozen prefix {a.stateful_params:,} parameters (grey); "
                 f"hypernetwork {a.hypernetwork_params:,} parameters generates the orange part", fontsize=10)
    ax.set_xlim(-0.1, x)
    ax.set_ylim(-0.1, 1.1)
    ax.axis("off")
    return fig


def table3_frame():
    """Table 3: HN-F's parameters by chunk width d and the compression, ours beside the paper's."""
    import pandas as pd

    t3 = pd.DataFrame(table3_rows()).set_index("d")
    t3.columns = ["ours", "paper", "ours %", "paper %"]
    return t3


def table3_verdict(t3) -> Verdict:
    same = int((t3["ours"] == t3["paper"]).sum())
    per_d = (t3.loc[64, "ours"] - t3.loc[32, "ours"]) // 32
    return Verdict((Claim("Our counts equal Table 3's", bool(same == len(t3) and (t3["ours %"] == t3["paper %"]).all()),
                          f"{same} of {len(t3)} values of d equal, compressions included",
                          detail=f"each unit of d adds {per_d:,} parameters"),))


def table6_counts_frame():
    """Table 6 counted from the modules, both benchmarks: parameters, MB and exemplar shapes beside the
    paper's (MB rounded to the printed precision)."""
    import pandas as pd

    parts = []
    for bench, name in BENCHMARKS:
        parts += [{"benchmark": name, **r} for r in table6_rows(bench)]
    return pd.DataFrame(parts).round({"lr_mb": 2, "hn_mb": 2})


def table6_counts_verdict(t6) -> Verdict:
    hn_same = int((t6["hn_params"] == t6["paper_hn_params"]).sum())
    lr_close = int(((t6["lr_mb"] - t6["paper_lr_mb"]).abs() <= 0.006).sum())
    typo = t6[t6["exemplar_shape"] != t6["paper_exemplar_shape"]]
    return Verdict((
        Claim("Our hypernetwork sizes equal Table 6's", hn_same == len(t6), f"{hn_same} of {len(t6)} equal"),
        Claim("Our LR memories agree with Table 6's to the printed precision", lr_close == len(t6),
              f"{lr_close} of {len(t6)} agree"),
    ), notes=("Exemplar shapes that differ from the print: "
              + (", ".join(f"LR-{r.k} ({r.benchmark}): ours {r.exemplar_shape}, printed {r.paper_exemplar_shape}"
                           for r in typo.itertuples()) or "none")
              + " — the printed 4×16×16 is a typo: only 40×16×16 gives the table's own 7.81 MB.",))


@styled
def plot_sizes(t6):
    """Left: the partial HN's size by freeze depth; right: LR-k's buffer against HN-k's stored copy (MB),
    Split CIFAR-100."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.6), dpi=90)
    ax = fig.subplots(1, 2)
    cifar = t6[t6.benchmark == "CIFAR-100"]
    ax[0].bar([model_name(k) for k in cifar.k], cifar.hn_params / 1e6, color=HN_COLOR)
    ax[0].set_xlabel("model (HN-F: freeze depth k = 0, everything generated)")
    ax[0].set_ylabel("hypernetwork parameters (millions)")
    ax[0].set_title("Partial HN size by freeze depth (T=20, C=100)")
    ax[1].plot(cifar.k, cifar.lr_mb, "o-", label="LR-k buffer (200 exemplars)")
    ax[1].plot(cifar.k, cifar.hn_mb, "s-", label="HN-k stored hypernetwork")
    ax[1].set_xlabel("freeze depth k (0: LR-0 / HN-F)")
    ax[1].set_ylabel("memory (MB)")
    ax[1].set_xticks(range(5))
    ax[1].set_title("Memory on Split CIFAR-100 (Table 6)")
    ax[1].legend()
    fig.tight_layout()
    return fig


def trained_sizes_frame(classes=(5, 10, 100), tasks: int = 20):
    """Hypernetwork parameters per freeze depth with the heads sized for C classes per experience."""
    import pandas as pd

    return pd.DataFrame([{"model": model_name(k), **{f"C={c}": account(freeze_depth=k, tasks=tasks,
                                                                        classes=c).hypernetwork_params
                                                      for c in classes}}
                         for k in range(5)]).set_index("model")
