"""phnlab.plots on tiny hand-made metrics dicts: tables, verdict inputs and figures, in seconds."""

import json
from dataclasses import dataclass, field
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from phnlab import paper, plots  # noqa: E402
from phnlab.counting import account  # noqa: E402

PM = "\u00a0±\u00a0"  # pm() keeps "mean ± sd" on one line


@dataclass(frozen=True)
class FakeSpec:
    stream: str = "split"
    strategy: str = "hn"
    freeze_depth: int = 4
    lookahead: str = "first"
    replay_coef: float = 1.0
    seed: int = 0
    dataset: str | None = None
    dataset2: str | None = None

    def label(self):
        if self.strategy == "lr":
            return f"LR-{self.freeze_depth}" + ("" if self.replay_coef == 1 else f" (c={self.replay_coef:g})")
        if self.strategy == "hn":
            return "HN-F" if self.freeze_depth == 0 else f"HN-{self.freeze_depth}"
        return self.strategy.capitalize()

    def key(self):
        return "-".join(map(str, (self.stream, self.strategy, self.freeze_depth, self.lookahead, self.replay_coef,
                                  self.seed, self.dataset, self.dataset2)))


@dataclass
class FakeResult:
    spec: FakeSpec
    metrics: dict = field(default_factory=dict)
    computed: bool = False


def fake_metrics(spec, *, T=3, E=2, base=0.8, decay=0.1, datasets=("synthetic",), test_per_class=20,
                 memory_bytes=0, wall=10.0):
    """Accuracy on experience j after experience i: base - decay·(i - j) (+ 0.01·seed); learning curves
    rise linearly over the E epochs of each experience; cosines -0.5 + 0.1·step."""
    a = lambda i, j: base - decay * (i - j) + 0.01 * spec.seed  # noqa: E731
    acc = [[a(i, j) for j in range(i + 1)] for i in range(T)]
    curves = [{"experience": i, "epoch": e, "accuracy": [a(i, j) - 0.1 * (E - 1 - e) * (j == i) for j in range(i + 1)]}
              for i in range(T) for e in range(E)]
    cosines = [{"experience": i, "epoch": e, "step": i * 100 + e * 3 + s, "cosine": -0.5 + 0.1 * s, "reg_loss": 0.1}
               for i in range(1, T) for e in range(E) for s in range(3)]
    la = sum(acc[i][i] for i in range(T)) / T
    return {"label": spec.label(), "accuracy_matrix": acc, "epoch_curves": curves, "cosines": cosines,
            "aca": sum(acc[-1]) / T, "learning_accuracy": la,
            "forgetting": sum(acc[j][j] - acc[-1][j] for j in range(T - 1)) / max(T - 1, 1),
            "wall_time_s": wall, "memory_bytes": memory_bytes,
            "stream": {"datasets": list(datasets), "test_per_class": test_per_class},
            "preset": {"classes_per_experience": 5, "chunk_dim": 32, "embedding_dim": 32, "hidden_dim": 50,
                       "buffer_size": 100}}


def result(**spec_fields):
    metric_fields = {k: spec_fields.pop(k) for k in list(spec_fields) if k not in FakeSpec.__dataclass_fields__}
    spec = FakeSpec(**spec_fields)
    return FakeResult(spec, fake_metrics(spec, **metric_fields))


def assert_labelled(fig):
    assert isinstance(fig, Figure)
    w, h = fig.get_size_inches()
    assert w <= 10
    shown = [ax for ax in fig.axes if ax.axison and ax.get_label() != "<colorbar>"]
    assert shown
    for ax in shown:
        assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()
        assert ax.has_data() or ax.images


# ---- helpers -------------------------------------------------------------------------------------------
def test_pm_and_noise_helpers():
    assert plots.pm(61.94, 1.66) == f"61.9{PM}1.7"
    assert plots.pm(5.0) == "5.0" and plots.pm(None) == "—" and plots.pm(float("nan")) == "—"
    assert plots.accuracy_se(0.5, 100) == pytest.approx(5.0)
    assert plots.accuracy_se(0.5, None) == 0.0 and plots.accuracy_se(0.5, float("nan")) == 0.0
    assert plots.diff_se(0.5, 0.5, 100) == pytest.approx(5 * 2 ** 0.5)
    assert plots.diff_se(0.5, 0.5, 100, runs=4) == pytest.approx(5 * 2 ** 0.5 / 2)
    assert plots.clear_effect(10.1, 5) and not plots.clear_effect(-9.9, 5)


