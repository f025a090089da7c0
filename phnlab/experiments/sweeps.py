"""The grids behind the paper's tables and figures, as lists of run specs."""

from __future__ import annotations

from ..config import get_preset
from ..strategies import registry
from ..strategies.registry import resolve_bn_policy
from ..errors import BadInput
from .spec import RunSpec

__all__ = ["SWEEPS", "sweep_specs", "AUTHORS", "CENTRAL_STUDIES", "REAL_DATA_COMPANION", "companion_specs", "epochs_for", "NO_CURVES", "FIRST_CURVE", "REGIME_STEPS", "REGIME_DEPTHS", "regime_specs", "steps_per_experience",
           "buffer_specs", "drift_specs", "why_replay_noisy_specs", "hn4_specs", "combined_specs",
           "long_schedule_specs", "convergence_steps", "convergence_streams", "convergence_specs", "study_steps",
           "CONVERGENCE_CHECKS", "TRANSFER_CONVERGENCE_DEPTHS"]

AUTHORS = (("bn_policy", "authors"),)  # the authors' normalisation: running for LR, batch for HN/Naive/EWC
# Runs whose per-epoch curves no chapter draws go without them (a curve point costs a whole forward pass of
# every test set seen so far where no frozen prefix is cached: a third of a quick Naive run). They train the
# same (`spec.RECORDING_ONLY`), and the time columns compare training without the curves' evaluation.
NO_CURVES = (("curve_every_epoch", False),)
FIRST_CURVE = (("curve_experiences", 1),)  # experience 1's curve alone (what chapter 8 draws of the authors' runs)
# Steps per experience of the replay-regime study, per preset and depth: quick's own 32, then 250 (248:
# whole epochs) towards the authors' ~4,000. More does not fit a book on 2 CPU cores: LR-4 and HN-4 runs of
# 248 steps per experience took 135-456 s each on one core (two runs side by side, on this project's
# machines from the fastest day to the slowest), so 1,000 steps take 9-30 min and 4,000 0.6-2 h (chapter 8
# prints the stored runs' own times, `analysis.replay_regime.regime_cost`); LR-2's step is ~4x LR-4's (so its
# regime stays at 32). Run them with
# `phnlab run --stream split --strategy lr --freeze-depth 4 --preset quick --set epochs=125
# --set curve_every_epoch=False --set bn_policy=running`. ci: a check that it runs. Other presets
# (paper): their own schedule only.
REGIME_STEPS = {"quick": {4: (32, 250), 2: (32,)}, "ci": {4: (8, 32), 2: (8,)}}
REGIME_DEPTHS = (4, 2)


def _table2(preset, seeds, policy=()):
    """Table 2's runs under our normalisation, or under `policy` (AUTHORS: chapter 8 draws only experience
    1's curve of those; where the policy computes what ours does, Naive, EWC and HN-F, they are Table 2's runs)."""
    rows = [("naive", 0, "first"), ("ewc", 0, "first")]
    rows += [("lr", k, "first") for k in range(5)] + [("hn", k, "first") for k in (1, 2, 3, 4, 0)]
    rows += [(ref.name, ref.depths[0], "first") for ref in registry.references()]  # reference rows, not the paper's
    return [RunSpec("split", s, k, la, 1.0, seed, preset, overrides=policy + _table2_recording(s, k, policy))
            for seed in seeds for s, k, la in rows]


def _table2_recording(strategy, k, policy=()) -> tuple:
    """The curves a Table 2 run records: none for Naive and EWC (drawn nowhere), experience 1's under a
    normalisation other than ours (what chapter 8 draws of them), else all."""
    if strategy in ("naive", "ewc") or not registry.identity(strategy).in_paper:
        return NO_CURVES
    other = policy and resolve_bn_policy(dict(policy)["bn_policy"], strategy, k) != "population"
    return FIRST_CURVE if other else ()


def epochs_for(steps: int, p, stream: str = "split") -> int:
    """The epochs that train about `steps` steps per experience of `stream` (the preset's own where its size is
    not known here)."""
    per_epoch = p.steps_per_epoch(stream)
    return max(1, round(steps / per_epoch)) if per_epoch else p.epochs


def steps_per_experience(p, stream: str = "split") -> int | None:
    per_epoch = p.steps_per_epoch(stream)
    return per_epoch * p.epochs if per_epoch else None


