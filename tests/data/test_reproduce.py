"""`phnlab reproduce`: the paper's setting in one command; its plan on the tiny fake data sets, and one line per
missing data set on an empty data root."""

import json

from phnlab.cli import main


def test_the_paper_plan_names_its_runs_and_their_device_time(real_root, tmp_path, capsys):
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"device": "cpu", "device_name": "test CPU", "step_ms": {"Naive": 100.0}}))
    argv = ["reproduce", "--plan", "--data-root", str(real_root), "--results-dir", str(tmp_path / "r"),
            "--device", "cpu", "--bench", str(bench), "--set", "epochs=1"]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert "preset paper, chapters 02, 03, 04, 05, 06, 07, 08, 09" in out[0] and "100 ms" in out[0]
    total = int(out[1].split()[0])
    assert total > 100 and out[1].endswith(f"0 stored, {total} to compute")
    assert any("HN-4 (split, cifar100)" in line for line in out) and "estimated device time" in out[-1]
    assert not (tmp_path / "r").exists()  # a plan writes nothing
    hours = float(out[-1].split("time: ")[1].split(" h")[0])
    assert main([*argv[:-1], "epochs=2"]) == 0  # twice the epochs, about twice the time
    twice = float(capsys.readouterr().out.splitlines()[-1].split("time: ")[1].split(" h")[0])
    assert 1.8 * hours <= twice <= 2.2 * hours


def test_one_chapter_and_the_tinyimagenet_setting(real_root, tmp_path, capsys):
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"device": "cpu", "step_ms": {"Naive": 100.0}}))
    assert main(["reproduce", "--plan", "--preset", "paper-tinyimagenet", "--chapter", "05", "--data-root",
                 str(real_root), "--device", "cpu", "--bench", str(bench)]) == 0
    out = capsys.readouterr().out
    assert "chapters 05" in out and "(split, tinyimagenet)" in out and "cifar100" not in out


def test_an_empty_data_root_is_one_line_per_missing_data_set(tmp_path, capsys):
    assert main(["reproduce", "--plan", "--data-root", str(tmp_path / "empty"), "--device", "cpu"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 5 and all(line.startswith("phnlab reproduce: error: data set '") for line in err)
    assert {line.split("'")[1] for line in err} == {"cifar100", "cifar10", "gtsrb", "svhn", "fashionmnist"}
    assert all("phnlab data get" in line for line in err)


def test_a_bench_result_of_another_device_is_refused(real_root, tmp_path, capsys):
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"device": "cuda", "step_ms": {"Naive": 10.0}}))
    assert main(["reproduce", "--plan", "--data-root", str(real_root), "--device", "cpu", "--bench", str(bench)]) == 2
    assert "measured on cuda, not on cpu" in capsys.readouterr().err


def test_a_bench_result_of_another_preset_is_refused(real_root, tmp_path, capsys):
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"device": "cpu", "preset": "ci", "step_ms": {"Naive": 10.0}}))
    assert main(["reproduce", "--plan", "--data-root", str(real_root), "--device", "cpu", "--bench", str(bench)]) == 2
    err = capsys.readouterr().err
    assert "measured with preset ci, not paper: `phnlab bench --json --preset paper` measures it" in err
    assert err.count("\n") == 1


def test_the_plan_uses_the_step_costs_measured_on_stored_runs():
    from phnlab.commands.reproduce import plan
    from phnlab.experiments.schedule import _kind
    from phnlab.experiments.spec import RunSpec

    spec = RunSpec("split", "lr", 4, preset="fmnist")
    hours = lambda costs: float(plan([spec], per_step_s=1.0, jobs=1, stored=set(), step_costs=costs)[-1].split()[3])  # noqa: E731
    declared = hours(None)
    assert hours({_kind(spec): 1.0}) > 2 * declared  # LR-4 measured as costly as a Naive step, not 0.4 of one
