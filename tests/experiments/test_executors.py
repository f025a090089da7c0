"""Scale-out: the local worker pool and submitit, with a cheap fake run in place of training.

The fake run behaves as `runner.run` does towards the store: it returns stored metrics, takes the
spec's lock (raising SpecLocked when another process holds it), "trains" by sleeping, then stores
metrics. Every start and end is appended to `ran.log` in the results directory, with the pid.
Workers get `FakeSpec`s: a `RunSpec` computes its key through validation that imports Avalanche
(seconds per fresh process); the executors need only `key()` (and the store `to_dict`, `label`).
"""

import multiprocessing as mp
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from phnlab.cli import main
from phnlab.errors import BadInput
from phnlab.experiments.executors import SpecFailed, run_specs, worker_devices
from phnlab.experiments.store import ResultsStore

SLEEP = "PHNLAB_TEST_SLEEP"  # seconds the fake run "trains"
DIE_ONCE = "PHNLAB_TEST_DIE_ONCE"  # spec key whose first run SIGKILLs its own process
FAIL = "PHNLAB_TEST_FAIL"  # spec key whose run raises BadInput


@dataclass(frozen=True)
class FakeSpec:
    seed: int
    strategy: str = "naive"
    freeze_depth: int = 0
    stream: str = "split"

    def key(self) -> str:
        return f"fake{self.seed:04d}"

    def to_dict(self) -> dict:
        return asdict(self)

    def label(self) -> str:
        return "Fake"


@dataclass
class FakeResult:
    spec: FakeSpec
    metrics: dict
    computed: bool


def _log(results_dir, what, key):
    line = f"{what} {key} {os.getpid()} {time.time():.6f}\n".encode()
    fd = os.open(Path(results_dir) / "ran.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def fake_run(spec, *, results_dir, device, data_root, quiet):
    store = ResultsStore(results_dir)
    done = store.metrics(spec)
    if done is not None:
        return FakeResult(spec, done, computed=False)
    with store.lock(spec):
        done = store.metrics(spec)
        if done is not None:
            return FakeResult(spec, done, computed=False)
        key = spec.key()
        _log(results_dir, "start", key)
        if os.environ.get(FAIL) == key:
            raise BadInput("no such data set here")
        marker = Path(results_dir) / f"died-{key}"
        if os.environ.get(DIE_ONCE) == key and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(float(os.environ.get(SLEEP, "0")))
        metrics = {"label": "fake", "aca": 0.5, "forgetting": 0.1, "wall_time_s": 0.0, "device": device}
        store.save_metrics(spec, metrics)
        _log(results_dir, "end", key)
        return FakeResult(spec, metrics, computed=True)


def _events(results_dir):
    path = Path(results_dir) / "ran.log"
    rows = [line.split() for line in path.read_text().splitlines()] if path.exists() else []
    return [(what, key, int(pid), float(t)) for what, key, pid, t in rows]


def _count(events, what, key):
    return sum(1 for w, k, _, _ in events if w == what and k == key)


def _specs(n):
    return [FakeSpec(seed=i) for i in range(n)]


def _sweep_in_process(results_dir, seeds, jobs, env):
    """Target of a separate process: one sweep, as `phnlab sweep` would run it."""
    os.environ.update(env)
    run_specs(_specs(max(seeds) + 1)[min(seeds):], jobs=jobs, results_dir=results_dir, device="cpu",
              run_fn=fake_run, poll_s=0.2)


def _start(target, *args):
    p = mp.get_context("spawn").Process(target=target, args=args)
    p.start()
    return p


def test_pool_runs_every_spec_exactly_once_and_then_reads_the_store(tmp_path, monkeypatch):
    monkeypatch.setenv(SLEEP, "0.3")
    specs = _specs(4)
    seen, started = [], []
    results = run_specs(specs + specs[:1], jobs=2, results_dir=tmp_path, device="cpu", run_fn=fake_run,
                        on_result=lambda i, spec, r: seen.append(i), on_start=lambda i, spec: started.append(i))
    assert sorted(started) == [0, 1, 2, 3]  # each distinct spec handed out once
    events = _events(tmp_path)
    assert all(_count(events, "end", s.key()) == 1 for s in specs)
    assert len({pid for *_, pid, _ in events}) == 2  # both workers took specs
    assert all(r.computed for r in results) and results[4] is results[0] and sorted(seen) == [0, 1, 2, 3, 4]
    again = run_specs(specs, jobs=2, results_dir=tmp_path, device="cpu", run_fn=fake_run)
    assert not any(r.computed for r in again) and _events(tmp_path) == events  # no worker, no run


def test_the_lock_keeps_two_sweeps_off_one_spec(tmp_path):
    env = {SLEEP: "1.0"}
    procs = [_start(_sweep_in_process, str(tmp_path), [0, 1], 1, env) for _ in range(2)]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    events = _events(tmp_path)
    for s in _specs(2):
        spans = [(t, w) for w, k, _, t in events if k == s.key()]
        assert [w for _, w in sorted(spans)] == ["start", "end"], events  # once, never overlapping
    assert len({pid for *_, pid, _ in events}) == 2  # the second sweep moved on to the free spec


def test_a_locked_spec_is_passed_over_then_retried(tmp_path, capsys):
    import threading

    a, b = _specs(2)
    store = ResultsStore(tmp_path)
    out = {}
    with store.lock(a):  # another process computing `a` (an flock of its own open file)
        t = threading.Thread(target=lambda: out.update(r=run_specs([a, b], results_dir=tmp_path, device="cpu",
                                                                   run_fn=fake_run, poll_s=0.05)))
        t.start()
        deadline = time.monotonic() + 20
        while not _count(_events(tmp_path), "end", b.key()) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _count(_events(tmp_path), "end", b.key()) == 1 and not _count(_events(tmp_path), "start", a.key())
    t.join(20)
    assert [r.computed for r in out["r"]] == [True, True]
    assert "waiting for 1 run(s) that another process is computing" in capsys.readouterr().err


def test_a_killed_sweep_leaves_its_spec_to_a_later_call(tmp_path, monkeypatch):
    spec = _specs(1)[0]
    p = _start(_sweep_in_process, str(tmp_path), [0], 1, {SLEEP: "60"})
    deadline = time.monotonic() + 60
    while not _count(_events(tmp_path), "start", spec.key()) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)  # mid-run, holding the spec's lock
    p.join()
    assert ResultsStore(tmp_path).metrics(spec) is None
    monkeypatch.setenv(SLEEP, "0")
    (r,) = run_specs([spec], results_dir=tmp_path, device="cpu", run_fn=fake_run)
    assert r.computed and _count(_events(tmp_path), "start", spec.key()) == 2
    assert _count(_events(tmp_path), "end", spec.key()) == 1


