"""Run many specs at once: N local worker processes (one per GPU where several exist) or Slurm jobs.

Every worker calls the runner (`runner.run`), which skips stored specs and holds the spec's lock
(`ResultsStore.lock`, an fcntl lock that dies with its process) while it computes. So any number of
workers, in one sweep or in several sweeps started side by side, never run one spec twice:

- a worker that finds a spec locked reports it and takes the next one; locked specs are tried
  again at the end, until another worker has stored them or their lock is free;
- a worker that dies (killed, out of memory) leaves its spec unlocked, with the checkpoint of its
  last finished experience: the spec is handed out again (once) in the same call, and any later
  call resumes it.

`executor="slurm"` submits one job per spec that is not stored through submitit (a job array),
and waits for them; a job that finds its spec locked waits for the lock.
"""

from __future__ import annotations

import collections
import os
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ..errors import BadInput, PhnlabError

if TYPE_CHECKING:  # a worker process imports no more than it needs
    from .spec import RunSpec

__all__ = ["EXECUTORS", "run_specs", "worker_devices", "SpecFailed"]

EXECUTORS = ("local", "slurm")
POLL_S = 2.0  # how often locked specs are tried again
RESTARTS_PER_SPEC = 1  # a spec whose worker died is handed out again this many times in one call


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
              submitit_cluster: str | None = None, on_start: Callable | None = None) -> list:
    """Run every spec (stored ones are read, not recomputed); one `RunResult` per spec, in order.

    `run_fn(spec, *, results_dir, device, data_root, quiet)` runs one spec (default `runner.run`;
    tests inject a cheap one; it must be importable by name from a fresh process).
    `on_result(i, spec, result)` is called in this process as each spec finishes, `on_start(i, spec)` as
    one is handed to a worker or a job (or, here, begins).
    `submitit_cluster`: None = Slurm; "local" or "debug" run submitit's jobs on this machine (tests).
    """
    from .store import ResultsStore

    _check(jobs, executor)
    specs = list(specs)
    run_fn = run_fn or _default_run()
    on_result = on_result or (lambda i, spec, result: None)
    started = (lambda i: on_start(i, specs[i])) if on_start else (lambda i: None)
    kwargs = dict(results_dir=str(results_dir), device=device, data_root=None if data_root is None else str(data_root),
                  quiet=quiet)
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


# ---- in this process ---------------------------------------------------------------------------
def _run_here(specs, todo, run_fn, kwargs, finish, poll_s, notice, started) -> None:
    """One after another; locked specs go to the back and are retried until stored or free."""
    from .store import SpecLocked

    queue = collections.deque(todo)
    locked_since_progress = 0
    while queue:
        i = queue.popleft()
        started(i)
        try:
            result = run_fn(specs[i], **kwargs)
        except SpecLocked:
            queue.append(i)
            locked_since_progress += 1
            if locked_since_progress >= len(queue):  # a full pass found only locked specs: wait
                notice.waiting(len(queue))
                time.sleep(poll_s)
                locked_since_progress = 0
            continue
        locked_since_progress = 0
        finish(i, result)


# ---- N worker processes ------------------------------------------------------------------------
def _worker(conn, run_fn, kwargs, threads) -> None:
    """Runs specs sent by the parent until it sends None; answers done / locked / error."""
    if threads:
        import torch

        torch.set_num_threads(threads)
    from .store import SpecLocked

    while True:
        msg = conn.recv()
        if msg is None:
            return
        i, spec = msg
        try:
            conn.send(("done", i, run_fn(spec, **kwargs)))
        except SpecLocked:
            conn.send(("locked", i, None))
        except BaseException as e:  # noqa: BLE001 - reported to the parent, which decides
            last = str(e).strip().splitlines()[-1] if str(e).strip() else ""
            conn.send(("error", i, (type(e).__name__, last, traceback.format_exc(),
                                    isinstance(e, PhnlabError))))
            if isinstance(e, KeyboardInterrupt):
                return


class _Worker:
    def __init__(self, ctx, run_fn, kwargs, device, threads):
        self.device = device
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, run_fn, {**kwargs, "device": device}, threads))
        self.proc.start()
        child.close()
        self.busy: int | None = None

    def send(self, i, spec):
        self.busy = i
        self.conn.send((i, spec))

    def stop(self, *, kill: bool = False):
        if kill:
            self.proc.terminate()
        else:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