def test_experience_curve_starts_where_the_experience_is_learned():
    m = fake_metrics(FakeSpec(), T=3, E=2)
    x, y = plots.experience_curve(m, 1)
    assert list(x) == [3, 4, 5, 6]  # epochs 3..6 of the stream: experience 2 is learned from epoch 3
    assert y[0] == pytest.approx(100 * (0.8 - 0.1)) and y[1] == pytest.approx(80.0)
    assert y[-1] == pytest.approx(100 * (0.8 - 0.1))  # after experience 3: forgot 10 points
    runs = [fake_metrics(FakeSpec(seed=s)) for s in (0, 1)]
    x, mean, sd = plots.mean_curve(runs, 0)
    assert len(x) == 6 and mean[1] == pytest.approx(80.5) and sd[1] == pytest.approx(np.std([80, 81], ddof=1))


def test_run_specs_deduplicates_and_passes_the_params():
    calls = []

    class Runner:
        @staticmethod
        def run(spec, **kw):
            calls.append((spec, kw))
            return FakeResult(spec, {"wall_time_s": 60.0}, computed=spec.seed == 0)

    params = SimpleNamespace(results_dir="/r", device="cpu", data_root=None)
    specs = [FakeSpec(seed=0), FakeSpec(seed=1), FakeSpec(seed=0)]
    out = plots.run_specs(specs, params, runner=Runner)
    assert [r.spec.seed for r in out] == [0, 1]
    assert calls[0][1] == {"results_dir": "/r", "device": "cpu", "data_root": None, "quiet": True}
    assert plots.runs_summary(out) == ("2 runs: 1 trained now, 1 read from the results store; "
                                       "2.0 min of training in all (stored wall times).")
    assert set(plots.group_runs(out)) == {"HN-4"}


# ---- chapter 2 -------------------------------------------------------------------------------------------
def transfer_results():
    out = []
    for a, b, decay in (("synthetic-shapes", "synthetic-glyphs", 0.0), ("synthetic-shapes", "synthetic-textures", 0.1)):
        for k in range(5):
            for seed in (0, 1):
                spec = FakeSpec(stream="transfer", strategy="lr", freeze_depth=k, replay_coef=0.0, seed=seed,
                                dataset=a, dataset2=b)
                m = fake_metrics(spec, T=2, E=3, base=0.9 - decay * k, datasets=(a, b))
                out.append(FakeResult(spec, m))
    return out


def test_transfer_frame_table_drops_and_figures():
    results = transfer_results()
    df = plots.transfer_frame(results)
    assert len(df) == 20 and set(df.role) == {"similar", "dissimilar"}
    row = df[(df.role == "dissimilar") & (df.k == 4) & (df.seed == 0)].iloc[0]
    assert row.acc_exp2 == pytest.approx(50.0) and row.acc_exp1 == pytest.approx(50.0) and row.test_images == 100
    table = plots.transfer_table(df)
    assert list(table.columns) == list(range(5)) and table.columns.name == "freeze depth k"
    assert table.loc[("synthetic-shapes → synthetic-glyphs", "similar"), 0] == f"90.5{PM}0.7"
    drops = {d["role"]: d for d in plots.transfer_drops(df)}
    assert drops["similar"]["drop"] == pytest.approx(0.0) and drops["dissimilar"]["drop"] == pytest.approx(40.0)
    assert drops["dissimilar"]["k_worst"] == 4 and drops["dissimilar"]["se"] > 0
    verdict = plots.transfer_verdict(df, "ci")
    assert "The similar pair loses less, as the paper claims: **yes** (difference 40.0 points)" in verdict
    assert "larger than twice its sampling error" in verdict and "cannot show" not in verdict
    assert "Freezing does not hurt the similar pair (its drop within twice its sampling error): **yes**" in verdict
    assert "drop from k = 0 at k = 1, 2, 3, 4: 10.0, 20.0, 30.0, 40.0 points (dissimilar)" in verdict
    hurt = df.copy()
    hurt.loc[(hurt.role == "similar") & (hurt.k >= 3), "acc_exp2"] -= 30.0
    assert "**only up to k = 2**; deeper it loses more, up to 30.0 points at k = 3" in plots.transfer_verdict(hurt, "ci")
    close = df.copy()
    close.loc[close.role == "dissimilar", "acc_exp2"] = close.loc[close.role == "similar", "acc_exp2"].values
    close.loc[(close.role == "dissimilar") & (close.k == 4), "acc_exp2"] -= 1.0
    noisy = plots.transfer_verdict(close, "ci")
    assert "**yes** (difference 1.0 points)" in noisy and "at the **ci** preset the offline data cannot show" in noisy
    assert_labelled(plots.plot_transfer(df))
    fig = plots.transfer_depth_figure(results, 3)
    curve_ax = [ax for ax in fig.axes if ax.get_xlabel()][0]
    assert [line.get_label() for line in curve_ax.lines] == ["shapes → glyphs", "shapes → textures", "chance"]
    assert list(curve_ax.lines[0].get_xdata()) == [1, 2, 3]
    assert list(curve_ax.lines[0].get_ydata()) == pytest.approx([70.5, 80.5, 90.5])  # mean of seeds 0, 1