def test_the_pool_hands_out_again_the_spec_of_a_dead_worker(tmp_path, monkeypatch):
    specs = _specs(3)
    monkeypatch.setenv(SLEEP, "0.2")
    monkeypatch.setenv(DIE_ONCE, specs[1].key())
    results = run_specs(specs, jobs=2, results_dir=tmp_path, device="cpu", run_fn=fake_run)
    events = _events(tmp_path)
    # a spec the other worker had finished when the pool broke is read back from the store
    assert all(r.metrics["aca"] == 0.5 for r in results) and results[1].computed
    assert [_count(events, "end", s.key()) for s in specs] == [1, 1, 1]
    assert _count(events, "start", specs[1].key()) == 2


def test_a_failing_spec_stops_the_pool_with_one_line(tmp_path, monkeypatch):
    specs = _specs(3)
    monkeypatch.setenv(FAIL, specs[0].key())
    with pytest.raises(SpecFailed, match="BadInput: no such data set here"):
        run_specs(specs, jobs=2, results_dir=tmp_path, device="cpu", run_fn=fake_run)


def test_slurm_executor_through_submitits_local_cluster(tmp_path, monkeypatch):
    pytest.importorskip("submitit")
    # submitit's jobs are fresh interpreters: they must import this module by its name
    here = Path(__file__).resolve().parents[len(__name__.split(".")) - 1]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(here), os.environ.get("PYTHONPATH", "")]))
    specs = _specs(2)
    run_specs(specs[:1], results_dir=tmp_path, device="cpu", run_fn=fake_run)  # one is stored already
    results = run_specs(specs, executor="slurm", submitit_cluster="local", results_dir=tmp_path, device="cpu",
                        run_fn=fake_run, slurm_kwargs={"timeout_min": 5})
    assert [r.computed for r in results] == [False, True]
    events = _events(tmp_path)
    assert [_count(events, "end", s.key()) for s in specs] == [1, 1]
    assert (tmp_path / "_submitit").is_dir()


def test_real_run_specs_pass_through_the_pool_unchanged():
    import pickle

    from phnlab.experiments.spec import RunSpec

    spec = RunSpec("split", "hn", 4, "second", seed=2)
    assert pickle.loads(pickle.dumps(spec)) == spec and pickle.loads(pickle.dumps(spec)).key() == spec.key()


def test_devices_and_bad_options(tmp_path, monkeypatch, capsys):
    assert worker_devices("auto", 3, cuda_count=2) == ["cuda:0", "cuda:1", "cuda:0"]
    assert worker_devices("cuda", 2, cuda_count=4) == ["cuda:0", "cuda:1"]
    assert worker_devices("cpu", 2, cuda_count=2) == ["cpu", "cpu"]
    assert worker_devices("cuda:1", 2, cuda_count=2) == ["cuda:1", "cuda:1"]
    assert worker_devices("auto", 2, cuda_count=1) == ["auto", "auto"]
    with pytest.raises(BadInput, match="--jobs"):
        run_specs([], jobs=0, results_dir=tmp_path)
    with pytest.raises(BadInput, match="allowed: local, slurm"):
        run_specs([], executor="k8s", results_dir=tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # no sbatch here
    with pytest.raises(BadInput, match="sbatch"):
        run_specs(_specs(1), executor="slurm", results_dir=tmp_path, run_fn=fake_run)
    for argv, fragment in [(["--jobs", "0"], "--jobs must be"), (["--executor", "k8s"], "--executor 'k8s' is not allowed; allowed: local, slurm"),
                           (["--slurm", "oops"], "KEY=VALUE")]:
        assert main(["sweep", "table4", "--results-dir", str(tmp_path), *argv]) == 2
        err = capsys.readouterr().err
        assert fragment in err and err.count("\n") == 1, err


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))


def test_the_pool_hands_out_the_longest_runs_first_and_keeps_the_specs_order(tmp_path):
    from phnlab.experiments.spec import RunSpec

    short = RunSpec("split", "lr", 4, preset="ci")
    middle = RunSpec("split", "hn", 2, preset="ci")
    longest = RunSpec("split", "naive", 0, preset="ci", overrides=(("epochs", 8),))
    started = []
    results = run_specs([short, middle, longest], jobs=2, results_dir=tmp_path, device="cpu", run_fn=fake_run,
                        on_start=lambda i, spec: started.append(i))
    assert started == [2, 1, 0]
    assert [r.spec for r in results] == [short, middle, longest]
