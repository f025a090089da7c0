"""Hand-made stored results for the analysis tests: specs, metrics dicts and a figure check."""

from dataclasses import dataclass, field

from matplotlib.figure import Figure

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


def fake_table2_results(rows, T=4, test_per_class=20):
    """Per-seed results behind `fake_table2_rows`-style rows (Naive, LR-k and HN-k): each seed's ACA,
    forgetting and learning accuracy spread about the row's mean by its sd, so the rows are their means."""
    out = []
    for r in rows:
        name, n = r["strategy"], r["seeds"]
        if name == "EWC":
            continue
        strategy, _, k = name.partition("-")
        spec_fields = {"strategy": strategy.lower(), "freeze_depth": 0 if k in ("", "F") else int(k)}
        for seed in range(n):
            spread = (seed - (n - 1) / 2) / ((n - 1) / 2) if n > 1 else 0.0  # -1 .. 1, mean 0
            spec = FakeSpec(seed=seed, **spec_fields)
            m = fake_metrics(spec, T=T, test_per_class=test_per_class)
            for key in ("aca", "forgetting", "learning_accuracy"):
                mean, sd = r[key]
                m[key] = (mean + (sd or 0.0) * spread) / 100
            out.append(FakeResult(spec, m))
    return out


def assert_labelled(fig):
    assert isinstance(fig, Figure)
    w, h = fig.get_size_inches()
    assert w <= 10
    shown = [ax for ax in fig.axes if ax.axison and ax.get_label() != "<colorbar>"]
    assert shown
    for ax in shown:
        assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()
        assert ax.has_data() or ax.images


def fake_table2_rows(aca_hn=70.0, aca_lr=50.0, seeds=2):
    """Rows as `split.table2_rows` returns them: HN-k at aca_hn, the others at aca_lr (percent)."""
    from phnlab import paper

    t2 = paper.TABLE2["cifar100"]
    out = []
    sd = lambda v: None if seeds < 2 else v  # noqa: E731 (no spread from one seed, as split.table2_rows gives)
    for name in ("Naive", "EWC", "LR-0", "LR-1", "HN-1", "LR-2", "HN-2", "LR-3", "HN-3", "LR-4", "HN-4", "HN-F"):
        hn = name.startswith("HN")
        p = t2.get(name)
        out.append({"strategy": name, "seeds": seeds, "aca": (aca_hn if hn else aca_lr, sd(1.0)),
                    "forgetting": (3.0 if hn else 30.0, sd(0.5)), "learning_accuracy": (60.0 if hn else 80.0, sd(1.0)),
                    "minutes": {"HN-F": 2.0, "HN-2": 1.0}.get(name, 0.5),
                    "paper_aca": p["aca"] if p else None, "paper_forgetting": p["forgetting"] if p else None,
                    "paper_minutes": p["minutes"] if p else None})
    return out