# ---- chapter 3 -------------------------------------------------------------------------------------------
def noisy_results():
    out = []
    for stream, harm in (("noisy", 0.2), ("clean", 0.0)):
        for strategy in ("lr", "hn"):
            for k in (2, 3, 4):
                decay = 0.05 + (harm if strategy == "lr" else 0.0)
                out.append(result(stream=stream, strategy=strategy, freeze_depth=k, T=4, E=2, decay=decay))
    return out


def test_table1_frame_beside_the_paper():
    t1 = plots.table1_frame(noisy_results())
    assert t1.index.names == ["model", "stream", "source"] and list(t1.columns) == ["e1", "e2", "e3", "e4"]
    assert list(t1.index[:4]) == [("ResNet-2", "noisy", "ours (1 seed)"), ("ResNet-2", "noisy", "paper"),
                                  ("ResNet-2", "normal", "ours (1 seed)"), ("ResNet-2", "normal", "paper")]
    assert t1.loc[("ResNet-2*", "noisy", "paper"), "e4"] == plots.pm(*paper.TABLE1[("hn", 2, "noisy")][3])
    assert t1.loc[("ResNet-3", "normal", "ours (1 seed)"), "e1"] == "80.0"  # one seed: no spread shown


def test_first_experience_summary_verdict_and_figure7():
    results = noisy_results()
    s = plots.first_experience_summary(results).set_index(["model", "stream"])
    assert s.loc[("LR-2", "noisy"), "forgetting of exp. 1 (points)"] == pytest.approx(3 * 25.0)
    assert s.loc[("HN-2", "noisy"), "forgetting of exp. 1 (points)"] == pytest.approx(15.0)
    assert s.loc[("LR-2", "normal"), "exp. 1 at the end (%)"] == pytest.approx(65.0)
    verdict = plots.noisy_verdict(results, "ci")
    # LR: noisy ends 60 points lower than normal at every depth; HN: the same in both streams
    assert "**3 of 3** depths (normal − noisy: k = 2: +60.0, k = 3: +60.0, k = 4: +60.0 points)" in verdict
    assert "exceeds twice its sampling error (2·SE: " in verdict and "at 3 of 3" in verdict
    assert "HN holds experience 1 at least as well as LR: **" in verdict and "LR forgets experience 1 by " in verdict
    assert "moves less between the streams than LR's: **3 of 3**" in verdict
    assert "(paper: 6 of 6)" in verdict and "cannot show" not in verdict
    fig = plots.plot_noisy_first_experience(results)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_ylabel() == "accuracy on experience 1 (%)" and fig.axes[1].get_xlabel()
    assert len(fig.axes[0].lines) >= 6  # LR-2..4 noisy and normal
    weak = [FakeResult(r.spec, fake_metrics(r.spec, T=4, decay=0.05)) for r in results]
    assert "this run **cannot show** the paper's effect" in plots.noisy_verdict(weak, "ci")


