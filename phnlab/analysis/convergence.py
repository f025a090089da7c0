"""Schedules chosen by measurement: learning accuracy and ACA of a stream's models (Naive, LR-k and HN-k; on a
transfer stream LR-0 and LR-4 on each pair) against steps per experience, and the converged count, the smallest
at which doubling the steps moves every model's learning accuracy (on a transfer stream: experience 2's accuracy)
by under `TOLERANCE_POINTS`. Reads stored
runs (`sweeps.convergence_specs`); nothing trains."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..experiments.sweeps import CONVERGENCE_RUNS, TRANSFER_CONVERGENCE_DEPTHS, steps_per_experience
from .figures import styled
from .stats import accuracy_se, pct, stream_test_images, test_size

__all__ = ["TOLERANCE_POINTS", "LEARNING", "EXPERIENCE_2", "judged", "Convergence", "convergence_frame", "converged_steps", "plot_convergence",
           "schedule_summary", "schedule_verdict", "ScheduleCheck", "schedule_check", "last_doubling_moves"]

TOLERANCE_POINTS = 1.0  # a doubling that moves the judged accuracy (`judged`) by less than this has converged
LEARNING = "learning acc. (%)"
EXPERIENCE_2 = "experience 2 acc. (%)"  # a transfer stream's: chapter 2's quantity, experience 2 right after it


def judged(frame) -> str:
    """The column a frame's convergence is judged on: learning accuracy, or on a transfer stream experience 2's
    accuracy right after training it, the quantity chapter 2 compares (experience 1's would dilute it)."""
    return frame.attrs.get("judged", LEARNING)


def _studied(spec, seed: int, stream: str) -> bool:
    extra = {k for k, _ in spec.trained().overrides}
    if spec.stream != stream or spec.seed != seed or extra - {"epochs"}:
        return False
    if stream == "transfer":  # LR-k without replay at the ends of the freeze depth, on each pair
        return spec.strategy == "lr" and spec.freeze_depth in TRANSFER_CONVERGENCE_DEPTHS and spec.replay_coef == 0.0
    return ((spec.strategy, spec.freeze_depth) in CONVERGENCE_RUNS and spec.lookahead == "first"
            and spec.replay_coef == 1.0)


def _model(spec) -> str:
    """A row's model: its label, and on a transfer stream its pair of data sets."""
    return f"{spec.label()} · {' → '.join(spec.data_sets())}" if spec.stream == "transfer" else spec.label()


def convergence_frame(results: Sequence, preset: str, *, seed: int = 0, stream: str = "split"):
    """One row per (model, steps per experience): the test images behind the judged accuracy, learning accuracy
    (on a transfer stream also experience 2's accuracy right after it, the judged one), ACA, forgetting (points),
    training minutes. `results`: RunResults (or anything with .spec and .metrics) of any preset; only `preset`'s
    are read."""
    import pandas as pd

    rows, seen = [], set()
    for r in results:
        s = r.spec
        if s.preset != preset or not _studied(s, seed, stream) or s.trained().key() in seen:
            continue
        seen.add(s.trained().key())
        m = r.metrics
        row = {"model": _model(s), "steps per experience": steps_per_experience(s.resolved_preset(), stream),
               "test images": (test_size(m) if stream == "transfer" else stream_test_images(m)) or 0}
        if stream == "transfer":
            row[EXPERIENCE_2] = pct(m["accuracy_matrix"][1][1])
        rows.append({**row, LEARNING: pct(m["learning_accuracy"]), "ACA (%)": pct(m["aca"]),
                     "forgetting (points)": pct(m["forgetting"]), "minutes": m["wall_time_s"] / 60})
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows).set_index(["model", "steps per experience"]).sort_index()
    frame.attrs["judged"] = EXPERIENCE_2 if stream == "transfer" else LEARNING
    return frame


