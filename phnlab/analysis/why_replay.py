"""Chapter 8, "What makes latent replay forget": the paper's central comparison under two
normalisations, one old task over the stream, the drift of a frozen prefix, the noisy stream and the
evaluation batch size (`replay_regime` has the replay regime and the decomposition of the gap).

Everything here reads stored runs (`RunResult`s or the results store); nothing trains.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from .. import paper
from ..experiments.sweeps import AUTHORS
from .claims import Verdict
from .figures import HN_COLOR, LR_COLOR, plot_experience_panels
from .split import table2_order, table2_rows
from .selection import one_per_trained_model
from .stats import pct, pm

__all__ = [
    "policy_of", "POLICY_NAMES", "policy_rows", "policy_table2_frame", "drift_frame",
    "noisy_policy_frame", "noisy_verdict", "batch_size_probe", "batch_size_sensitivity", "old_task_groups",
    "old_task_figure", "others", "trained_once", "stat_rows"
]

POLICY_NAMES = {"population": "our (population)", "authors": "the authors' (running for LR, batch for HN)"}


def policy_of(spec) -> str:
    """The BatchNorm policy a stored run ran under: population, running or batch."""
    return dict(spec.normalized().overrides).get("bn_policy", "population")


def others(spec) -> dict:
    """The run's overrides that change what it trains, besides the policy (e.g. epochs, buffer_size; not
    whether it records per-epoch curves)."""
    return {k: v for k, v in spec.trained().overrides if k != "bn_policy"}


def trained_once(results: Sequence) -> list:
    """`results` with one run per trained model (`RunSpec.trained`, and seed): a stored copy that differs
    only in what it records (e.g. no per-epoch curves) is left out, the run with curves kept."""
    return one_per_trained_model(results, lambda r: (r.spec, r.metrics))


def mean(values: Iterable[float]) -> float:
    return statistics.fmean(list(values))


# ---- Table 2 under both normalisations -------------------------------------------------------------------
def policy_rows(store, preset: str, seeds) -> dict[str, dict[str, Mapping]]:
    """{"population": {label: row}, "authors": {label: row}} of `split.table2_rows` (Naive and EWC
    are the same runs under both: with no frozen prefix the two normalisations coincide)."""
    return {name: {r["strategy"]: r for r in table2_rows(store, preset, seeds=seeds, overrides=over)}
            for name, over in (("population", ()), ("authors", AUTHORS))}


def policy_table2_frame(rows: Mapping[str, Mapping[str, Mapping]]):
    """ACA, forgetting and learning accuracy (%) of every Table 2 row under both normalisations, beside
    the paper's (Split-CIFAR-100)."""
    import pandas as pd

    out = []
    order = [label for label in table2_order() if label in rows["population"] or label in rows["authors"]]
    for label in order:
        pop, auth = rows["population"].get(label), rows["authors"].get(label)
        p = paper.TABLE2["cifar100"].get(label)
        cell = lambda r, key: pm(*r[key]) if r else "—"  # noqa: E731 (no ± for one seed: sd is None)
        out.append({
            "strategy": label, "seeds": max(r["seeds"] for r in (pop, auth) if r),
            ("ACA (%)", "population"): cell(pop, "aca"), ("ACA (%)", "authors'"): cell(auth, "aca"),
            ("ACA (%)", "paper"): pm(*p["aca"]) if p else "—",
            ("forgetting (points)", "population"): cell(pop, "forgetting"),
            ("forgetting (points)", "authors'"): cell(auth, "forgetting"),
            ("forgetting (points)", "paper"): pm(*p["forgetting"]) if p else "—",
            ("learning acc. (%)", "population"): cell(pop, "learning_accuracy"),
            ("learning acc. (%)", "authors'"): cell(auth, "learning_accuracy"),
        })
    df = pd.DataFrame(out).set_index(["strategy", "seeds"])
    df.columns = pd.MultiIndex.from_tuples(df.columns)
    return df


# ---- one old task over the stream ---------------------------------------------------------------------------
def old_task_groups(results: Sequence, k: int) -> dict[str, list[Mapping]]:
    """LR-k (c = 1) and HN-k (HN-F at k = 0) on the split stream under both normalisations, runs with
    per-epoch curves only; for `figures.plot_experience_panels`."""
    groups: dict[str, list] = defaultdict(list)
    for r in trained_once(results):
        s = r.spec
        if s.stream != "split" or s.freeze_depth != k or s.strategy not in ("lr", "hn") or others(s):
            continue
        if s.strategy == "lr" and s.replay_coef != 1.0:
            continue
        if not r.metrics.get("epoch_curves"):
            continue
        groups[f"{s.label()} · {policy_of(s)}"].append(r.metrics)
    return dict(sorted(groups.items()))


def old_task_figure(results: Sequence, k: int):
    """Experience 1's accuracy over the stream at freeze depth k: LR blue, HN orange; our normalisation
    solid, the authors' dashed (Figure 8's view of one old task)."""
    groups = old_task_groups(results, k)
    styles = {name: {"color": LR_COLOR if name.startswith("LR") else HN_COLOR,
                     "ls": "-" if name.endswith("population") else "--"} for name in groups}
    return plot_experience_panels(groups, (0,), styles=styles,
                                  title=f"experience 1 over the stream, freeze depth k = {k}")