def test_filter_similarity_and_plot():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 6, 4, 3, 3))
    w[2] = w[1]
    same = plots.filter_similarity(w, 1, 2)
    assert same["mean_cosine"] == pytest.approx(1.0) and same["relative_change"] == pytest.approx(0.0)
    w[2] = -w[1]
    assert plots.filter_similarity(w, 1, 2)["mean_cosine"] == pytest.approx(-1.0)
    for e in range(3):
        fig = plots.plot_filters(w, e, layer="layer3.0.conv2.weight")
        assert fig.get_size_inches()[0] <= 10 and len(fig.axes[0].images) == 1
    preset = SimpleNamespace(name="ci", epochs=2)
    assert "**mostly different**" in plots.filters_verdict(w, preset)  # w[2] = -w[1]
    w[2] = w[1] * 1.001
    v = plots.filters_verdict(w, preset)
    assert "**mostly the same**" in v and "is not reproduced at the **ci** preset (2 epoch(s)" in v
    w[2] = w[1] + rng.normal(size=(1, 4, 3, 3))  # one offset for every output channel
    assert "Of that change, 100 % is one offset added to every output channel alike" in plots.filters_verdict(w, preset)
    w[2] = w[1] + rng.normal(size=(6, 4, 3, 3))  # independent changes per channel: little is shared
    shared = int(plots.filters_verdict(w, preset).split("Of that change, ")[1].split(" %")[0])
    assert shared < 40


def test_generated_filters_trains_through_the_runner_then_reads_the_cache(tmp_path, monkeypatch):
    import torch

    from phnlab.experiments import runner
    from phnlab.experiments.spec import RunSpec
    from phnlab.experiments.store import ResultsStore
    from phnlab.hyper.model import PartialHyperModel

    spec = RunSpec("noisy", "hn", 2, seed=0, preset="ci")
    p = spec.resolved_preset()
    calls = []

    def fake_run(s, *, results_dir, stop_after=None, **kw):  # the runner's checkpoint after `stop_after`
        calls.append((str(results_dir), stop_after))
        torch.manual_seed(1)
        model = PartialHyperModel(freeze_depth=2, num_tasks=4, num_classes=5, embedding_dim=p.embedding_dim,
                                  hidden_dim=p.hidden_dim, chunk_dim=p.chunk_dim)
        ResultsStore(results_dir).save_checkpoint(s, {"next": stop_after, "model": model.state_dict()})

    monkeypatch.setattr(runner, "run", fake_run)
    params = SimpleNamespace(results_dir=tmp_path, device="cpu", data_root=None)
    f = plots.generated_filters(spec, params, after=3, layer="layer3.0.conv2.weight")
    assert f.shape == (3, 80, 80, 3, 3) and calls == [(str(tmp_path), 3)]
    assert ResultsStore(tmp_path).load_checkpoint(spec)["next"] == 3  # left for the sweep to resume from
    again = plots.generated_filters(spec, params, after=3, layer="layer3.0.conv2.weight")
    assert np.array_equal(f, again) and len(calls) == 1  # cached in the store
    with pytest.raises(ValueError, match="hypernetwork run"):
        plots.generated_filters(RunSpec("noisy", "lr", 2, preset="ci"), params)


def test_generated_filters_uses_a_temporary_store_when_the_run_is_finished(tmp_path, monkeypatch):
    import torch

    from phnlab.experiments import runner
    from phnlab.experiments.spec import RunSpec
    from phnlab.experiments.store import ResultsStore
    from phnlab.hyper.model import PartialHyperModel

    spec = RunSpec("noisy", "hn", 2, seed=0, preset="ci")
    ResultsStore(tmp_path).save_metrics(spec, {"label": "HN-2"})
    roots = []

    def fake_run(s, *, results_dir, stop_after=None, **kw):
        roots.append(str(results_dir))
        torch.manual_seed(1)
        model = PartialHyperModel(freeze_depth=2, num_tasks=4, num_classes=5)
        ResultsStore(results_dir).save_checkpoint(s, {"next": stop_after, "model": model.state_dict()})

    monkeypatch.setattr(runner, "run", fake_run)
    params = SimpleNamespace(results_dir=tmp_path, device="cpu", data_root=None)
    f = plots.generated_filters(spec, params, after=2, layer="layer4.1.conv1.weight")
    assert f.shape == (2, 160, 160, 3, 3) and roots and roots[0] != str(tmp_path)
    assert ResultsStore(tmp_path).load_checkpoint(spec) is None