@dataclass(frozen=True)
class Convergence:
    """The converged count per model and for the schedule as a whole (None: not within the steps measured), and
    how far ACA and forgetting still move on the doublings from each model's count on (`still_moving`)."""

    per_model: dict  # model -> (steps, the change of the judged accuracy on doubling them, in points) or None
    steps: int | None  # the largest of the per-model counts: every model converged there
    tolerance: float = TOLERANCE_POINTS
    still_moving: dict = field(default_factory=dict)  # model -> (ACA, forgetting): largest change on a later doubling
    uncomputed: tuple = ()  # models with no doubling stored yet (a count without its double): not judged
    measure: str = LEARNING  # the column judged (`judged`)
    noise: float | None = None  # sampling SE (points) of one accuracy on the study's test images (median)

    @property
    def _quantity(self) -> str:
        return "experience 2's accuracy" if self.measure == EXPERIENCE_2 else "learning accuracy"

    def describe(self) -> str:
        def one(m, v):
            if m in self.uncomputed:
                return f"{m}: doubling not computed"
            if v is None:
                return f"{m}: not within the steps measured"
            aca, fgt = self.still_moving.get(m, (None, None))
            rest = "" if aca is None else f"; ACA {aca:+.1f}, forgetting {fgt:+.1f}"
            return f"{m}: {v[0]:,} (then {v[1]:+.1f} points{rest})"

        head = ("not computed: " + ", ".join(self.uncomputed) + " lack the doubled schedule's run" if self.uncomputed
                else "no schedule measured has converged for every model" if self.steps is None else
                f"converged at **{self.steps:,} steps per experience** (doubling moves {self._quantity} by under "
                f"{self.tolerance:g} point for every model)")
        text = head + "; per model: " + "; ".join(one(m, v) for m, v in self.per_model.items())
        moves = [abs(x) for pair in self.still_moving.values() for x in pair]
        if moves:
            text += (f". The rule reads {self._quantity} only: on the same doublings ACA and forgetting still move by "
                     f"up to {max(moves):.1f} points, so a verdict resting on a smaller difference in ACA or forgetting "
                     "may still move with the schedule")
        if self.noise:
            text += (f". For scale: one accuracy on these test images has a sampling error of about ±{self.noise:.1f} "
                     "points, and a single seed's change also carries the run-to-run noise of training, which one seed "
                     f"does not measure: a change of a point or two is not clearly beyond noise, so the "
                     f"{self.tolerance:g}-point rule on one seed can miss a converged schedule as well as pass one")
        return text


def converged_steps(frame, tolerance: float = TOLERANCE_POINTS) -> Convergence:
    """For each model, the smallest count n measured with 2n also measured where the judged accuracy (`judged`:
    learning accuracy, or experience 2's on a transfer stream) moves by under `tolerance` points from n to 2n, and stays so for every later doubling measured; and the largest
    change of ACA and of forgetting on those doublings."""
    per_model, still_moving, uncomputed = {}, {}, []
    if not len(frame):
        return Convergence({}, None, tolerance)
    column = judged(frame)
    for model, part in frame.groupby(level=0):
        at = {steps: row for (_, steps), row in part.iterrows()}
        doublings = [n for n in sorted(at) if 2 * n in at]
        if not doublings:
            uncomputed.append(model)
        change = lambda n, column: at[2 * n][column] - at[n][column]  # noqa: E731
        found = None
        for i, n in enumerate(doublings):
            if all(abs(change(m, column)) < tolerance for m in doublings[i:]):
                found = (n, change(n, column))
                largest = lambda column: max((change(m, column) for m in doublings[i:]), key=abs)  # noqa: E731
                still_moving[model] = (largest("ACA (%)"), largest("forgetting (points)"))
                break
        per_model[model] = found
    steps = None if not per_model or None in per_model.values() else max(v[0] for v in per_model.values())
    noise = None
    if "test images" in frame and (frame["test images"] > 0).all():  # a change: two runs' accuracies, independent
        noise = statistics.median(accuracy_se(p / 100, n) for p, n in zip(frame[column], frame["test images"]))
    return Convergence(per_model, steps, tolerance, still_moving, tuple(uncomputed), column, noise)


