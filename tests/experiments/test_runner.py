import json
import os
import signal
import subprocess
import sys
import time

import pytest

from phnlab.errors import BadInput
from phnlab.experiments.runner import run
from phnlab.experiments.spec import RunSpec
from phnlab.experiments.store import ResultsStore, SpecLocked


def test_a_finished_spec_is_read_not_recomputed(tmp_path, tiny_spec, data_root):
    spec = tiny_spec("naive", 0)
    first = run(spec, results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True)
    assert first.computed and len(first.metrics["accuracy_matrix"]) == 3
    assert len(first.metrics["epoch_curves"]) == 3  # one epoch per experience
    again = run(spec, results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True)
    assert not again.computed and again.metrics == first.metrics
    assert not (tmp_path / spec.key() / "checkpoint.pt").exists()


def test_reading_a_stored_run_does_not_import_avalanche(tmp_path, tiny_spec):
    """The book's chapters read runs the sweep stored: through the runner, without Avalanche's imports."""
    spec = tiny_spec("hn", 3)
    ResultsStore(tmp_path).save_metrics(spec, {"label": "HN-3", "accuracy_matrix": [[0.5]]})
    code = ("import sys; from phnlab.experiments.runner import run; from phnlab.experiments.spec import RunSpec; "
            f"r = run(RunSpec.from_dict({spec.to_dict()!r}), results_dir={str(tmp_path)!r}, quiet=True); "
            "print(r.computed, r.metrics['label'], 'avalanche' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "HN-3", "False"]


def test_the_final_model_can_be_loaded_and_reproduces_the_last_row(tmp_path, tiny_spec, data_root):
    from phnlab.data.streams import build_stream
    from phnlab.experiments.runner import load_model
    from phnlab.strategies import predict
    from phnlab.strategies.tensors import TensorView

    spec = tiny_spec("hn", 2)
    result = run(spec, results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True)
    model = load_model(spec, results_dir=tmp_path)
    assert model.frozen
    stream = build_stream("split", preset=spec.resolved_preset(), seed=0, data_root=data_root)
    last = [predict(model, TensorView(e), batch_size=32, device="cpu") for e in stream.experiences]
    assert last == result.metrics["accuracy_matrix"][-1]
    assert load_model(tiny_spec("naive", 0), results_dir=tmp_path) is None


def test_a_run_keeps_the_checkpoint_it_was_asked_to_keep(tmp_path, tiny_spec, data_root):
    """A finished run drops its checkpoint; one that the store was asked to keep (Figure 6's) stays, the same
    as the checkpoint of a run stopped there."""
    import torch

    spec = tiny_spec("hn", 2)
    store = ResultsStore(tmp_path / "kept")
    store.keep_after(spec, 2)
    result = run(spec, results_dir=store.root, device="cpu", data_root=data_root, quiet=True)
    kept = store.load_kept(spec, 2)
    assert kept["next"] == 2 and kept["acc"] == result.metrics["accuracy_matrix"][:2]
    assert store.load_checkpoint(spec) is None and store.load_kept(spec, 1) is None and store.load_kept(spec, 3) is None
    run(spec, results_dir=tmp_path / "stopped", device="cpu", data_root=data_root, quiet=True, stop_after=2)
    stopped = ResultsStore(tmp_path / "stopped").load_checkpoint(spec)
    assert stopped["model"].keys() == kept["model"].keys()
    assert all(torch.equal(stopped["model"][k], kept["model"][k]) for k in kept["model"])


@pytest.mark.parametrize("strategy, k, changes", [("hn", 3, {}), ("lr", 2, {}), ("ewc", 0, {}),
                                                  ("lr", 2, {"bn_policy": "running"}),
                                                  ("hn", 2, {"bn_policy": "running"})])
def test_resume_after_an_interruption_equals_an_uninterrupted_run(tmp_path, tiny_spec, data_root, strategy, k,
                                                                   changes):
    spec = tiny_spec(strategy, k, **changes)
    whole = run(spec, results_dir=tmp_path / "a", device="cpu", data_root=data_root, quiet=True).metrics
    part = run(spec, results_dir=tmp_path / "b", device="cpu", data_root=data_root, quiet=True, stop_after=1)
    assert len(part.metrics["accuracy_matrix"]) == 1
    resumed = run(spec, results_dir=tmp_path / "b", device="cpu", data_root=data_root, quiet=True)
    assert resumed.resumed_from == 1
    assert resumed.metrics["accuracy_matrix"] == whole["accuracy_matrix"]
    assert resumed.metrics["cosines"] == whole["cosines"]
    assert len(resumed.metrics["curve_eval_s"]) == 3 and all(e > 0 for e in resumed.metrics["curve_eval_s"])
    assert whole["bn_policy"] == changes.get("bn_policy", "population") and whole["eval_batch_size"] == 32


KILL_SCRIPT = """
import sys
from phnlab.experiments.runner import run
from phnlab.experiments.spec import RunSpec
import json
spec = RunSpec.from_dict(json.loads(sys.argv[1]))
run(spec, results_dir=sys.argv[2], device="cpu", data_root=sys.argv[3], quiet=True)
"""


def test_kill_9_mid_run_resumes_from_the_last_finished_experience(tmp_path, tiny_spec, data_root):
    spec = tiny_spec("hn", 4, epochs=2)
    results = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, json.dumps(spec.to_dict()), str(results),
                             str(data_root)])
    ckpt = results / spec.key() / "checkpoint.pt"
    deadline = time.time() + 120
    while not ckpt.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert ckpt.exists(), "no checkpoint was written"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = ResultsStore(results)
    assert store.metrics(spec) is None  # nothing finished, nothing half-written
    resumed = run(spec, results_dir=results, device="cpu", data_root=data_root, quiet=True)
    assert resumed.resumed_from >= 1
    whole = run(spec, results_dir=tmp_path / "whole", device="cpu", data_root=data_root, quiet=True)
    assert resumed.metrics["accuracy_matrix"] == whole.metrics["accuracy_matrix"]


