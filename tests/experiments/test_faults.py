"""Faults a long sweep meets: SIGTERM / SIGINT, a full disk, a worker killed mid-run, two runs of one spec.

Signals are sent at chosen training steps (from the runner's per-step hook), never after sleeps.
"""

import errno
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from phnlab import files
from phnlab.cli import main
from phnlab.experiments import runner, stopping
from phnlab.experiments.executors import run_specs
from phnlab.experiments.store import ResultsStore

pytestmark = pytest.mark.slow


def _argv(spec, results_dir, data_root, *extra):
    """`phnlab run` for a tiny spec: its preset overrides as --set FIELD=VALUE."""
    sets = [a for k, v in spec.overrides for a in ("--set", f"{k}={v}")]
    return ["run", "--stream", spec.stream, "--strategy", spec.strategy, "--freeze-depth", str(spec.freeze_depth),
            "--seed", str(spec.seed), "--preset", spec.preset, *sets, "--results-dir", str(results_dir),
            "--data-root", str(data_root), "--device", "cpu", "--quiet", *extra]


def _signal_at_step(monkeypatch, step: int, signum=signal.SIGTERM):
    """Send `signum` to this process after the `step`-th training step (counted over the whole run)."""
    from phnlab.experiments import plugins  # Avalanche: not in the workers that import this module for a fake run

    original = plugins.StopOnSignal.after_training_iteration
    seen = {"steps": 0, "handler_after": None}

    def after(self, strategy, **kwargs):
        seen["steps"] += 1
        if seen["steps"] == step:
            os.kill(os.getpid(), signum)
            seen["handler_after"] = signal.getsignal(signum)
        return original(self, strategy, **kwargs)

    monkeypatch.setattr(plugins.StopOnSignal, "after_training_iteration", after)
    return seen


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_at_a_step_and_the_resume_gives_the_same_matrix(tmp_path, tiny_spec, data_root, monkeypatch,
                                                                       capsys, signum):
    spec = tiny_spec("hn", 3)
    reference = runner.run(spec, results_dir=tmp_path / "ref", device="cpu", data_root=data_root, quiet=True)
    before = signal.getsignal(signum)
    seen = _signal_at_step(monkeypatch, 7, signum)  # 48 images in batches of 16: step 7 begins experience 3
    rc = main(_argv(spec, tmp_path / "r", data_root))
    err = capsys.readouterr().err
    assert rc == 128 + signum and err.count("\n") == 1
    assert f"stopped by {signal.Signals(signum).name} during experience 3 of 3" in err
    assert "keeps its checkpoint after experience 2: run the same command again to resume" in err
    assert seen["handler_after"] in (signal.SIG_DFL, signal.default_int_handler)  # a second signal acts at once
    assert signal.getsignal(signum) == before  # restored after the command
    store = ResultsStore(tmp_path / "r")
    assert store.metrics(spec) is None and store.load_checkpoint(spec)["next"] == 2
    monkeypatch.undo()
    assert main(_argv(spec, tmp_path / "r", data_root)) == 0
    assert store.metrics(spec)["accuracy_matrix"] == reference.metrics["accuracy_matrix"]


