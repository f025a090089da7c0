"""Spec → result: build the stream and the strategy, train experience by experience, measure,
checkpoint after every experience, and resume a killed run from its last finished experience."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from ..config import resolve_device
from ..strategies.registry import resolve_bn_policy
from ..machine import provenance
from ..metrics import aca_curve, summarize
from . import stopping
from .checkpoint import restore_training_state, training_state
from .first_experience import SharedFirstExperience, shared_key
from .spec import RunSpec
from .store import ResultsStore

__all__ = ["run", "RunResult", "load_model"]


@dataclass
class RunResult:
    spec: RunSpec
    metrics: dict
    computed: bool  # False: read from the store
    resumed_from: int = 0  # experiences restored from a checkpoint


def run(spec: RunSpec, *, results_dir="results", device="auto", data_root=None, quiet: bool = False,
        stop_after: int | None = None, wait: bool = False) -> RunResult:
    """Run `spec` unless the store has it; `stop_after` ends after that many experiences (tests).

    Another process computing the spec: SpecLocked, or with `wait` its result once it is stored. A signal
    noted by `stopping.graceful` stops training at the next step: Interrupted, the store keeping the
    checkpoint of the last finished experience, from which the next call resumes."""
    store = ResultsStore(results_dir)
    done = store.metrics(spec)
    if done is not None:
        return RunResult(spec, done, computed=False)
    dev = resolve_device(device)
    preset = spec.resolved_preset()
    provenance(str(dev))  # the commit this process loaded, fixed before it trains

    from ..data.streams import build_stream  # heavy imports (Avalanche) only when something runs
    from ..strategies import attach_tensors, make_strategy, predict, tensors_of
    from ..strategies.base import PrefixCache

    stream = build_stream(spec.stream, preset=preset, seed=spec.seed, dataset=spec.dataset, dataset2=spec.dataset2,
                          data_root=data_root)
    with store.lock(spec, wait=wait):
        done = store.metrics(spec)  # finished by another worker while we waited
        if done is not None:
            return RunResult(spec, done, computed=False)
        benchmark = stream.to_avalanche()
        experiences = list(benchmark.train_stream)
        for exp, e in zip(experiences, stream.experiences):
            attach_tensors(exp, e)
        views = [tensors_of(exp) for exp in experiences]
        show = not quiet and sys.stderr.isatty()
        steps_of = lambda e: -(-len(e.train_y) // preset.batch_size) * preset.epochs  # noqa: E731 - one experience's
        bar = tqdm(total=sum(map(steps_of, stream.experiences)), desc=spec.label(), unit="step", disable=not show, leave=False)
        cache = PrefixCache()  # a frozen prefix on population statistics runs once per test set
        from .recording import RunRecorder  # Avalanche: only a run that trains imports it

        progress = RunRecorder(views, eval_batch_size=preset.eval_batch_size, every_epoch=preset.curve_every_epoch,
                             bar=bar, cache=cache, experiences=preset.curve_experiences)
        strategy = make_strategy(spec.strategy, preset=preset, num_tasks=len(experiences),
                                 num_classes=stream.num_classes_per_experience, device=dev, seed=spec.seed,
                                 freeze_depth=spec.freeze_depth, lookahead=spec.lookahead,
                                 replay_coef=spec.replay_coef, plugins=[progress])
        acc, times, start = [], [], 0
        ckpt = store.load_checkpoint(spec)
        if ckpt is not None:
            start = ckpt["next"]
            strategy.model.load_state_dict(ckpt["model"])
            strategy.load_extra_state(ckpt["extra"])
            restore_training_state(strategy, progress, ckpt)
            acc, times = ckpt["acc"], ckpt["times"]
            bar.update(sum(steps_of(e) for e in stream.experiences[:start]))
        end = len(experiences) if stop_after is None else min(len(experiences), stop_after)
        first = None
        if start == 0 and end > 0:  # experience 1's epochs: from a run that trained them alike, else kept for one
            first = SharedFirstExperience(store, shared_key(spec, stream, dev.type), progress, bar,
                                          steps=steps_of(stream.experiences[0]))
            strategy.shared_epochs = first
        for i in range(start, end):
            t0 = time.perf_counter()
            try:
                strategy.train(experiences[i], eval_streams=[])
            except stopping.Interrupted as e:
                bar.close()
                kept = f"the store keeps its checkpoint after experience {i}" if i else "nothing of it is stored yet"
                raise stopping.Interrupted(f"{spec.label()} ({spec.key()}) {e} during experience {i + 1} of "
                                           f"{len(experiences)}; {kept}: run the same command again to resume",
                                           e.signum) from None
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            times.append(time.perf_counter() - t0)
            if i == 0 and first is not None and first.restored:
                times[0] += first.train_s  # an experience's time is that of its training, wherever it ran
            row = progress.last_point_if_current(strategy.model, i)  # the last epoch's curve point, when current
            acc.append(row + [predict(strategy.model, v, batch_size=preset.eval_batch_size, device=dev, cache=cache)
                              for v in views[len(row): i + 1]])
            checkpoint = {
                "next": i + 1, "model": strategy.model.state_dict(), "extra": strategy.extra_state(),
                **training_state(strategy, progress), "acc": acc, "times": times,
            }
            store.save_checkpoint(spec, checkpoint)
            if store.keeps_after(spec, i + 1):  # asked for by an analysis (`ResultsStore.keep_after`)
                store.save_kept(spec, i + 1, checkpoint)
        bar.close()
        if end < len(experiences):
            return RunResult(spec, {"accuracy_matrix": acc}, computed=True, resumed_from=start)
        metrics = {
            "label": spec.label(),
            "spec": spec.to_dict(),
            **summarize(acc),
            "aca_curve": aca_curve(acc),
            "accuracy_matrix": acc,
            "wall_time_s": sum(times),
            # seconds of experience 1's epochs loaded from another run that trained them alike (0: trained here)
            "first_experience_shared_s": first.train_s if first is not None and first.restored else 0.0,
            "time_per_experience_s": times,
            "epoch_curves": progress.curves,
            # per experience, the seconds of its curve points within `time_per_experience_s`: the time
            # without them is what training costs, whether a run draws curves or not
            "curve_eval_s": progress.eval_s + [0.0] * (len(times) - len(progress.eval_s)),
            "cosines": list(getattr(strategy, "cosines", [])),
            "memory_bytes": strategy.memory_bytes(),
            "params": sum(p.numel() for p in strategy.model.parameters()),
            "trainable_params": sum(p.numel() for p in strategy.model.parameters() if p.requires_grad),
            "device": str(dev),
            "computed_by": provenance(str(dev)),  # commit and machine (a shipped store's runs name theirs)
            "bn_policy": resolve_bn_policy(preset.bn_policy, spec.strategy, spec.freeze_depth),
            "eval_batch_size": preset.eval_batch_size,  # under the "batch" policy accuracies depend on it
            "stream": {k: v for k, v in stream.meta.items()},
            "preset": {k: v for k, v in vars(preset).items() if isinstance(v, (int, float, str, bool, type(None)))},
        }
        store.save_model(spec, {"model": strategy.model.state_dict(), "extra": strategy.extra_state(),
                                "num_tasks": len(experiences), "num_classes": stream.num_classes_per_experience})
        store.save_metrics(spec, metrics)
        store.drop_checkpoint(spec)
        return RunResult(spec, metrics, computed=True, resumed_from=start)


def load_model(spec: RunSpec, *, results_dir="results", device="cpu"):
    """The trained model of a finished run, as it was after the last experience (e.g. to look at
    the filters a hypernetwork generates); None when the store does not hold it."""
    from ..strategies import make_strategy

    saved = ResultsStore(results_dir).load_model(spec)
    if saved is None:
        return None
    strategy = make_strategy(spec.strategy, preset=spec.resolved_preset(), num_tasks=saved["num_tasks"],
                             num_classes=saved["num_classes"], device=resolve_device(device), seed=spec.seed,
                             freeze_depth=spec.freeze_depth, lookahead=spec.lookahead, replay_coef=spec.replay_coef)
    strategy.model.load_state_dict(saved["model"])
    strategy.load_extra_state(saved["extra"])
    return strategy.model.eval()
