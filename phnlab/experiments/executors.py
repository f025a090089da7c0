"""Run many specs at once: N local worker processes (one per GPU where several exist) or Slurm jobs.

Every worker calls the runner (`runner.run`), which skips stored specs and holds the spec's lock
(`ResultsStore.lock`, an fcntl lock that dies with its process) while it computes. So any number of
workers, in one sweep or in several sweeps started side by side, never run one spec twice:

- a spec found locked is passed over and tried again every `poll_s` seconds, until another worker
  has stored it or its lock is free;
- a worker that dies (killed, out of memory) leaves its spec unlocked, with the checkpoint of its
  last finished experience: the local pool (`concurrent.futures`) is made anew and the specs that
  were running are handed out again in the same call (each resumes from its checkpoint), and any
  later call resumes them.

The pool hands out the runs in `schedule.run_order` (longest first, one run of each experience-1 group ahead of the others); the results keep the specs' order.
`executor="slurm"` submits one job per spec that is not stored through submitit (a job array),
and waits for them; a job that finds its spec locked waits for the lock.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ..errors import BadInput, PhnlabError
from . import stopping
from .schedule import run_order

if TYPE_CHECKING:  # a worker process imports no more than it needs
    from .spec import RunSpec

__all__ = ["EXECUTORS", "run_specs", "worker_devices", "SpecFailed", "SlurmRun"]

EXECUTORS = ("local", "slurm")
POLL_S = 2.0  # how often locked specs are tried again
RESTARTS_PER_SPEC = 2  # a spec running when a worker died is handed out again this many times in one call


class SpecFailed(PhnlabError):
    """A spec raised in a worker process or a Slurm job (the message carries its last line)."""


def _default_run():
    from .runner import run

    return run


def worker_devices(device: str, jobs: int, cuda_count: int | None = None) -> list[str]:
    """The device of each local worker: `cuda:i` round-robin when `device` is cuda/auto and several
    GPUs exist, else `device` for every worker."""
    if cuda_count is None:
        import torch

        cuda_count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if device in ("auto", "cuda") and cuda_count > 1:
        return [f"cuda:{i % cuda_count}" for i in range(jobs)]
    return [device] * jobs


def _check(jobs, executor) -> None:
    if executor not in EXECUTORS:
        raise BadInput(f"unknown executor {executor!r}; allowed: {', '.join(EXECUTORS)}")
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise BadInput(f"--jobs must be an integer >= 1, got {jobs!r}")


def run_specs(specs: Sequence["RunSpec"], *, jobs: int = 1, executor: str = "local", results_dir="results",
              device: str = "auto", data_root=None, quiet: bool = False, slurm_kwargs: dict | None = None,
              run_fn: Callable | None = None, on_result: Callable | None = None, poll_s: float = POLL_S,
              submitit_cluster: str | None = None, on_start: Callable | None = None, log: str | None = None) -> list:
    """Run every spec (stored ones are read, not recomputed); one `RunResult` per spec, in order.

    `run_fn(spec, *, results_dir, device, data_root, quiet)` runs one spec (default `runner.run`;
    tests inject a cheap one; it must be importable by name from a fresh process).
    `on_result(i, spec, result)` is called in this process as each spec finishes, `on_start(i, spec)` as
    one is handed to a worker or a job (or, here, begins).
    `submitit_cluster`: None = Slurm; "local" or "debug" run submitit's jobs on this machine (tests).
    `log`: each run also writes its curves for TensorBoard, CSV or W&B (`logs`; passed to `run_fn` only when set).
    """
    from .store import ResultsStore

    _check(jobs, executor)
    specs = list(specs)
    run_fn = run_fn or _default_run()
    on_result = on_result or (lambda i, spec, result: None)
    started = (lambda i: on_start(i, specs[i])) if on_start else (lambda i: None)
    kwargs = dict(results_dir=str(results_dir), device=device, data_root=None if data_root is None else str(data_root),
                  quiet=quiet, **({"log": log} if log is not None else {}))
    results: list = [None] * len(specs)
    keys = [spec.key() for spec in specs]
    # one computation per distinct spec; with several workers or Slurm, stored specs are read here
    # (no worker or job is started for them); one by one, the runner reads them in order.
    read_here = executor == "slurm" or jobs > 1
    store = ResultsStore(results_dir)
    todo: list[int] = []
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        if keys[i] in seen:
            continue
        seen.add(keys[i])
        done = store.metrics(spec) if read_here else None
        if done is not None:
            results[i] = _stored(spec, done)
        else:
            todo.append(i)

    def finish(i, result):
        for j, spec in enumerate(specs):
            if keys[j] == keys[i]:
                results[j] = result
                on_result(j, spec, result)

    for i in [i for i, r in enumerate(results) if r is not None]:
        finish(i, results[i])
    notice = _Notice(quiet)
    if executor == "slurm":
        for i in todo:
            started(i)
        _run_slurm(specs, todo, run_fn, kwargs, slurm_kwargs or {}, finish, poll_s, submitit_cluster)
    elif jobs == 1 or len(todo) <= 1:
        _run_here(specs, todo, run_fn, kwargs, finish, poll_s, notice, started)
    else:
        _run_pool(specs, todo, run_fn, kwargs, jobs, finish, poll_s, notice, started)
    return results


class _Notice:
    """One line on stderr when a sweep starts waiting for specs that another process computes."""

    def __init__(self, quiet: bool):
        self.quiet, self.said = quiet, False

    def waiting(self, n: int) -> None:
        if not (self.quiet or self.said):
            print(f"phnlab: waiting for {n} run(s) that another process is computing", file=sys.stderr, flush=True)
            self.said = True


def _stored(spec, metrics):
    from .runner import RunResult

    return RunResult(spec, metrics, computed=False)


# ---- one queue for both: a spec found locked is tried again after a pause ---------------------------
class _Queue:
    """Specs to hand out: new ones first, then those found locked once `poll_s` has passed since."""

    def __init__(self, todo, poll_s: float):
        self.new, self.locked, self.poll_s = collections.deque(todo), collections.deque(), poll_s

    def __len__(self) -> int:
        return len(self.new) + len(self.locked)

    def again(self, i: int) -> None:  # its worker died: first in line
        self.new.appendleft(i)

    def found_locked(self, i: int) -> None:
        self.locked.append((i, time.monotonic()))

    def next(self) -> int | None:
        """The next spec due, or None while only locked ones wait."""
        if self.new:
            return self.new.popleft()
        if self.locked and time.monotonic() - self.locked[0][1] >= self.poll_s:
            return self.locked.popleft()[0]
        return None

    def pause(self, notice) -> None:
        """Nothing is due and nothing runs: wait until the first locked spec is."""
        notice.waiting(len(self))
        time.sleep(max(0.0, self.poll_s - (time.monotonic() - self.locked[0][1])))


def _attempt(run_fn, spec, kwargs):
    """One try at a spec: ("done", result), or ("locked", None) when another process computes it."""
    from .store import SpecLocked

    try:
        return "done", run_fn(spec, **kwargs)
    except SpecLocked:
        return "locked", None


# ---- in this process ---------------------------------------------------------------------------
def _run_here(specs, todo, run_fn, kwargs, finish, poll_s, notice, started) -> None:
    """One after another."""
    queue = _Queue(todo, poll_s)
    while queue:
        i = queue.next()
        if i is None:
            queue.pause(notice)
            continue
        started(i)
        kind, result = _attempt(run_fn, specs[i], kwargs)
        if kind == "done":
            finish(i, result)
        else:
            queue.found_locked(i)


# ---- N worker processes ------------------------------------------------------------------------
def _init_worker(threads: int | None) -> None:
    from . import stopping

    stopping.install_in_worker()  # SIGTERM stops the worker's run at a step boundary, as in the parent
    if threads:
        import torch

        torch.set_num_threads(threads)


def _run_pool(specs, todo, run_fn, kwargs, jobs, finish, poll_s, notice, started) -> None:
    """A `concurrent.futures` process pool (spawn), at most one spec per worker at a time, each on its
    worker slot's device. A worker that dies breaks the pool: the pool is made anew and the specs that were
    running are handed out again (each resumes from its last checkpoint), at most RESTARTS_PER_SPEC times."""
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    jobs = min(jobs, len(todo))
    devices = worker_devices(kwargs["device"], jobs)
    threads = max(1, (os.cpu_count() or 1) // jobs) if all(not d.startswith("cuda") for d in devices) else None

    def new_pool():
        return ProcessPoolExecutor(jobs, mp_context=mp.get_context("spawn"), initializer=_init_worker,
                                   initargs=(threads,))

    # longest first: no worker idles at the end while another finishes a long run handed out last
    queue = _Queue([todo[j] for j in run_order([specs[i] for i in todo])], poll_s)
    restarts: collections.Counter = collections.Counter()
    running: dict = {}  # future -> (spec index, worker slot)
    stopped: list[int] = []  # specs stopped by a signal, at their checkpoints
    signum = None
    pool = new_pool()
    try:
        while running or (queue and signum is None):
            if signum is None and stopping.requested() is not None:  # SIGTERM / SIGINT: stop at the next steps
                signum = stopping.requested()
                _signal_workers(pool, signal.SIGTERM)
            for slot in sorted(set(range(jobs)) - {s for _, s in running.values()}) if signum is None else ():
                i = queue.next()
                if i is None:
                    break
                started(i)
                running[pool.submit(_attempt, run_fn, specs[i], {**kwargs, "device": devices[slot]})] = (i, slot)
            if not running:
                queue.pause(notice)
                continue
            done, _ = wait(running, timeout=poll_s, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                i, _ = running.pop(future)
                try:
                    kind, result = future.result()
                except BrokenProcessPool:  # a worker died (killed, out of memory): its lock died with it
                    broken = True
                    restarts[i] += 1
                    if restarts[i] > RESTARTS_PER_SPEC:
                        raise SpecFailed(f"{_where(specs[i])}: WorkerDied: a worker died while it ran, "
                                         f"{restarts[i]} times") from None
                    queue.again(i)
                    continue
                except stopping.Interrupted as e:  # its worker got the signal: the whole sweep stops
                    stopped.append(i)
                    if signum is None:
                        signum = e.signum
                        _signal_workers(pool, signal.SIGTERM)
                    continue
                except Exception as e:  # noqa: BLE001 - the spec's own failure ends the sweep
                    if not isinstance(e, PhnlabError):
                        print("".join(traceback.format_exception(e)), end="", file=sys.stderr)
                    last = str(e).strip().splitlines()[-1] if str(e).strip() else ""
                    raise SpecFailed(f"{_where(specs[i])}: {type(e).__name__}: {last}") from None
                if kind == "done":
                    finish(i, result)
                else:
                    queue.found_locked(i)
            if broken:
                pool.shutdown(wait=True)
                pool = new_pool()
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    if signum is not None:
        raise stopping.Interrupted(
            f"sweep stopped by {signal.Signals(signum).name}: {len(todo) - len(queue) - len(stopped)} of {len(todo)} "
            f"runs to compute finished, {len(stopped)} stopped at their last checkpoint; run the same command "
            "again to resume", signum)


def _signal_workers(pool, signum) -> None:
    for proc in list(getattr(pool, "_processes", {}).values()):  # the executor has no public signal
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signum)


def _where(spec) -> str:
    return f"{spec.strategy} k={spec.freeze_depth} seed {spec.seed} ({spec.key()})"


def _stop(pool) -> None:
    """Stop a pool now: its workers are killed (their specs keep their last checkpoints)."""
    for proc in list(getattr(pool, "_processes", {}).values()):  # the executor has no public kill
        proc.kill()
    pool.shutdown(wait=True, cancel_futures=True)


# ---- Slurm through submitit ----------------------------------------------------------------------
class SlurmRun:
    """One Slurm job: run the spec, waiting while another process holds its lock. On preemption or a
    timeout submitit calls `checkpoint`, which requeues the same call: the run resumes from the checkpoint
    of its last finished experience."""

    def __call__(self, spec, run_fn, kwargs, poll_s):
        from .store import SpecLocked

        while True:
            try:
                return run_fn(spec, **kwargs)
            except SpecLocked:
                time.sleep(poll_s)

    def checkpoint(self, *args, **kwargs):
        import submitit

        return submitit.helpers.DelayedSubmission(self, *args, **kwargs)


def _run_slurm(specs, todo, run_fn, kwargs, slurm_kwargs, finish, poll_s, cluster) -> None:
    if not todo:
        return
    try:
        import submitit
    except ImportError:
        raise BadInput("--executor slurm needs submitit (pip install submitit)") from None
    cluster = cluster or "slurm"
    if cluster == "slurm" and shutil.which("sbatch") is None:
        raise BadInput("--executor slurm needs Slurm, but sbatch is not on PATH here; use --executor local")
    folder = Path(kwargs["results_dir"]) / "_submitit"
    ex = submitit.AutoExecutor(folder=folder, cluster=cluster)
    try:
        ex.update_parameters(**{"name": "phnlab", **slurm_kwargs})
    except (NameError, AssertionError) as e:
        raise BadInput(f"bad Slurm parameters {sorted(slurm_kwargs)}: {str(e).splitlines()[0]}") from None
    n = len(todo)
    jobs = ex.map_array(SlurmRun(), [specs[i] for i in todo], [run_fn] * n, [kwargs] * n, [poll_s] * n)
    failures = []
    for i, job in zip(todo, jobs):
        try:
            finish(i, job.result())
        except Exception as e:  # noqa: BLE001 - one failed job does not stop the others
            lines = str(e).strip().splitlines()
            failures.append(f"job {job.job_id} ({specs[i].key()}): {lines[-1] if lines else type(e).__name__}")
    if failures:
        raise SpecFailed(f"{len(failures)} of {n} Slurm jobs failed (logs in {folder}); first: {failures[0]}")
