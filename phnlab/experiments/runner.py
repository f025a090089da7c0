"""Spec → result: the paper's protocol (train on each experience in turn, then test on every experience
seen so far), checkpointed after every experience so that a killed run resumes from its last finished one.
What surrounds the loop (plugins, resume, timing, the stored record) is `session.RunSession`'s."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import resolve_device
from ..machine import provenance
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
        stop_after: int | None = None, wait: bool = False, log: str | None = None) -> RunResult:
    """Run `spec` unless the store has it; `stop_after` ends after that many experiences (tests).

    Another process computing the spec: SpecLocked, or with `wait` its result once it is stored. A signal
    noted by `stopping.graceful` stops training at the next step: Interrupted, the store keeping the
    checkpoint of the last finished experience, from which the next call resumes. `log`: also write the run's
    curves for TensorBoard, CSV or W&B beside it (`logs`)."""
    store = ResultsStore(results_dir)
    done = store.metrics(spec)
    if done is not None:
        return RunResult(spec, done, computed=False)
    dev = resolve_device(device)
    provenance(str(dev))  # the commit this process loaded, fixed before it trains
    from ..data.streams import build_stream  # heavy imports (Avalanche) only when something runs
    from .session import RunSession

    stream = build_stream(spec.stream, preset=spec.resolved_preset(), seed=spec.seed, dataset=spec.dataset,
                          dataset2=spec.dataset2, data_root=data_root)
    with store.lock(spec, wait=wait):
        done = store.metrics(spec)  # finished by another worker while we waited
        if done is not None:
            return RunResult(spec, done, computed=False)
        session = RunSession(spec, stream, store, dev, quiet=quiet, log=log)
        strategy, experiences = session.strategy, session.experiences
        acc, start = session.resume()
        end = len(experiences) if stop_after is None else min(len(experiences), stop_after)
        for i in range(start, end):  # the paper's protocol: train on experience i, test on experiences 1..i
            with session.timed(i):
                strategy.train(experiences[i], eval_streams=[])
            acc.append(session.evaluate(i))
            session.checkpoint(acc)
        if end < len(experiences):
            session.close()
            return RunResult(spec, {"accuracy_matrix": acc}, computed=True, resumed_from=start)
        return RunResult(spec, session.finish(acc), computed=True, resumed_from=start)


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
