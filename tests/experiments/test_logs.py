"""`--log`: a run's curves through Avalanche's loggers, beside it in the store; the result is unchanged."""

import pytest

from phnlab.cli import main
from phnlab.experiments.runner import run


def test_a_tensorboard_log_holds_the_test_accuracies_the_run_measured(tmp_path, tiny_spec, data_root):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    spec = tiny_spec("hn", 3)
    logged = run(spec, results_dir=tmp_path / "logged", device="cpu", data_root=data_root, quiet=True,
                 log="tensorboard").metrics
    plain = run(spec, results_dir=tmp_path / "plain", device="cpu", data_root=data_root, quiet=True).metrics
    assert logged["accuracy_matrix"] == plain["accuracy_matrix"]  # logging changes nothing the run computes
    assert not (tmp_path / "plain" / spec.key() / "logs").exists()
    events = EventAccumulator(str(tmp_path / "logged" / spec.key() / "logs" / "tensorboard")).Reload()
    tags = events.Tags()["scalars"]
    exp1 = "Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp000"
    assert exp1 in tags and any(t.startswith("Loss_Epoch/train_phase") for t in tags)
    seen = [e.value for e in events.Scalars(exp1)]  # after experiences 1, 2 and 3
    assert seen == pytest.approx([row[0] for row in logged["accuracy_matrix"]], abs=1e-6)


def test_a_csv_log_writes_avalanches_files(tmp_path, tiny_spec, data_root):
    spec = tiny_spec("naive", 0)
    run(spec, results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True, log="csv")
    folder = tmp_path / spec.key() / "logs" / "csv"
    assert (folder / "training_results.csv").read_text().count("\n") > 1
    assert (folder / "eval_results.csv").read_text().count("\n") > 1


@pytest.mark.parametrize("argv, fragment", [
    (["--log", "mlflow"], "--log 'mlflow' is not allowed; allowed: tensorboard, csv, wandb"),
    (["--log", "tensorboard"], "needs the tensorboard package, which is not installed: pip install 'phnlab[logging]'"),
])
def test_an_unknown_or_missing_logger_is_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch, argv, fragment):
    import importlib.util

    find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else find(name, *a))
    rc = main(["run", "--stream", "split", "--strategy", "naive", "--preset", "ci", "--results-dir",
               str(tmp_path / "r"), *argv])
    err = capsys.readouterr().err
    assert rc == 2 and fragment in err and err.count("\n") == 1
    assert not (tmp_path / "r").exists()


def test_a_wandb_log_is_written_offline(tmp_path, tiny_spec, data_root, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")  # nothing leaves the machine
    monkeypatch.setenv("WANDB_SILENT", "true")
    spec = tiny_spec("naive", 0, epochs=1)
    run(spec, results_dir=tmp_path, device="cpu", data_root=data_root, quiet=True, log="wandb")
    (events,) = (tmp_path / spec.key() / "logs" / "wandb").rglob("*.wandb")
    assert b"Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp000" in events.read_bytes()  # the history's keys


def test_a_script_naming_an_unknown_logger_gets_the_same_line(tmp_path, tiny_spec):
    """`runner.run(spec, log="tb")` must not fall through to W&B."""
    from phnlab.errors import BadInput
    from phnlab.experiments.logs import make_evaluator

    with pytest.raises(BadInput, match="--log 'tb' is not allowed; allowed: tensorboard, csv, wandb"):
        make_evaluator("tb", tmp_path, tiny_spec)
    assert not (tmp_path / "logs").exists()
