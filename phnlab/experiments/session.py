"""One run being computed: its stream as Avalanche experiences, its strategy with the run's plugins, and
the services around the paper's loop in `runner.run`: resuming, evaluating the test sets seen so far,
timing an experience, checkpointing, and the record a finished run leaves in the store."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

import torch
from tqdm.auto import tqdm

from ..machine import provenance
from ..metrics import aca_curve, summarize
from ..strategies.registry import resolve_bn_policy
from . import stopping
from .checkpoint import restore_training_state, training_state
from .first_experience import SharedFirstExperience, shared_key

__all__ = ["RunSession"]


class RunSession:
    """What `runner.run` needs of a run while it holds the run's lock."""

    def __init__(self, spec, stream, store, device, *, quiet: bool, log: str | None = None):
        from ..strategies import attach_tensors, make_strategy, tensors_of  # Avalanche: only a run that trains
        from ..strategies.evaluation import PrefixCache
        from ..strategies.cosine_log import GradientCosineLog
        from .plugins import ProgressBar, StopOnSignal
        from .recording import CurveRecorder

        self.spec, self.stream, self.store, self.device = spec, stream, store, device
        self.preset = preset = spec.resolved_preset()
        benchmark = stream.to_avalanche()
        self.experiences = list(benchmark.train_stream)
        for exp, e in zip(self.experiences, stream.experiences):
            attach_tensors(exp, e)
        self.evaluator = None  # Avalanche's metrics and a logger, with `log` only (`logs`)
        if log is not None:
            from .logs import make_evaluator

            self.evaluator = make_evaluator(log, store.dir(spec), spec)
            self.test_experiences = list(benchmark.test_stream)
            for exp, e in zip(self.test_experiences, stream.experiences):
                attach_tensors(exp, e)
        self.views = [tensors_of(exp) for exp in self.experiences]
        self.bar = tqdm(total=sum(map(self._steps, stream.experiences)), desc=spec.label(), unit="step",
                        disable=quiet or not sys.stderr.isatty(), leave=False)
        self.cache = PrefixCache()  # a frozen prefix on population statistics runs once per test set
        self.curves = CurveRecorder(self.views, eval_batch_size=preset.eval_batch_size,
                                    every_epoch=preset.curve_every_epoch, cache=self.cache,
                                    experiences=preset.curve_experiences)
        self.cosines = GradientCosineLog()
        self.strategy = make_strategy(spec.strategy, preset=preset, num_tasks=len(self.experiences),
                                      num_classes=stream.num_classes_per_experience, device=device, seed=spec.seed,
                                      freeze_depth=spec.freeze_depth, lookahead=spec.lookahead,
                                      replay_coef=spec.replay_coef,
                                      plugins=[ProgressBar(self.bar), StopOnSignal(), self.curves, self.cosines],
                                      evaluator=self.evaluator)
        self.times: list[float] = []  # seconds of each experience's training
        # CPU seconds of each (the process's, all threads): unlike the wall time, not counting a pause or a
        # neighbour on the same cores; None for a run resumed from a checkpoint that did not record them
        self.cpu_times: list[float] | None = []
        self.first: SharedFirstExperience | None = None

    def _steps(self, experience) -> int:
        return -(-len(experience.train_y) // self.preset.batch_size) * self.preset.epochs

    def resume(self) -> tuple[list[list[float]], int]:
        """The accuracy rows and the next experience from the store's checkpoint; from the start, experience
        1's epochs come from a run that trained them alike, or are kept for one (`first_experience`)."""
        ckpt = self.store.load_checkpoint(self.spec)
        if ckpt is None:
            self.store.save_spec(self.spec)  # the store can name the run before it finishes
            self.first = SharedFirstExperience(self.store, shared_key(self.spec, self.stream, self.device.type),
                                               self.curves, self.bar, steps=self._steps(self.stream.experiences[0]))
            self.strategy.shared_epochs = self.first
            return [], 0
        self.strategy.model.load_state_dict(ckpt["model"])
        self.strategy.load_extra_state(ckpt["extra"])
        restore_training_state(self.strategy, self.curves, ckpt)
        self.cosines.entries = list(ckpt.get("cosines", ckpt["extra"].get("cosines", [])))  # older: the strategy's
        self.times = ckpt["times"]
        self.cpu_times = ckpt.get("cpu_times")
        self.bar.update(sum(map(self._steps, self.stream.experiences[:ckpt["next"]])))
        return ckpt["acc"], ckpt["next"]

    @contextmanager
    def timed(self, i: int):
        """Times experience `i`'s training; a signal that stops it becomes one message saying what is kept."""
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        except stopping.Interrupted as e:
            self.close()
            kept = f"the store keeps its checkpoint after experience {i}" if i else "nothing of it is stored yet"
            raise stopping.Interrupted(f"{self.spec.label()} ({self.spec.key()}) {e} during experience {i + 1} of "
                                       f"{len(self.experiences)}; {kept}: run the same command again to resume",
                                       e.signum) from None
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self.times.append(time.perf_counter() - t0)
        if self.cpu_times is not None:
            self.cpu_times.append(time.process_time() - c0)
        if i == 0 and self.first is not None and self.first.restored:
            self.times[0] += self.first.train_s  # an experience's time is that of its training, wherever it ran
            if self.cpu_times is not None:
                self.cpu_times[0] += self.first.train_cpu_s

    def evaluate(self, i: int) -> list[float]:
        """Accuracy on the test sets of experiences 1..i+1, starting from the last curve point when current."""
        from ..strategies import predict

        row = self.curves.last_point_if_current(self.strategy.model, i)
        row += [predict(self.strategy.model, v, batch_size=self.preset.eval_batch_size, device=self.device,
                        cache=self.cache) for v in self.views[len(row): i + 1]]
        if self.evaluator is not None:  # the same test sets through Avalanche's metrics, for the logger
            self.strategy.eval(self.test_experiences[: i + 1])
        return row

    def close(self) -> None:
        """The progress bar and the logger (whose files are then whole), when the loop ends or stops."""
        self.bar.close()
        if self.evaluator is not None:
            from .logs import close

            close(self.evaluator)

    def checkpoint(self, acc: list[list[float]]) -> None:
        """The state after the experiences in `acc`; kept apart too when an analysis asked for it."""
        state = {"next": len(acc), "model": self.strategy.model.state_dict(), "extra": self.strategy.extra_state(),
                 **training_state(self.strategy, self.curves), "cosines": self.cosines.entries, "acc": acc,
                 "times": self.times, "cpu_times": self.cpu_times}
        self.store.save_checkpoint(self.spec, state)
        if self.store.keeps_after(self.spec, len(acc)):  # `ResultsStore.keep_after`
            self.store.save_kept(self.spec, len(acc), state)

    def finish(self, acc: list[list[float]]) -> dict:
        """The finished run's metrics and model, stored; its checkpoint dropped."""
        self.close()
        metrics = self.metrics(acc)
        model = self.strategy.model
        self.store.save_model(self.spec, {"model": model.state_dict(), "extra": self.strategy.extra_state(),
                                          "num_tasks": len(self.experiences),
                                          "num_classes": self.stream.num_classes_per_experience})
        self.store.save_metrics(self.spec, metrics)
        self.store.drop_checkpoint(self.spec)
        return metrics

    def metrics(self, acc: list[list[float]]) -> dict:
        spec, preset, dev, model, times = self.spec, self.preset, self.device, self.strategy.model, self.times
        shared = self.first is not None and self.first.restored
        return {
            "label": spec.label(),
            "spec": spec.to_dict(),
            **summarize(acc),
            "aca_curve": aca_curve(acc),
            "accuracy_matrix": acc,
            "wall_time_s": sum(times),
            # seconds of experience 1's epochs loaded from another run that trained them alike (0: trained here)
            "first_experience_shared_s": self.first.train_s if shared else 0.0,
            "time_per_experience_s": times,
            # the process's CPU seconds of the same (None: not recorded), what `metrics.busy_seconds` reads
            "cpu_time_s": sum(self.cpu_times) if self.cpu_times is not None else None,
            "epoch_curves": self.curves.curves,
            # per experience, the seconds of its curve points within `time_per_experience_s`: the time
            # without them is what training costs, whether a run draws curves or not
            "curve_eval_s": self.curves.eval_s + [0.0] * (len(times) - len(self.curves.eval_s)),
            "cosines": self.cosines.entries,
            "memory_bytes": self.strategy.memory_bytes(),
            "params": sum(p.numel() for p in model.parameters()),
            "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "device": str(dev),
            "computed_by": provenance(str(dev)),  # commit and machine (a shipped store's runs name theirs)
            "bn_policy": resolve_bn_policy(preset.bn_policy, spec.strategy, spec.freeze_depth),
            "eval_batch_size": preset.eval_batch_size,  # under the "batch" policy accuracies depend on it
            "stream": dict(self.stream.meta),
            "preset": {k: v for k, v in preset.values().items() if isinstance(v, (int, float, str, bool, type(None)))},
        }