@styled
def plot_convergence(frame, converged: int | None = None, paper_steps: int = 3_900):
    """Learning accuracy and ACA against steps per experience (log x), a line per model; the converged
    count and the authors' schedule (~3,900 steps per experience: 100 epochs of Split CIFAR-100) as vertical lines."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.8), dpi=90)
    axes = fig.subplots(1, 2, sharex=True)
    if not len(frame):
        for ax in axes:
            ax.text(0.5, 0.5, "no convergence runs in the store", ha="center", transform=ax.transAxes)
        return fig
    for ax, column in zip(axes, (judged(frame), "ACA (%)")):
        for model, part in frame.groupby(level=0):
            steps = [s for _, s in part.index]
            ax.plot(steps, part[column], marker="o", label=model)
        if converged:
            ax.axvline(converged, color="0.3", ls="--", lw=1)
        ax.axvline(paper_steps, color="0.6", ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_xlabel("training steps per experience (log scale)")
        ax.set_ylabel(column)
        ax.grid(alpha=0.3)
    axes[0].text(paper_steps, 0.02, " authors' code", transform=axes[0].get_xaxis_transform(), fontsize=9, color="0.4")
    axes[1].legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def schedule_summary(frame, convergence: Convergence, preset: str, stream: str = "split") -> str:
    """Where the preset's own schedule of `stream` stands against the converged count, and what the study cost
    (its runs' own training time, and the machines that computed them)."""
    minutes = frame["minutes"].sum() if len(frame) else 0.0
    return schedule_verdict(convergence, preset, stream) + f" The study's {len(frame)} runs trained for {minutes:.0f} min in all."


def schedule_verdict(convergence: Convergence, preset: str, stream: str = "split") -> str:
    """The preset's own steps per experience of `stream` against the converged count: converged, short of it
    (its verdicts come from under-trained runs), or not yet known."""
    from ..experiments.sweeps import study_steps

    own = study_steps(preset, stream)
    text = f"Preset `{preset}` trains **{own:,} steps per experience**" if own else f"Preset `{preset}`"
    if convergence.uncomputed:
        return text + "; whether that has converged is not computed yet (the doubled schedule's runs are missing)."
    if convergence.steps is None:
        return text + (f"; no measured schedule has converged by the {convergence.tolerance:g}-point rule (one seed), so "
                       "a verdict from this preset's runs may still move with more steps.")
    if own and own >= convergence.steps:
        return text + (f", at or beyond the converged {convergence.steps:,}: its runs had converged by {convergence._quantity}, "
                       f"as far as the study measured ({', '.join(convergence.per_model)}; one seed).")
    if own:
        return text + (f", {convergence.steps / own:.0f}x short of the converged {convergence.steps:,}: "
                       "its verdicts come from under-trained runs.")
    return text + "."


@dataclass(frozen=True)
class ScheduleCheck:
    """Where the runs of `preset` on `stream` stand against chapter 9's schedule study in the same store, read once
    (`schedule_check`) for a chapter's line under its runs and its caveat in the introduction's table."""

    preset: str
    stream: str
    frame: object  # `convergence_frame` of the stored study (empty where none is stored)
    found: Convergence | None  # None where no run of the study is stored

    def line(self) -> str:
        """The chapter's **Schedule.** line: `schedule_verdict`, and how far the verdicts' measures moved on each
        model's doubling nearest the preset's count."""
        from ..experiments.sweeps import study_steps

        own = study_steps(self.preset, self.stream)
        if self.found is None:
            trains = f" trains {own:,} steps per experience on this stream" if own else "'s schedule of this stream"
            return (f"**Schedule.** Preset `{self.preset}`{trains}; no run of its schedule study is stored, so whether "
                    "that has converged is not known yet. Chapter 9 measures it.")
        text = schedule_verdict(self.found, self.preset, self.stream)
        moves, compared, names = self._moves(own)
        if moves:
            text += (" On each model's doubling nearest that count (the one ending at it, else the one from it), "
                     + "; ".join(f"{column.split(' (')[0]} moved by up to {value:+.1f} points ({model}, {a:,} → {b:,})"
                                 for column, (value, model, a, b) in moves.items()))
            naive = last_doubling_moves(self.frame, own, {"Naive"}) if compared != names else {}
            if naive:
                text += " (Naive: " + ", ".join(f"{column.split(' (')[0]} {value:+.1f}"
                                                 for column, (value, _, _, _) in naive.items()) + ")"
            text += ": a verdict on a smaller difference may still move with the schedule."
        return "**Schedule.** " + text + " Chapter 9 measures it."

    def _moves(self, own: int | None) -> tuple[dict, set, set]:
        """`last_doubling_moves` of the models the verdicts compare (all but Naive), and those model sets."""
        names = set(self.frame.index.get_level_values(0))
        compared = names - {"Naive"} or names  # the models the HN-k against LR-k verdicts compare
        return last_doubling_moves(self.frame, own, compared), compared, names

    def caveat(self) -> str | None:
        """A few words for the introduction's table where the runs are not known to have converged (None where
        they have)."""
        from ..experiments.sweeps import study_steps

        if self.found is None or self.found.uncomputed:
            return "whether its runs' schedule has converged is not computed yet (chapter 9)"
        own = study_steps(self.preset, self.stream)
        moves, compared, _ = self._moves(own)
        largest = max(moves.items(), key=lambda item: abs(item[1][0]), default=None)
        moved = (f"{largest[0].split(' (')[0]} still moved up to {largest[1][0]:+.1f} points on the nearest doubling"
                 if largest else "")
        if self.found.steps is None:  # the rule's own measure says why; the verdicts' measures, how far they moved
            rule = last_doubling_moves(self.frame, own, compared, (judged(self.frame),))
            why = [f"{c.split(' (')[0]} moved {v:+.1f} points ({m}, {a:,} → {b:,})" for c, (v, m, a, b) in rule.items()
                   if not largest or c != largest[0]]
            return ("its runs' schedule is not shown to have converged (chapter 9, one seed: "
                    + "; ".join(why + ([moved] if moved else [])) + ")" if why or moved else
                    "its runs' schedule is not shown to have converged (chapter 9, one seed)")
        if own and own < self.found.steps:
            return f"its runs train {own:,} steps per experience, short of the converged {self.found.steps:,} (chapter 9)"
        if largest and abs(largest[1][0]) >= 1.0:  # converged by the rule's measure, not by the verdicts' own
            return f"schedule converged by {self.found._quantity}; {moved} (chapter 9, one seed)"
        return None


def schedule_check(store, preset: str, stream: str) -> ScheduleCheck:
    """The schedule study of `preset` on `stream` in `store`, read in one pass over it."""
    frame = convergence_frame([r for r in store.all_metrics() if r.spec.preset == preset and r.spec.stream == stream],
                              preset, stream=stream)
    return ScheduleCheck(preset, stream, frame, converged_steps(frame) if len(frame) else None)


def last_doubling_moves(frame, own: int | None, models=None, columns=None) -> dict:
    """Per measure a chapter's verdicts read (ACA and forgetting; on a transfer stream experience 2's accuracy; or
    the frame's `columns`): the largest change, over the models (`models`: those named only), on each model's last
    measured doubling that ends at or below `own` (else its first from `own` on), as (change, model, from, to); {}
    where none is measured."""
    out = {}
    if not own or not len(frame):
        return out
    for column in columns or (("ACA (%)", "forgetting (points)") if judged(frame) == LEARNING else (EXPERIENCE_2,)):
        for model, part in frame.groupby(level=0):
            if models is not None and model not in models:
                continue
            at = {steps: row for (_, steps), row in part.iterrows()}
            doublings = [n for n in sorted(at) if 2 * n in at]
            n = ([d for d in doublings if 2 * d <= own][-1:] or [d for d in doublings if d >= own][:1] or [None])[0]
            if n is None:
                continue
            change = at[2 * n][column] - at[n][column]
            if column not in out or abs(change) > abs(out[column][0]):
                out[column] = (change, model, n, 2 * n)
    return out