def _run_pool(specs, todo, run_fn, kwargs, jobs, finish, poll_s, notice, started) -> None:
    import multiprocessing as mp
    from multiprocessing.connection import wait

    ctx = mp.get_context("spawn")
    jobs = min(jobs, len(todo))
    devices = worker_devices(kwargs["device"], jobs)
    threads = max(1, (os.cpu_count() or 1) // jobs) if all(not d.startswith("cuda") for d in devices) else None
    pending = collections.deque(todo)
    locked: collections.deque = collections.deque()  # (index, time it was found locked)
    restarts: collections.Counter = collections.Counter()
    workers = [_Worker(ctx, run_fn, kwargs, d, threads) for d in devices]
    failure = None
    try:
        while failure is None and (pending or locked or any(w.busy is not None for w in workers)):
            now = time.monotonic()
            for n, w in enumerate(workers):
                if w.busy is not None:
                    continue
                if not w.proc.is_alive():  # died between specs: replace it
                    workers[n] = w = _Worker(ctx, run_fn, kwargs, w.device, threads)
                if pending:
                    i = pending.popleft()
                elif locked and now - locked[0][1] >= poll_s:
                    i = locked.popleft()[0]
                else:
                    continue
                started(i)
                w.send(i, specs[i])
            busy = [w for w in workers if w.busy is not None]
            if not busy:  # only locked specs are left, none due yet
                notice.waiting(len(locked))
                time.sleep(max(0.0, poll_s - (time.monotonic() - locked[0][1])))
                continue
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=poll_s)
            for w in busy:
                if w.conn not in ready and w.proc.sentinel not in ready:
                    continue
                try:
                    kind, i, payload = w.conn.recv() if w.conn.poll() else (None, None, None)
                except (EOFError, OSError):  # the pipe closed: the worker is gone
                    kind = None
                if kind is not None:
                    w.busy = None
                    if kind == "done":
                        finish(i, payload)
                    elif kind == "locked":
                        locked.append((i, time.monotonic()))
                    else:
                        failure = (i, payload)
                    continue
                w.proc.join(timeout=10)
                if w.proc.is_alive():
                    continue
                i, w.busy = w.busy, None  # died mid-spec: its lock died with it
                restarts[i] += 1
                if restarts[i] > RESTARTS_PER_SPEC:
                    failure = (i, ("WorkerDied", f"its worker died (exit code {w.proc.exitcode}) "
                                   f"{restarts[i]} times", "", True))
                else:
                    pending.appendleft(i)  # hand it out again
    except BaseException:
        for w in workers:
            w.stop(kill=True)
        raise
    for w in workers:
        w.stop(kill=failure is not None)
    if failure is not None:
        i, (name, last, tb, clean) = failure
        spec = specs[i]
        where = f"{spec.strategy} k={spec.freeze_depth} seed {spec.seed} ({spec.key()})"
        if not clean:
            print(tb, end="", file=sys.stderr)
        raise SpecFailed(f"{where}: {name}: {last}")


# ---- Slurm through submitit ----------------------------------------------------------------------
def _run_blocking(spec, run_fn, kwargs, poll_s):
    """One Slurm job: run the spec, waiting while another process holds its lock."""
    from .store import SpecLocked

    while True:
        try:
            return run_fn(spec, **kwargs)
        except SpecLocked:
            time.sleep(poll_s)


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
    jobs = ex.map_array(_run_blocking, [specs[i] for i in todo], [run_fn] * n, [kwargs] * n, [poll_s] * n)
    failures = []
    for i, job in zip(todo, jobs):
        try:
            finish(i, job.result())
        except Exception as e:  # noqa: BLE001 - one failed job does not stop the others
            lines = str(e).strip().splitlines()
            failures.append(f"job {job.job_id} ({specs[i].key()}): {lines[-1] if lines else type(e).__name__}")
    if failures:
        raise SpecFailed(f"{len(failures)} of {n} Slurm jobs failed (logs in {folder}); first: {failures[0]}")