# ---- chapters 4 and 5 ------------------------------------------------------------------------------------
def table2_rows(aca_hn=70.0, aca_lr=50.0, seeds=2):
    t2 = paper.TABLE2["cifar100"]
    out = []
    for name in ("Naive", "EWC", "LR-0", "LR-1", "HN-1", "LR-2", "HN-2", "LR-3", "HN-3", "LR-4", "HN-4", "HN-F"):
        hn = name.startswith("HN")
        p = t2.get(name)
        out.append({"strategy": name, "seeds": seeds, "aca": (aca_hn if hn else aca_lr, 1.0),
                    "forgetting": (3.0 if hn else 30.0, 0.5), "learning_accuracy": (60.0 if hn else 80.0, 1.0),
                    "minutes": {"HN-F": 2.0, "HN-2": 1.0}.get(name, 0.5),
                    "paper_aca": p["aca"] if p else None, "paper_forgetting": p["forgetting"] if p else None,
                    "paper_minutes": p["minutes"] if p else None})
    return out


def test_table2_frame_and_verdict():
    rows = table2_rows()
    t = plots.table2_frame(rows)
    assert t.loc[("HN-4", 2), ("ACA (%)", "paper")] == f"73.6{PM}0.9"
    assert t.loc[("HN-4", 2), ("ACA (%)", "ours")] == f"70.0{PM}1.0"
    assert t.loc[("HN-4", 2), ("time", "ours (s)")] == "30"
    assert t.loc[("LR-0", 2), ("ACA (%)", "paper")] == "—"
    assert plots.table2_frame(table2_rows(seeds=1)).loc[("HN-4", 1), ("ACA (%)", "ours")] == "70.0"
    results = [result(T=4)]
    preset = SimpleNamespace(name="ci", classes_per_experience=5, epochs=2, train_per_class=40)
    v = plots.table2_verdict(rows, results, preset)
    assert "HN-k beats LR-k in ACA: **5 of 5** depths" in v and "5 of the 5 differences exceed" in v
    assert "Paper: 4 of 4." in v
    t2 = paper.TABLE2["cifar100"]
    assert f"in 0.50× the time (paper: {t2['HN-2']['aca'][0] - t2['HN-F']['aca'][0]:+.1f} points" in v
    assert "HN-2 is faster: **yes**" in v and "HN-k forgets less than LR-k: **5 of 5**" in v
    assert "points); 5 of these exceed twice their sampling error" in v
    assert ("HN forgets less than Naive: **5 of 5** (Naive 30.0; HN-1 3.0, HN-2 3.0, HN-3 3.0, HN-4 3.0, HN-F 3.0 "
            "points); 5 of these exceed twice their sampling error. Paper: 5 of 5.") in v
    close = [{**r, "forgetting": (29.5, 0.5)} if r["strategy"].startswith("HN") else r for r in table2_rows()]
    v_close = plots.table2_verdict(close, results, preset)
    assert "points); 0 of these exceed twice their sampling error" in v_close
    assert "HN forgets less than Naive: **5 of 5** (Naive 30.0; HN-1 29.5" in v_close
    assert "29.5 points); 0 of these exceed twice their sampling error. Paper: 5 of 5." in v_close
    calm = [{**r, "forgetting": (2.0, 0.5)} if r["strategy"] == "Naive" else r for r in table2_rows()]
    assert "HN forgets less than Naive: **0 of 5**" in plots.table2_verdict(calm, results, preset)
    assert "barely learn" not in v
    low = plots.table2_verdict(table2_rows(aca_hn=22.0), results, preset)
    assert "HN-k beats LR-k in ACA: **0 of 5**" in low
    weak = table2_rows()
    for r in weak:
        if r["strategy"].startswith("HN"):
            r["learning_accuracy"] = (25.0, 1.0)
    assert "HN-1, HN-2, HN-3, HN-4, HN-F learn each experience to within 10 points of chance (20 %" in \
        plots.table2_verdict(weak, results, preset)