def test_a_full_disk_while_checkpointing_is_one_error_and_the_last_checkpoint_stays(tmp_path, tiny_spec, data_root,
                                                                                     monkeypatch, capsys):
    spec = tiny_spec("lr", 2)
    real = files.atomic_write
    writes = {"checkpoint.pt": 0}

    def half_then_full(f):
        f.write(b"half a checkpoint")
        raise OSError(errno.ENOSPC, "No space left on device")

    def flaky(path, write):
        if Path(path).name == "checkpoint.pt":
            writes["checkpoint.pt"] += 1
            if writes["checkpoint.pt"] == 2:  # the checkpoint after experience 2
                return real(path, half_then_full)
        return real(path, write)

    monkeypatch.setattr(files, "atomic_write", flaky)
    rc = main(_argv(spec, tmp_path, data_root))
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "No space left on device" in err and "checkpoint.pt" in err
    store = ResultsStore(tmp_path)
    assert store.load_checkpoint(spec)["next"] == 1  # the previous checkpoint, whole
    assert store.metrics(spec) is None
    assert not [p.name for p in (tmp_path / spec.key()).iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    result = runner.run(spec, results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True)
    assert result.computed and result.resumed_from == 1


def die_after_the_first_experience(spec, **kwargs):
    """A worker's run that checkpoints experience 1, then is killed (-9) once; the retry runs normally."""
    marker = Path(kwargs["results_dir"]) / f"killed-{spec.key()}"
    if spec.strategy == "hn" and not marker.exists():
        runner.run(spec, stop_after=1, **kwargs)
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return runner.run(spec, **kwargs)


def test_a_sweep_worker_killed_mid_run_is_resumed_from_its_checkpoint(tmp_path, tiny_spec, data_root):
    specs = [tiny_spec("hn", 3), tiny_spec("naive", 0)]
    results = run_specs(specs, jobs=2, results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True,
                        run_fn=die_after_the_first_experience)
    assert (tmp_path / f"killed-{specs[0].key()}").exists() and results[0].computed
    assert results[0].resumed_from == 1  # not started again
    # the other worker's spec: stored before the pool broke (read back) or run again, never lost
    assert len(results[1].metrics["accuracy_matrix"]) == 3
    assert len(results[0].metrics["accuracy_matrix"]) == 3


def stepping_run(spec, *, results_dir, device, data_root, quiet):
    """A fake run of 400 short steps that stops at a step boundary on a signal, as the runner does."""
    for _ in range(400):
        time.sleep(0.01)
        stopping.check()
    return runner.RunResult(spec, {"label": "fake"}, computed=True)


def test_a_signalled_sweep_stops_its_workers_and_says_how_to_resume(tmp_path, tiny_spec):
    specs = [tiny_spec("naive", 0, seed=s) for s in range(3)]
    started = []

    def on_start(i, spec):
        started.append(i)
        if len(started) == 2:  # both workers busy: the sweep is told to stop
            os.kill(os.getpid(), signal.SIGTERM)

    with stopping.graceful(), pytest.raises(stopping.Interrupted, match="sweep stopped by SIGTERM") as stop:
        run_specs(specs, jobs=2, results_dir=tmp_path, device="cpu", run_fn=stepping_run, on_start=on_start)
    assert stop.value.signum == signal.SIGTERM and "run the same command again to resume" in str(stop.value)
    assert started == [0, 1]  # the third was never handed out


def test_run_waits_for_another_process_then_prints_its_result(tmp_path, tiny_spec, data_root, capsys):
    spec = tiny_spec("naive", 0)
    store = ResultsStore(tmp_path)
    metrics = {"label": "Naive", "aca": 0.5, "forgetting": 0.1, "learning_accuracy": 0.6, "wall_time_s": 1.0,
               "accuracy_matrix": [[0.5]], "memory_bytes": 0, "device": "cpu"}
    held, release = threading.Event(), threading.Event()

    def other_process():
        with store.lock(spec):
            held.set()
            release.wait(30)
            store.save_metrics(spec, metrics)

    t = threading.Thread(target=other_process)
    t.start()
    held.wait(10)
    assert main(_argv(spec, tmp_path, data_root, "--no-wait")) == 2
    assert "is being computed by another process" in capsys.readouterr().err
    threading.Timer(0.5, release.set).start()
    assert main(_argv(spec, tmp_path, data_root, "--json")) == 0
    t.join(10)
    out, err = capsys.readouterr()
    assert "waiting for it" in err and '"computed": false' in out and '"aca": 0.5' in out


def test_slurm_jobs_requeue_themselves_on_preemption():
    import submitit
    from phnlab.experiments.executors import SlurmRun

    job = SlurmRun()
    again = job.checkpoint("spec", "run_fn", {"results_dir": "r"}, 2.0)
    assert isinstance(again, submitit.helpers.DelayedSubmission)
    assert again.function is job and again.args == ("spec", "run_fn", {"results_dir": "r"}, 2.0)