def regime_specs(preset, seed=0):
    """LR-4 and LR-2 (c = 1) with more steps per experience, under both normalisations (one seed; only the
    accuracy matrix is read). At the preset's own steps these are Table 2's runs under each normalisation,
    curves and all; the longer schedules have no per-epoch curves."""
    p = get_preset(preset)
    own = steps_per_experience(p)
    out = []
    for k, counts in REGIME_STEPS.get(preset, {k: (own,) for k in REGIME_DEPTHS}).items():
        for n in counts:
            epochs = epochs_for(n, p)
            for policy in ("population", "running"):
                over = (("bn_policy", policy),)
                if epochs != p.epochs:
                    over += (("curve_every_epoch", False), ("epochs", epochs))
                else:  # Table 2's run under this normalisation, recording what it records there
                    over += _table2_recording("lr", k, over)
                out.append(RunSpec("split", "lr", k, seed=seed, preset=preset, overrides=over))
    return out


def buffer_specs(preset, seeds):
    """LR-4 (c = 1) with the paper's 2 latents per class at the end of the stream."""
    p = get_preset(preset)
    paper_size = 2 * p.num_experiences * p.classes_per_experience
    return [RunSpec("split", "lr", 4, seed=seed, preset=preset, overrides=(("bn_policy", policy),
                                                                          ("buffer_size", paper_size)) + NO_CURVES)
            for seed in seeds for policy in ("population", "running")]


def drift_specs(preset, seeds):
    """LR-4 with c = 0 (no replay: heads of old tasks are never trained again) under both policies."""
    return [RunSpec("split", "lr", 4, replay_coef=0.0, seed=seed, preset=preset, overrides=over + NO_CURVES)
            for seed in seeds for over in ((), (("bn_policy", "running"),))]


def why_replay_noisy_specs(preset, seeds):
    """The noisy stream and its clean twin at k = 4 under both normalisations (population: runs of the
    `noisy` sweep; the authors': no curves, only their accuracy matrices are read)."""
    return [RunSpec(stream, s, 4, replay_coef=1.0, seed=seed, preset=preset, overrides=over)
            for over in ((), AUTHORS + NO_CURVES) for seed in seeds for stream in ("noisy", "clean") for s in ("lr", "hn")]


def _top_steps(preset) -> int | None:
    """The longest schedule of the regime study at k = 4 (None: the preset has no regime steps)."""
    counts = REGIME_STEPS.get(preset, {}).get(4)
    return max(counts) if counts else None


def hn4_specs(preset, seeds):
    """HN-4 with its task rows at the shared lr (the paper's setting), with a 4x regulariser weight, and
    (first seed, no curves) with the regime study's longest schedule."""
    p = get_preset(preset)
    changes = [(("task_lr", p.lr),)] if p.task_lr not in (None, p.lr) else []
    changes.append((("reg_coef", 4 * p.reg_coef),))
    out = [RunSpec("split", "hn", 4, seed=seed, preset=preset, overrides=over) for over in changes for seed in seeds]
    longest = _longest_schedule(preset)
    if longest:
        out.append(RunSpec("split", "hn", 4, seed=seeds[0], preset=preset, overrides=longest))
    return out


def _longest_schedule(preset) -> tuple:
    """The overrides of the regime study's longest schedule (no per-epoch curves); () when the preset
    already trains that long or has no regime study."""
    p = get_preset(preset)
    top = _top_steps(preset)
    if top is None or epochs_for(top, p) == p.epochs:
        return ()
    return (("curve_every_epoch", False), ("epochs", epochs_for(top, p)))


def long_schedule_specs(preset, seed=0):
    """LR-k (c = 1) and HN-k at k = 2 and 4 with the regime study's longest schedule, population (one seed,
    no curves): Table 2's comparison at more steps per experience."""
    longest = _longest_schedule(preset)
    if not longest:
        return []
    return [RunSpec("split", s, k, seed=seed, preset=preset, overrides=longest) for k in (4, 2) for s in ("lr", "hn")]


def combined_specs(preset, seed=0):
    """LR-4 (c = 1) with every candidate at once: running statistics, the paper's 2 latents per class and
    the regime study's longest schedule (one seed, no curves)."""
    p = get_preset(preset)
    top = _top_steps(preset)
    if top is None:
        return []
    over = (("bn_policy", "running"), ("buffer_size", 2 * p.num_experiences * p.classes_per_experience),
            ("curve_every_epoch", False), ("epochs", epochs_for(top, p)))
    return [RunSpec("split", "lr", 4, seed=seed, preset=preset, overrides=over)]


def _why_replay(preset, seeds):
    return (_table2(preset, seeds) + _table2(preset, seeds, AUTHORS) + drift_specs(preset, seeds)
            + buffer_specs(preset, seeds) + regime_specs(preset, seeds[0]) + why_replay_noisy_specs(preset, seeds)
            + hn4_specs(preset, seeds) + combined_specs(preset, seeds[0]) + long_schedule_specs(preset, seeds[0]))