def test_experience_panels_retention_and_figure8_verdict():
    groups = {"HN-3": [fake_metrics(FakeSpec(seed=s), T=4, decay=0.01, base=0.6) for s in (0, 1)],
              "LR-3 (c=1)": [fake_metrics(FakeSpec(strategy="lr", freeze_depth=3), T=4, decay=0.3)],
              "LR-3 (c=0)": [fake_metrics(FakeSpec(strategy="lr", freeze_depth=3), T=4, decay=0.2)]}
    fig = plots.plot_experience_panels(groups, (0, 1, 2))
    assert len([ax for ax in fig.axes if ax.axison]) == 3
    assert fig.get_supxlabel() == "training epochs since the stream began"  # one x label for the row
    assert fig.axes[0].get_ylabel() == "test accuracy (%)" and fig.axes[1].get_ylabel() == ""
    assert all(ax.get_xlim() == (0.5, 8.5) for ax in fig.axes if ax.axison)  # same time axis in every panel
    ret = plots.retention_frame(groups, (0, 1, 2))
    assert ret.loc[("LR-3 (c=1)", 1), "lost (points)"] == pytest.approx(90.0)
    assert ret.loc[("HN-3", 3), "lost (points)"] == pytest.approx(1.0)
    assert ret.attrs == {"test_images": 100, "seeds": 1}
    v = plots.figure8_verdict(ret)
    assert "Does HN-3 lose the least, as in the paper? **yes**" in v
    assert "Is its learning accuracy the lower one, as in the paper? **yes**" in v and "sampling error" not in v
    close = {name: [fake_metrics(FakeSpec(), T=4, decay=d)] for name, d in
             (("HN-3", 0.02), ("LR-3 (c=1)", 0.03), ("LR-3 (c=0)", 0.01))}
    v = plots.figure8_verdict(plots.retention_frame(close, (0, 1, 2)))
    assert "lose the least, as in the paper? **no**" in v
    assert "within twice their sampling error" in v and "100 test images per experience" in v


def rows45(table, aca, minutes):
    modes = ("none", "first") if table == "4" else ("first", "second")
    published = paper.TABLE4 if table == "4" else paper.TABLE5
    return [{"k": k, "mode": mode, "seeds": 1, "aca": aca[mode] + k, "learning_accuracy": 60.0,
             "minutes": minutes[mode], "paper_aca": published[k][mode][0],
             "paper_learning_accuracy": published[k][mode][1], "paper_minutes": published[k][mode][2]}
            for k in range(5) for mode in modes]


def test_table45_frame_and_verdicts():
    r4 = rows45("4", {"none": 50.0, "first": 51.04}, {"none": 1.0, "first": 1.5})
    t = plots.table45_frame(r4, "4")
    assert t.loc[("ResNet-0", "first order"), ("ACA (%)", "ours")] == 51.0
    assert t.loc[("ResNet-0", "no look-ahead"), ("time", "paper (min)")] == paper.TABLE4[0]["none"][2]
    p_better = sum(v["first"][0] > v["none"][0] for v in paper.TABLE4.values())
    v4 = plots.table4_verdict(r4)
    assert f"**5 of 5** depths (k = 0: +1.0" in v4 and f"paper: {p_better} of 5" in v4
    assert "in most cases: **yes**" in v4 and "it takes 1.50× the time" in v4 and "sampling error" not in v4
    v4n = plots.table4_verdict(r4, test_images=400)  # ±7 points: a 1-point gain is noise
    assert "0 of these 5 differences exceed twice their test-set sampling error" in v4n and "shows no effect" in v4n
    assert "5 of these 5 differences" in plots.table4_verdict(r4, test_images=10**6)
    r5 = rows45("5", {"first": 50.0, "second": 51.0}, {"first": 1.0, "second": 3.0})
    v5 = plots.table5_verdict(r5)
    assert "at **5 of 5** depths" in v5 and "It takes 3.00× the time" in v5
    assert "as the paper concludes: **no** (second order has the better ACA at most depths (5 of 5))." in v5
    r5 = rows45("5", {"first": 51.0, "second": 50.0}, {"first": 1.0, "second": 3.0})
    assert "as the paper concludes: **yes** (second order wins at 0 of 5 depths and costs more" in plots.table5_verdict(r5)
    r5 = rows45("5", {"first": 51.0, "second": 50.0}, {"first": 1.0, "second": 0.5})
    assert "**no** (second order is not slower in total: 0.50×)." in plots.table5_verdict(r5)
    frame = plots.lookahead_cost_frame(r4, r5)
    assert frame.loc["HN-F", "first / none (ours)"] == 1.5 and frame.loc["HN-4", "second / first (ours)"] == 0.5
    assert frame.loc["HN-4", "first / none (paper)"] == round(paper.TABLE4[4]["first"][2] / paper.TABLE4[4]["none"][2], 2)
    assert "Second order dearer than first at every depth: **no**" in plots.lookahead_cost_verdict(frame)


