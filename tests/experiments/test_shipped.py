"""The shipped results store: current runs are copied into a book's store, stale ones are named, never read."""

from __future__ import annotations

from dataclasses import replace

import pytest

from phnlab import config
from phnlab.cli import main
from phnlab.experiments.shipped import StaleStore, scan, seed_results, ship
from phnlab.experiments.spec import RunSpec
from phnlab.experiments.store import ResultsStore

SPECS = [RunSpec("split", "hn", 4, seed=0, preset="ci"), RunSpec("split", "lr", 2, seed=0, preset="ci")]


def _metrics(spec, commit="abc123"):
    return {"label": spec.label(), "aca": 0.5, "wall_time_s": 10.0, "accuracy_matrix": [[0.5]],
            "computed_by": {"commit": commit, "cpu": "test CPU"}}


@pytest.fixture
def shipped(tmp_path):
    work = ResultsStore(tmp_path / "work")
    for spec in SPECS:
        work.save_metrics(spec, _metrics(spec))
        (work.dir(spec) / "model.pt").write_bytes(b"weights")  # not shipped
    assert len(ship(tmp_path / "work", tmp_path / "shipped")) == 2
    return tmp_path / "shipped"


def test_ship_keeps_spec_and_metrics_only(shipped):
    for spec in SPECS:
        assert sorted(p.name for p in (shipped / spec.key()).iterdir()) == ["metrics.json", "spec.json"]
    assert all(r.current for r in scan(shipped))


def test_a_run_without_a_commit_is_not_shipped(tmp_path):
    work = ResultsStore(tmp_path / "work")
    work.save_metrics(SPECS[0], _metrics(SPECS[0], commit=None))
    with pytest.raises(Exception, match="names no commit"):
        ship(tmp_path / "work", tmp_path / "shipped")


def test_current_runs_are_copied_into_the_books_store(shipped, tmp_path):
    seed_results(tmp_path / "results", shipped, log=lambda line: None)
    store = ResultsStore(tmp_path / "results")
    assert all(store.metrics(s)["aca"] == 0.5 for s in SPECS)


def test_a_changed_training_constant_names_the_stale_runs(shipped, tmp_path, monkeypatch, capsys):
    old = [s.key() for s in SPECS]
    monkeypatch.setitem(config.PRESETS, "ci", config.PRESETS["ci"].with_overrides(reg_coef=0.125))
    runs = scan(shipped)
    assert [r.current for r in runs] == [False, False]
    assert main(["store", "check", "--shipped", str(shipped)]) == 1
    out = capsys.readouterr().out
    for spec, key in zip(SPECS, old):  # each stale run named by its folder, its label and its new key
        assert f"stale shipped run {key} ({spec.label()} split seed 0): its key under the current code is {spec.key()}" in out
    lines = []
    seed_results(tmp_path / "results", shipped, log=lines.append)
    assert sum("stale shipped run" in line for line in lines) == 2
    assert ResultsStore(tmp_path / "results").all_metrics() == []  # never read as current
    with pytest.raises(StaleStore, match="2 shipped run"):
        seed_results(tmp_path / "results", shipped, strict=True)


def test_a_spec_that_no_longer_parses_is_stale(shipped):
    folder = shipped / SPECS[0].key()
    store = ResultsStore(shipped)
    store._write_json(folder / "spec.json", {**SPECS[0].to_dict(), "strategy": "gone"})
    stale = [r for r in scan(shipped) if not r.current]
    assert len(stale) == 1 and "no longer parses" in stale[0].problem


def test_status_counts_each_sweeps_runs_once_with_what_is_shipped_and_an_estimate_of_the_rest(tmp_path, capsys):
    from phnlab.experiments.shipped import status
    from phnlab.experiments.sweeps import sweep_specs

    central = sweep_specs("central", "ci", (0,))
    work = ResultsStore(tmp_path / "work")
    work.save_metrics(central[0], {**_metrics(central[0]), "wall_time_s": 3600.0})
    ship(tmp_path / "work", tmp_path / "shipped")
    rows = {r.sweep: r for r in status("ci", tmp_path / "shipped", ("central", "table2"))}
    assert rows["central"].shipped == 1 and rows["central"].shipped_hours == 1.0 and rows["central"].left_hours > 0
    assert rows["central"].runs == len({s.key() for s in sweep_specs("central", "ci")})
    assert rows["table2"].runs == 0  # table2's runs are central's, counted there
    assert main(["store", "status", "--shipped", str(tmp_path / "shipped")]) == 0
    assert "in all" in capsys.readouterr().out
    assert main(["store", "status", "--shipped", str(tmp_path / "nowhere")]) == 2  # one line, exit 2
    assert "is not a directory" in capsys.readouterr().err