def test_corrupt_metrics_are_reported_and_recomputed(tmp_path, tiny_spec, data_root, capsys):
    spec = tiny_spec("naive", 0)
    first = run(spec, results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True)
    path = tmp_path / spec.key() / "metrics.json"
    doc = json.loads(path.read_text())
    doc["payload"]["aca"] = 0.99  # tampered: checksum no longer matches
    path.write_text(json.dumps(doc))
    again = run(spec, results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True)
    assert again.computed and again.metrics["aca"] == first.metrics["aca"]
    assert "corrupt result file" in capsys.readouterr().err
    path.write_text('{"checksum": "x", "payl')  # truncated
    assert ResultsStore(tmp_path).metrics(spec) is None


def test_a_locked_spec_is_not_run_twice(tmp_path, tiny_spec, data_root):
    spec = tiny_spec("naive", 0)
    store = ResultsStore(tmp_path)
    with store.lock(spec):
        with pytest.raises(SpecLocked):
            run(spec, results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True)
    assert store.metrics(spec) is None


def test_spec_hash_ignores_irrelevant_options_and_bad_specs_fail(tiny_spec):
    assert RunSpec("split", "lr", 2, lookahead="second").key() == RunSpec("split", "lr", 2).key()
    assert RunSpec("split", "hn", 2, lookahead="second").key() != RunSpec("split", "hn", 2).key()
    for kwargs, fragment in [
        (dict(stream="rotated", strategy="hn"), "unknown stream"),
        (dict(stream="split", strategy="hn", freeze_depth=9), "allowed: 0, 1, 2, 3, 4"),
        (dict(stream="split", strategy="hn", lookahead="zeroth"), "allowed: none, first, second"),
        (dict(stream="split", strategy="hn", preset="huge"), "unknown preset"),
        (dict(stream="split", strategy="hn", overrides=(("epoch", 1),)), "unknown preset field"),
    ]:
        with pytest.raises(BadInput, match=fragment):
            RunSpec(**kwargs)