def test_lookahead_curves_and_figure11():
    first = [fake_metrics(FakeSpec(), T=10)]
    none = [fake_metrics(FakeSpec(lookahead="none"), T=10, decay=0.2)]
    fig = plots.plot_lookahead_curves(none, first)
    assert len([ax for ax in fig.axes if ax.axison]) == 8  # the paper's 8 experiences at most
    assert fig.get_size_inches()[0] <= 10
    six = plots.plot_lookahead_curves([fake_metrics(FakeSpec(), T=6)], [fake_metrics(FakeSpec(), T=6)])
    assert len(six.axes) == 6 and six.get_size_inches()[1] <= 8  # 2 rows of 3
    groups = {(4, "first"): first, (4, "none"): none, (0, "first"): none, (0, "none"): first}
    f11 = plots.figure11_frame(groups)
    assert f11.loc["HN-4", "look-ahead higher on average"] == 8
    assert f11.loc["HN-F", "look-ahead higher on average"] == 0 and f11.loc["HN-F", "which"] == "—"
    v = plots.figure11_verdict(f11)
    assert "higher on 8 of 16 (experience, depth) curves (50 %)" in v and "most curves here: **no**" in v


# ---- chapter 6 -------------------------------------------------------------------------------------------
def test_cosine_frame_selects_one_epoch_and_counts_its_steps():
    results = [result(seed=s, T=3, E=2) for s in (0, 1)]
    df = plots.cosine_frame(results, experience=1, epoch=0)
    assert len(df) == 6 and set(df.seed) == {0, 1}
    assert list(df[df.seed == 0].step) == [1, 2, 3]
    assert list(df[df.seed == 0].cosine) == pytest.approx([-0.5, -0.4, -0.3])
    assert len(plots.cosine_frame(results, experience=2, epoch=1)) == 6
    assert plots.cosine_frame([result(strategy="lr")] * 0).empty
    assert_labelled(plots.plot_cosines(df))
    verdict, per_seed = plots.cosine_verdict(df, "ci")
    assert "negative for **2 of 2** seeds" in verdict and "holds here: **yes**" in verdict
    assert "With 3 steps per epoch at the **ci** preset, this is a thin sample." in verdict
    assert per_seed.loc[0, "mean"] == pytest.approx(-0.4) and per_seed.loc[0, "negative"] == 1.0
    df.loc[df.seed == 1, "cosine"] += 1.0
    assert "negative for **1 of 2** seeds" in plots.cosine_verdict(df, "ci")[0]
    per_exp = plots.cosine_experiences_frame(results)
    assert list(per_exp.index) == [2, 3] and list(per_exp["steps"]) == [6, 6]
    assert per_exp.loc[2, "mean"] == pytest.approx(-0.4) and per_exp.loc[3, "negative"] == 1.0
    assert "negative in **2 of 2** experiences (seeds pooled): negative at every experience, **yes**" in \
        plots.cosine_experiences_verdict(per_exp)
    assert "Per experience, mean and share of steps below zero: 2: -0.40 (" in plots.cosine_experiences_verdict(per_exp)


# ---- chapter 7 -------------------------------------------------------------------------------------------
def test_cost_frame_relative_to_naive():
    t2 = paper.TABLE2["cifar100"]
    rows = [{"strategy": "Naive", "minutes": 0.5, "paper_minutes": t2["Naive"]["minutes"]},
            {"strategy": "HN-F", "minutes": 2.0, "paper_minutes": t2["HN-F"]["minutes"]}]
    c = plots.cost_frame(rows)
    t2 = paper.TABLE2["cifar100"]
    assert c.loc["HN-F", "ours × Naive"] == 4.0
    assert c.loc["HN-F", "paper × Naive"] == round(t2["HN-F"]["minutes"] / t2["Naive"]["minutes"], 2)
    assert c.loc["Naive", "ours (s per run)"] == 30.0
    assert_labelled(plots.plot_cost(c))
    v = plots.time_verdict(table2_rows())
    assert "HN-F takes 4.0× the time of HN-4" in v and "HN-F slower than HN-4, as the paper claims: **yes**" in v
    assert "paper: HN-F > HN-1 > HN-2 > HN-3 > HN-4" in v