# Steps per experience of the convergence study (chapter "Schedules"): doubling from the quick book's 32
# towards the authors' ~4,000. A schedule is converged at the smallest count where doubling it moves
# learning accuracy by under 1 point (`analysis.convergence`).
DEFAULT_CONVERGENCE_STEPS = (32, 64, 128, 256, 512, 1024)
CONVERGENCE_RUNS = (("naive", 0), ("lr", 2), ("hn", 2), ("lr", 4), ("hn", 4))
# ci: a check that the chapter runs, with the cheapest models (a minute of CI); every other preset: the default
CONVERGENCE_STEPS = {"ci": (4, 8, 16)}
CONVERGENCE_MODELS = {"ci": (("lr", 4), ("hn", 4))}
# The studies a book preset's "Schedules" chapter shows: the default book (quick) shows the real-data preset's,
# shipped in book/store (its runs took CPU-hours); every other preset its own.
CONVERGENCE_STUDIES = {"quick": ("fmnist",)}
# models measured one doubling further per stream, where they had not converged within the counts measured:
# HN-2 on split Fashion-MNIST moved +1.1 points from 512 to 1,024 steps (2,048 settles it); on the transfer pairs
# experience 2's accuracy moved from 1,040 to 2,080 steps by +1.2, −1.0 and +0.9 points for LR-0 (digits, similar,
# synthetic) and −2.1, +4.4 and +2.7 for LR-4 (seed 0), so both are measured at 4,160
CONVERGENCE_LONGER = {"fmnist": {"split": (("hn", 2, 2048),), "transfer": (("lr", 0, 4160), ("lr", 4, 4160))}}


# Streams other than split whose schedule a preset checks by doubling, once, the steps its own study of them
# trains (`study_steps`): the noisy stream trains the split stream's steps on experiences of the same size but of
# distorted images (1,024 → 2,048 under fmnist); a transfer experience trains whole epochs of 40 steps, 1,040, so
# its doubling is 2,080. (The noisy stream's clean twin is a split stream of 4 experiences.)
CONVERGENCE_CHECKS = {"fmnist": ("noisy", "transfer")}
# The transfer study trains LR-k without replay on each pair: its check takes the two ends of the freeze depth
TRANSFER_CONVERGENCE_DEPTHS = (0, 4)


def convergence_steps(preset: str, stream: str = "split") -> tuple[int, ...]:
    """The steps per experience at which a preset's convergence study trains `stream` (() where it has none)."""
    if stream == "split":
        return CONVERGENCE_STEPS.get(preset, DEFAULT_CONVERGENCE_STEPS)
    if stream not in CONVERGENCE_CHECKS.get(preset, ()):
        return ()
    own = study_steps(preset, stream)
    return (own, 2 * own) if own else ()


def convergence_streams(preset: str) -> tuple[str, ...]:
    """The streams a preset's convergence study measures: split, and those `CONVERGENCE_CHECKS` names."""
    return ("split", *CONVERGENCE_CHECKS.get(preset, ()))


def convergence_specs(preset, seeds, stream="split"):
    """Naive, LR-k and HN-k (k = 2, 4), or on a transfer stream LR-0 and LR-4 without replay on each pair, at
    each count of `convergence_steps(preset, stream)`, first seed, no curves: how far learning accuracy and ACA
    still move when the schedule doubles."""
    p = get_preset(preset)
    longer = CONVERGENCE_LONGER.get(preset, {}).get(stream, ())
    if stream == "transfer":
        counts = [(n, k) for n in convergence_steps(preset, stream) for k in TRANSFER_CONVERGENCE_DEPTHS]
        counts += [(n, k) for s, k, n in longer if s == "lr"]
        return [RunSpec("transfer", "lr", k, replay_coef=0.0, seed=seeds[0], preset=preset, dataset=a, dataset2=b,
                        overrides=_schedule(p, epochs_for(n, p, stream)))
                for n, k in counts for a, b in p.transfer_pairs]

    def recording(s, k, epochs):  # at the preset's own schedule, the run its own study records
        # the schedule always explicit: a stored run names what it trained, whatever the preset's default becomes
        return (("epochs", epochs),) + (_table2_recording(s, k) if epochs == p.epochs else NO_CURVES)

    models = CONVERGENCE_MODELS.get(preset, CONVERGENCE_RUNS)
    counts = [(n, s, k) for n in convergence_steps(preset, stream) for s, k in models]
    counts += [(n, s, k) for s, k, n in longer]
    return [RunSpec(stream, s, k, replay_coef=1.0, seed=seeds[0], preset=preset,
                    overrides=recording(s, k, epochs_for(n, p, stream))) for n, s, k in counts]