def test_results_dir_that_is_a_file_is_bad_input(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(BadInput, match="not a directory"):
        ResultsStore(f)


@pytest.mark.parametrize("strategy,k,expected", [("lr", 2, [False, True, True]), ("hn", 3, [False, True, True]),
                                                 ("naive", 0, [True, True, True])])
def test_a_matrix_row_taken_from_the_last_curve_point_equals_a_new_evaluation(strategy, k, expected, tmp_path,
                                                                              tiny_spec, data_root, monkeypatch):
    """The row after experience e is the last epoch's curve point unless the model changed after that epoch
    (LR and HN freeze and recalibrate their prefix at the end of experience 1): then it is evaluated again."""
    from phnlab.experiments import recording

    spec, reused = tiny_spec(strategy, k), []
    original = recording.CurveRecorder.last_point_if_current

    def spy(self, model, experience):
        row = original(self, model, experience)
        reused.append(bool(row))
        return row

    monkeypatch.setattr(recording.CurveRecorder, "last_point_if_current", spy)
    fast = run(spec, results_dir=tmp_path / "reused", device="cpu", data_root=data_root, quiet=True)
    monkeypatch.setattr(recording.CurveRecorder, "last_point_if_current", lambda self, model, experience: [])
    slow = run(spec, results_dir=tmp_path / "evaluated", device="cpu", data_root=data_root, quiet=True)
    assert reused == expected
    assert fast.metrics["accuracy_matrix"] == slow.metrics["accuracy_matrix"]
    assert fast.metrics["epoch_curves"] == slow.metrics["epoch_curves"]


def test_the_curves_evaluation_time_is_measured_within_each_experience(tmp_path, tiny_spec, data_root):
    curves = run(tiny_spec("lr", 2), results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True).metrics
    assert all(0 < e < t for e, t in zip(curves["curve_eval_s"], curves["time_per_experience_s"], strict=True))
    none = run(tiny_spec("lr", 2, curve_every_epoch=False), results_dir=tmp_path, device="cpu", data_root=data_root,
               quiet=True).metrics
    assert none["curve_eval_s"] == [0.0, 0.0, 0.0] and none["epoch_curves"] == []
    assert curves["cpu_time_s"] > 0 and none["cpu_time_s"] > 0  # the CPU seconds beside the wall seconds


@pytest.mark.parametrize("strategy,k,policy", [("naive", 0, "population"), ("lr", 2, "running"), ("hn", 3, "batch")])
def test_curves_change_what_a_run_records_not_what_it_trains(strategy, k, policy, tmp_path, tiny_spec, data_root):
    """`spec.RECORDING_ONLY`: the chapters read a run without curves where one with them trained the same."""
    from phnlab.experiments.spec import RECORDING_ONLY

    assert RECORDING_ONLY == ("curve_every_epoch", "curve_experiences")
    on, first, off = (tiny_spec(strategy, k, epochs=2, bn_policy=policy, **flags)
                      for flags in ({}, {"curve_experiences": 1}, {"curve_every_epoch": False}))
    assert len({on.key(), first.key(), off.key()}) == 3 and on.trained().key() == first.trained().key() == off.trained().key()
    with_curves, first_only, without = (run(s, results_dir=tmp_path, device="cpu", data_root=data_root,
                                            quiet=True).metrics for s in (on, first, off))
    assert with_curves["epoch_curves"] and not without["epoch_curves"]
    assert with_curves["accuracy_matrix"] == first_only["accuracy_matrix"] == without["accuracy_matrix"]
    # experience 1's curve alone, the same points as in the full curves
    assert [p["accuracy"] for p in first_only["epoch_curves"]] == [p["accuracy"][:1] for p in with_curves["epoch_curves"]]