def test_memory_frame_compares_measured_with_counted():
    hn = account(freeze_depth=4, tasks=3, classes=5).hn_memory_bytes
    lr = account(freeze_depth=2, tasks=3, classes=5, buffer_size=100).lr_memory_bytes
    T = len(result().metrics["accuracy_matrix"])
    lr = lr * ((100 // (T * 5)) * T * 5) // 100  # the slots a class-balanced buffer of 100 fills
    results = [result(strategy="hn", freeze_depth=4, memory_bytes=hn), result(strategy="lr", freeze_depth=2, memory_bytes=lr),
               result(strategy="lr", freeze_depth=3, memory_bytes=123), result(strategy="naive", freeze_depth=0)]
    m = plots.memory_frame(results)
    assert list(m.model) == ["HN-4", "LR-2", "LR-3"] and list(m.equal) == [True, True, False]
    assert m.loc[1, "counted (MB)"] == pytest.approx((100 // (T * 5)) * T * 5 * 40 * 16 * 16 * 4 / 2**20)
    verdict, table = plots.memory_verdict(m)
    assert "equals the counted memory in **2 of 3** runs" in verdict
    assert bool(table.loc[("LR-3", "latent buffer"), "equal in every run"]) is False


def test_table6_frame_and_verdict():
    t6 = plots.table6_frame()
    assert len(t6) == 10
    assert (t6["HN-k (MB)"] == t6["HN-k paper"]).all()
    v = plots.table6_verdict(t6)
    assert "in **8 of 10** settings (paper: 8 of 10): CIFAR-100 at k = 1, 2, 3; TinyImageNet at k = 0, 1, 2, 3, 4." in v
    assert "HN-F 4.86 MB → HN-4 2.04 MB" in v and "largest at k = 1" in v


def test_find_bench_result_json_markdown_or_nothing(tmp_path):
    assert plots.find_bench_result(tmp_path) == (None, None)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "benchmarks.md").write_text("# Bench\n\n## Ratios\n| r | v |\n|---|---|\n| [a](x.md) | 1 |\n")
    kind, text = plots.find_bench_result(tmp_path)
    assert kind == "markdown"
    [(title, table)] = plots.markdown_tables(text)
    assert title == "Ratios" and list(table.columns) == ["r", "v"] and table.values.tolist() == [["a", "1"]]
    two = plots.markdown_tables("| x | `y` |\n|:--|--:|\n| 1 | **2** | 3 |\n| 4 |\n\ntext\n\n| p |\n|---|\n| q |\n")
    assert [t for t, _ in two] == ["", ""] and two[0][1].values.tolist() == [["1", "2"], ["4", ""]]
    assert list(two[0][1].columns) == ["x", "y"] and two[1][1].values.tolist() == [["q"]]
    assert plots.markdown_tables("no tables here") == []
    (tmp_path / "docs" / "bench-other.json").write_text("[1, 2]")  # not a bench result: skipped
    (tmp_path / "docs" / "benchmarks.json").write_text(json.dumps({"step_ms": {}, "hn4_over_naive": 0.4,
                                                                   "lookahead_first_over_none": 1.05}))
    kind, doc = plots.find_bench_result(tmp_path)
    assert kind == "json" and doc["hn4_over_naive"] == 0.4
    f = plots.bench_frame(doc)
    t2 = paper.TABLE2["cifar100"]
    assert list(f.index) == ["lookahead_first_over_none", "hn4_over_naive"]
    assert f.loc["hn4_over_naive", "paper"] == f"{t2['HN-4']['minutes'] / t2['Naive']['minutes']:.2f}"
    assert f.loc["lookahead_first_over_none", "target (≤)"] == 1.10


def test_frozen_diagram_marks_the_cut():
    fig = Figure(figsize=(5, 1))
    ax = fig.subplots()
    plots.frozen_diagram(ax, 2)
    colors = [p.get_facecolor()[:3] for p in ax.patches]
    grey = matplotlib.colors.to_rgb("#b0b0b0")
    assert [c == pytest.approx(grey) for c in colors] == [True, True, True, False, False, False]
    assert "k = 2" in ax.get_title()
    ax2 = Figure().subplots()
    plots.frozen_diagram(ax2, 0, generated=True)
    assert not any(p.get_facecolor()[:3] == pytest.approx(grey) for p in ax2.patches)
