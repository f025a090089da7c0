"""Figure 12 (chapter 6): the cosine similarity of the cross-entropy and look-ahead gradients per step.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from .claims import Claim, Verdict
from .figures import styled

__all__ = [
    "cosine_frame", "cosine_verdict", "cosine_experiences_frame", "cosine_experiences_verdict", "plot_cosines",
    "experience_figures"
]


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


def _over_seeds(part) -> tuple[float, float | None, int]:
    """(mean cosine over the seeds' means, its standard error over seeds, seeds) of a frame with `seed` and
    `cosine`. With one seed the error is its steps' (correlated, so a floor); None where it cannot be given."""
    per_seed = part.groupby("seed")["cosine"].mean()
    se = per_seed.sem() if len(per_seed) > 1 else part["cosine"].sem()
    return float(per_seed.mean()), None if math.isnan(se) else float(se), len(per_seed)


def cosine_verdict(df, preset_name: str) -> tuple[Verdict, object]:
    """Figure 12's claim (negative similarity whatever the seed), checked: the verdict and a table
    of the cosine per seed (steps, mean, min, max, share of negative steps)."""
    per_seed = df.groupby("seed")["cosine"].agg(steps="count", mean="mean", min="min", max="max",
                                                negative=lambda c: (c < 0).mean())
    negative = int((per_seed["mean"] < 0).sum())
    mean, se, _ = _over_seeds(df) if len(per_seed) else (None, None, 0)
    claim = Claim("The cross-entropy and look-ahead gradients point apart (negative cosine) whatever the seed",
                  negative == len(per_seed), f"the mean cosine over the first epoch of experience 2 is negative for "
                  f"{negative} of {len(per_seed)} seeds",
                  clear=bool(mean + 2 * se < 0) if se is not None and negative == len(per_seed) else None,
                  effect=mean, se=se, seeds=len(per_seed), decimals=2,
                  rule=f"every seed's mean negative, and their mean more than 2 SE (over "
                       f"{'seeds' if len(per_seed) > 1 else 'its steps'}) below zero",
                  detail=", ".join(f"seed {s}: {r['mean']:+.2f}, {100 * r['negative']:.0f} % of {int(r['steps'])} "
                                   "steps negative" for s, r in per_seed.iterrows()))
    notes = ()
    if len(per_seed) and per_seed["steps"].min() < 10:
        notes = (f"With {int(per_seed['steps'].min())} steps per epoch at the **{preset_name}** preset, this is a thin "
                 "sample.",)
    return Verdict((claim,), notes=notes), per_seed.round(3)


def cosine_experiences_frame(results: Sequence, *, epoch: int = 0):
    """Per experience from the second on: steps, seeds, mean cos(g1, g2) over the seeds' means, its standard error
    and the share of negative steps in the given epoch. The error is over seeds, the unit the paper's claim speaks
    of (a run's successive steps are correlated, so its steps are not independent draws); with one seed, over
    its steps."""
    import pandas as pd

    n_exp = len(results[0].metrics["accuracy_matrix"])
    frames = [cosine_frame(results, experience=e, epoch=epoch).assign(experience=e + 1) for e in range(1, n_exp)]
    pooled = pd.concat(frames) if frames else pd.DataFrame(columns=["experience", "seed", "cosine"])
    rows = {}
    for e, part in pooled.groupby("experience"):
        mean, se, seeds = _over_seeds(part)
        rows[e] = {"steps": len(part), "seeds": seeds, "mean": mean, "se": se, "negative": (part["cosine"] < 0).mean()}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["steps", "seeds", "mean", "se", "negative"])
    return frame.rename_axis("experience").round(3)


def cosine_experiences_verdict(frame) -> Verdict:
    import pandas as pd

    negative = int((frame["mean"] < 0).sum())
    # every experience, each clear of its noise: its mean more than 2 SE (over seeds) below 0; the experience
    # closest to that line decides
    se = frame["se"].fillna(float("inf")) if "se" in frame else pd.Series(float("inf"), index=frame.index)
    clear_below = int((frame["mean"] + 2 * se < 0).sum())
    deciding = (frame["mean"] + 2 * se).idxmax() if len(frame) else None
    seeds = int(frame["seeds"].min()) if "seeds" in frame and len(frame) else None
    over = "seeds" if seeds and seeds > 1 else "its steps"
    claim = Claim("The gradients conflict at every experience", negative == len(frame),
                  f"the mean cosine over the first epoch is negative in {negative} of {len(frame)} experiences "
                  f"(mean over seeds), more than 2 SE below zero in {clear_below}"
                  + (f"; decided by experience {deciding}" if deciding is not None else ""),
                  clear=clear_below == len(frame) if negative == len(frame) else None,
                  effect=float(frame.loc[deciding, "mean"]) if deciding is not None else None,
                  se=float(se[deciding]) if deciding is not None and se[deciding] != float("inf") else None,
                  seeds=seeds, decimals=2, rule=f"every experience's mean more than 2 SE (over {over}) below zero",
                  detail="per experience, mean and share of steps below zero: " + ", ".join(
                      f"{e}: {row['mean']:+.2f} ({100 * row['negative']:.0f} %)" for e, row in frame.iterrows()))
    notes = ()
    if len(frame) > 2:
        # a trend over all the experiences, not the two ends: one experience can go against the rest
        import numpy as np

        slope, intercept = np.polyfit(frame.index.to_numpy(float), frame["mean"].to_numpy(float), 1)
        first, last = (intercept + slope * e for e in (frame.index[0], frame.index[-1]))
        if first < 0 and abs(last) < abs(first) / 2:
            notes = (f"The conflict weakens along the stream: a line fitted to the per-experience means goes from "
                     f"{first:+.2f} at experience {frame.index[0]} to {last:+.2f} at experience {frame.index[-1]}.",)
    return Verdict((claim,), notes=notes)


@styled
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


def experience_figures(results: Sequence, *, epoch: int = 0) -> dict:
    """Figure 12 for each experience from the second on: {experience (1-based): figure}."""
    n_exp = len(results[0].metrics["accuracy_matrix"])
    return {e + 1: plot_cosines(cosine_frame(results, experience=e, epoch=epoch),
                                title=f"HN-4, first epoch of experience {e + 1}") for e in range(1, n_exp)}