def study_steps(preset: str, stream: str = "split") -> int | None:
    """The steps per experience a preset's own study of `stream` trains: a transfer experience trains the split
    stream's (`_transfer`), every other stream its preset's epochs."""
    p = get_preset(preset)
    per_epoch = p.steps_per_epoch(stream)
    if stream == "transfer" and per_epoch:
        return per_epoch * _transfer_epochs(p)
    return steps_per_experience(p, stream)


def _schedule(p, epochs: int) -> tuple:
    """The epochs override of a run that trains `epochs` (none where they are the preset's own)."""
    return (("epochs", epochs),) if epochs != p.epochs else ()


def _convergence(preset, seeds):
    studies = CONVERGENCE_STUDIES.get(preset, (preset,))
    return [spec for studied in studies for stream in convergence_streams(studied)
            for spec in convergence_specs(studied, seeds if studied == preset else get_preset(studied).seeds, stream)]


def _table2_policies(preset, seeds):
    """Table 2 under our normalisation and under the authors' pairing (the runs where the two compute the same,
    Naive, EWC, LR-0 and HN-F, once): the central comparison settled under both."""
    return _table2(preset, seeds) + _table2(preset, seeds, AUTHORS)


# The real-data preset whose runs a book preset's chapters read beside its own: the default book (quick) reads
# Fashion-MNIST's, shipped in book/store (CPU-hours); every other preset reads only its own.
REAL_DATA_COMPANION = {"quick": "fmnist"}
# The presets whose Table 2 under both normalisations chapter 4's central comparison reads.
CENTRAL_STUDIES = {preset: (preset, real) for preset, real in REAL_DATA_COMPANION.items()}


def companion_specs(name: str, preset: str) -> tuple[str | None, list[RunSpec]]:
    """(the real-data companion of a book preset, the specs of sweep `name` of it over its own seeds);
    (None, []) where the preset has none."""
    real = REAL_DATA_COMPANION.get(preset)
    return (real, sweep_specs(name, real, get_preset(real).seeds)) if real else (None, [])


def _central(preset, seeds):
    return [spec for studied in CENTRAL_STUDIES.get(preset, (preset,))
            for spec in _table2_policies(studied, seeds if studied == preset else get_preset(studied).seeds)]


def _table4(preset, seeds):
    return [RunSpec("split", "hn", k, la, seed=seed, preset=preset) for seed in seeds[:1] for k in range(5)
            for la in ("none", "first")]


def _table5(preset, seeds):
    return [RunSpec("split", "hn", k, la, seed=seed, preset=preset, overrides=NO_CURVES if la == "second" else ())
            for seed in seeds[:1] for k in range(5) for la in ("first", "second")]  # second order's: drawn nowhere


def _noisy(preset, seeds):
    return [RunSpec(stream, s, k, replay_coef=1.0, seed=seed, preset=preset)
            for seed in seeds for stream in ("noisy", "clean") for s in ("lr", "hn") for k in (2, 3, 4)]


def _transfer(preset, seeds):
    """LR-k (c = 0) at every depth on each transfer pair. An experience trains the split stream's steps (its
    measured schedule) whatever its size: more classes a transfer experience (`transfer_classes`), fewer epochs."""
    p = get_preset(preset)
    return [RunSpec("transfer", "lr", k, replay_coef=0.0, seed=seed, preset=preset, dataset=a, dataset2=b,
                    overrides=_schedule(p, _transfer_epochs(p))) for seed in seeds for a, b in p.transfer_pairs
            for k in range(5)]


def _transfer_epochs(p) -> int:
    """The epochs of a transfer experience: the split stream's steps in whole epochs of the transfer's size."""
    split_steps = steps_per_experience(p)
    return epochs_for(split_steps, p, "transfer") if split_steps else p.epochs


def _cossim(preset, seeds):
    return [RunSpec("split", "hn", 4, "first", seed=seed, preset=preset) for seed in seeds]


def _figure8(preset, seeds):
    return [RunSpec("split", "lr", 3, replay_coef=c, seed=seed, preset=preset) for seed in seeds for c in (0.0, 1.0)]


SWEEPS = {"table2": _table2, "table4": _table4, "table5": _table5, "noisy": _noisy, "transfer": _transfer,
          "cossim": _cossim, "figure8": _figure8, "why-replay": _why_replay, "convergence": _convergence,
          "table2-policies": _table2_policies, "central": _central}


def sweep_specs(name: str, preset: str, seeds: tuple[int, ...] | None = None) -> list[RunSpec]:
    if name not in SWEEPS:
        raise BadInput(f"unknown sweep {name!r}; allowed: {', '.join(SWEEPS)}")
    seeds = tuple(seeds) if seeds else get_preset(preset).seeds
    return SWEEPS[name](preset, seeds)