# ---- drift alone: LR without replay ---------------------------------------------------------------------------
def stat_rows(runs_by_key: Mapping[tuple, list[Mapping]], names: Sequence[str]):
    import pandas as pd

    rows = []
    for key, runs in runs_by_key.items():
        rows.append({**dict(zip(names, key)), "seeds": len(runs),
                     "learning acc. (%)": pct(mean(m["learning_accuracy"] for m in runs)),
                     "forgetting (points)": pct(mean(m["forgetting"] for m in runs)),
                     "ACA (%)": pct(mean(m["aca"] for m in runs))})
    return pd.DataFrame(rows).set_index(list(names)).round(1) if rows else pd.DataFrame()


def drift_frame(results: Sequence):
    """LR-k with c = 0 (old heads never trained again, nothing replayed) under population and running:
    what the drift of the frozen prefix's statistics does by itself."""
    groups: dict[tuple, list] = defaultdict(list)
    for r in trained_once(results):
        s = r.spec
        if s.stream == "split" and s.strategy == "lr" and s.replay_coef == 0.0 and not others(s):
            groups[(s.label(), policy_of(s))].append(r.metrics)
    return stat_rows(dict(sorted(groups.items())), ("model", "policy"))


# ---- the noisy stream --------------------------------------------------------------------------------------
def noisy_policy_frame(results: Sequence):
    """Noisy stream and its clean twin, LR (c = 1) and HN at k = 2 and 4, under both normalisations:
    learning accuracy per experience and the first experience's accuracy at the end."""
    import pandas as pd

    groups: dict[tuple, list] = defaultdict(list)
    for r in trained_once(results):
        s = r.spec
        if s.stream in ("noisy", "clean") and s.freeze_depth in (2, 4) and not others(s):
            policy = "population" if policy_of(s) == "population" else "authors'"
            groups[(s.label(), "normal" if s.stream == "clean" else "noisy", policy)].append(r.metrics)
    rows = []
    for (label, stream, policy), runs in sorted(groups.items()):
        mats = [m["accuracy_matrix"] for m in runs]
        n = len(mats[0])
        row = {"model": label, "stream": stream, "policy": policy, "seeds": len(runs)}
        row.update({f"e{i + 1}": round(pct(mean(m[i][i] for m in mats)), 1) for i in range(n)})
        row["exp. 1 at the end (%)"] = round(pct(mean(m[-1][0] for m in mats)), 1)
        row["ACA (%)"] = round(pct(mean(m["aca"] for m in runs)), 1)
        rows.append(row)
    return pd.DataFrame(rows).set_index(["model", "stream", "policy"]) if rows else pd.DataFrame()


def noisy_verdict(results: Sequence) -> Verdict:
    """Chapter 3's two headline claims of the noisy stream (`noisy.noisy_verdict`: paired by seed, pooled over
    the depths the runs hold, three seeds) under each normalisation, from the runs at k = 2 and 4 (this
    chapter's sweep has k = 4 only; chapter 3 pools k = 2-4 under ours)."""
    from dataclasses import replace

    from ..experiments.sweeps import AUTHORS
    from .noisy import noisy_verdict as paired

    policies = {"population": lambda s: policy_of(s) == "population",
                "authors'": lambda s: policy_of(s) == policy_of(replace(s, overrides=AUTHORS))}
    claims = []
    for policy, under in policies.items():
        runs = [r for r in trained_once(results) if r.spec.stream in ("noisy", "clean") and r.spec.freeze_depth in (2, 4)
                and not others(r.spec) and under(r.spec)]
        if runs:
            v = paired(runs, "")
            claims += [replace(c, claim=f"{policy} normalisation: {c.claim}") for c in
                       (v.get("LR ends lower"), v.get("At the end of the noisy stream HN")) if c is not None]
    return Verdict(tuple(claims))


# ---- evaluation batch size -------------------------------------------------------------------------------
def batch_size_probe(specs: Sequence, seed: int, k: int = 2) -> list:
    """The runs whose evaluation batch size is varied: LR-k (c = 1) and HN-k on the split stream, one
    seed, under every normalisation and no other change; each trained model once (specs that name the
    same policy two ways, e.g. `bn_policy=population` and the default, or record differently, train it
    alike)."""
    plain = [s for s in specs if s.stream == "split" and s.seed == seed and s.freeze_depth == k
             and s.replay_coef == 1.0 and s.strategy in ("lr", "hn") and not others(s)]
    return one_per_trained_model(plain, lambda s: (s, {}))


def batch_size_sensitivity(specs: Sequence, params, sizes: Sequence[int] = (16, 64, 256)):
    """ACA (%) at the end of the stream of each trained model, re-evaluated with each evaluation batch
    size (one task per batch). Under batch statistics the same weights give different accuracies."""
    import pandas as pd

    from ..data.streams import build_stream
    from ..experiments.runner import load_model
    from ..strategies import predict
    from ..strategies.tensors import TensorView

    rows = []
    for spec in specs:
        model = load_model(spec, results_dir=params.results_dir, device=params.device)
        if model is None:
            continue
        stream = build_stream(spec.stream, preset=spec.resolved_preset(), seed=spec.seed, data_root=params.data_root)
        row = {"model": spec.label(), "policy": policy_of(spec), "seed": spec.seed}
        for b in sizes:
            accs = [predict(model, TensorView(e), batch_size=b, device=params.device) for e in stream.experiences]
            row[f"batch {b}"] = round(pct(mean(accs)), 1)
        rows.append(row)
    return pd.DataFrame(rows).set_index(["model", "policy", "seed"])


