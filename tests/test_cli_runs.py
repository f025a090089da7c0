"""`phnlab run / sweep / results` through the CLI: JSON contract and bad input."""

import json

import pytest

from phnlab.cli import main

TINY_RUN = ["--stream", "split", "--strategy", "hn", "--freeze-depth", "4", "--seed", "0", "--preset", "ci",
            "--epochs", "1", "--quiet", "--device", "cpu"]


@pytest.mark.slow
def test_run_json_then_from_the_store(tmp_path, capsys, data_root):
    args = ["run", *TINY_RUN, "--results-dir", str(tmp_path / "r"), "--data-root", str(data_root), "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"aca", "forgetting", "learning_accuracy", "accuracy_matrix", "wall_time_s"} <= set(out)
    assert out["computed"] and len(out["accuracy_matrix"]) == 4
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert not again["computed"] and again["aca"] == out["aca"]
    results = ["results", "--table", "2", "--preset", "ci", "--results-dir", str(tmp_path / "r"), "--format", "json"]
    assert main(results) == 0
    assert json.loads(capsys.readouterr().out) == []  # the preset's own schedule: not run yet
    assert main([*results, "--epochs", "1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["strategy"] for r in rows] == ["HN-4"] and rows[0]["paper_aca"] == [73.6, 0.9]
    assert main([*results, "--set", "epochs=1"]) == 0  # --set FIELD=VALUE names the same override
    assert json.loads(capsys.readouterr().out) == rows


@pytest.mark.parametrize("change, fragment", [
    (["--stream", "rotated"], "--stream 'rotated' is not allowed; allowed: split, noisy, clean, transfer"),
    (["--strategy", "sgd"], "--strategy 'sgd' is not allowed; allowed: naive, ewc, lr, hn, joint, er"),
    (["--freeze-depth", "6"], "allowed: 0, 1, 2, 3, 4"),
    (["--lookahead", "third"], "allowed: none, first, second"),
    (["--preset", "huge"], "--preset 'huge' is not allowed; allowed: ci, quick, fmnist, paper, paper-tinyimagenet"),
    (["--dataset", "mnist"], "mnist"),
    (["--device", "tpu"], "unknown device 'tpu'"),
    (["--set", "epochs=abc"], "--set epochs: 'abc' is not of type int"),
    (["--set", "speed=9"], "--set expects FIELD=VALUE with a preset field"),
    (["--set", "precision=fp8"], "allowed: fp32, bf16"),
    (["--set", "reg_tasks_per_step=0"], "reg_tasks_per_step must be a positive integer"),
    (["--set", "curve_experiences=0"], "curve_experiences must be a positive integer or None"),
    (["--set", "bn_policy=group"], "allowed: population, running, batch, authors"),
    (["--epochs", "-1"], "epochs must be a positive integer, got -1"),
    (["--set", "batch_size=0"], "batch_size must be a positive integer, got 0"),
    (["--set", "ewc_lambda=2.0"], "--set ewc_lambda: a hyperparameter of ewc, not of hn"),
])
def test_run_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, change, fragment):
    results = tmp_path / "r"
    rc = main(["run", *TINY_RUN, *change, "--results-dir", str(results), "--data-root", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert rc == 2 and fragment in err and err.count("\n") == 1 and "Traceback" not in err
    assert not results.exists() or not any(results.iterdir())


def test_absent_real_data_is_one_line(tmp_path, capsys):
    rc = main(["run", "--stream", "split", "--strategy", "naive", "--preset", "paper", "--quiet",
               "--results-dir", str(tmp_path / "r"), "--data-root", str(tmp_path / "empty")])
    err = capsys.readouterr().err
    assert rc == 2 and "cifar100" in err and err.count("\n") == 1


def test_unwritable_results_dir(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("")
    rc = main(["run", *TINY_RUN, "--results-dir", str(f)])
    assert rc == 2 and "not a directory" in capsys.readouterr().err


@pytest.mark.parametrize("argv, fragment", [
    (["sweep", "table9"], "name 'table9' is not allowed; allowed: table2, table4"),
    (["sweep", "table2", "--seeds", "a,b"], "is not a list of integers; allowed"),
    (["sweep", "table2", "--seeds", "1,1"], "seed 1 is given twice"),
    (["results", "--table", "7"], "allowed: 1, 2, 4, 5"),
    (["results", "--format", "xml"], "--format 'xml' is not allowed; allowed: table, csv, json"),
    (["results"], "does not exist"),
    (["results", "list"], "does not exist"),
])
def test_sweep_and_results_bad_input(tmp_path, capsys, argv, fragment):
    rc = main([*argv, "--results-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert rc == 2 and fragment in err and err.count("\n") == 1


def test_results_list_and_csv_on_a_store_and_one_line_on_a_foreign_directory(tmp_path, capsys, data_root):
    store = tmp_path / "r"
    assert main(["run", *TINY_RUN, "--results-dir", str(store), "--data-root", str(data_root)]) == 0
    capsys.readouterr()
    assert main(["results", "list", "--results-dir", str(store), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["label"], row["stream"], row["data"], row["seed"], row["state"]) == ("HN-4", "split", "synthetic", 0,
                                                                                    "finished")
    assert main(["results", "list", "--results-dir", str(store)]) == 0
    assert "HN-4" in capsys.readouterr().out
    assert main(["results", "--table", "2", "--preset", "ci", "--epochs", "1", "--results-dir", str(store),
                 "--format", "csv"]) == 0
    header, line = capsys.readouterr().out.strip().splitlines()
    assert header.startswith("strategy,seeds,reference,aca,aca_sd,") and line.startswith("HN-4,1,False,")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not a run")
    assert main(["results", "list", "--results-dir", str(foreign)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds no phnlab run" in err
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]  # nothing written



def test_sweep_set_reaches_every_run_of_the_grid(tmp_path, monkeypatch):
    from phnlab.experiments import executors

    seen = []
    monkeypatch.setattr(executors, "run_specs", lambda specs, **kw: seen.extend(specs) or [])
    assert main(["sweep", "table4", "--preset", "ci", "--set", "reg_coef=0.25", "--epochs", "1",
                 "--results-dir", str(tmp_path)]) == 0
    assert seen and all(dict(s.overrides)["reg_coef"] == 0.25 and dict(s.overrides)["epochs"] == 1 for s in seen)
