"""A chapter's runs: each distinct spec once, the summary line."""

from types import SimpleNamespace

from phnlab.analysis import stats
from phnlab.book.runs import run_specs, runs_summary
from analysis.fakes import FakeResult, FakeSpec


def test_run_specs_deduplicates_and_passes_the_params():
    calls = []

    class Runner:
        @staticmethod
        def run(spec, **kw):
            calls.append((spec, kw))
            return FakeResult(spec, {"wall_time_s": 60.0}, computed=spec.seed == 0)

    params = SimpleNamespace(results_dir="/r", device="cpu", data_root=None)
    specs = [FakeSpec(seed=0), FakeSpec(seed=1), FakeSpec(seed=0)]
    out = run_specs(specs, params, runner=Runner)
    assert [r.spec.seed for r in out] == [0, 1]
    assert calls[0][1] == {"results_dir": "/r", "device": "cpu", "data_root": None, "quiet": True}
    assert runs_summary(out) == ("2 runs: 1 trained now, 1 read from the results store; "
                                 "2.0 min of training in all (stored wall times).")
    assert set(stats.group_runs(out)) == {"HN-4"}


def test_runs_whose_data_is_missing_or_that_are_shipped_are_named_not_trained(tmp_path, monkeypatch):
    from phnlab.book.runs import split_by_data
    from phnlab.experiments.spec import RunSpec
    from phnlab.experiments.store import ResultsStore

    monkeypatch.setenv("PHNLAB_SYSTEM_DATASETS", str(tmp_path / "none"))
    monkeypatch.delenv("PHNLAB_FRESH", raising=False)
    synthetic = RunSpec("split", "hn", 4, preset="ci")
    real = RunSpec("split", "lr", 4, preset="ci", dataset="fashionmnist")
    shipped = RunSpec("split", "hn", 4, preset="fmnist")
    stored = RunSpec("split", "lr", 2, preset="fmnist")
    ResultsStore(tmp_path / "r").save_metrics(stored, {"aca": 0.5})
    ready, line = split_by_data([synthetic, real, stored], tmp_path / "r", tmp_path / "empty-root")
    assert ready == [synthetic, stored]  # a stored run is read whatever data is there
    assert line.startswith("1 run(s) not computed: data set 'fashionmnist' is missing (get it with `phnlab data get")
    from phnlab.data import datasets

    monkeypatch.setattr(datasets, "absent_datasets", lambda names, root=None: [])  # the data is there
    ready, line = split_by_data([synthetic, shipped], tmp_path / "r", None)
    assert ready == [synthetic] and "1 run(s) of preset fmnist are neither shipped" in line
    monkeypatch.setenv("PHNLAB_FRESH", "1")
    assert split_by_data([synthetic, shipped], tmp_path / "r", None) == ([synthetic, shipped], "")


def test_a_companion_section_reads_the_real_data_presets_runs_or_says_what_is_missing(tmp_path, monkeypatch):
    from phnlab.book.runs import companion_runs, companion_summary
    from phnlab.config import get_preset
    from phnlab.data import datasets

    monkeypatch.delenv("PHNLAB_FRESH", raising=False)
    monkeypatch.setattr(datasets, "absent_datasets", lambda names, root=None: [])
    quick = SimpleNamespace(preset=get_preset("quick"), results_dir=tmp_path / "r", data_root=None, device="cpu")
    real, results, missing = companion_runs("noisy", quick)
    assert real == "fmnist" and results == [] and "36 run(s) of preset fmnist are neither shipped" in missing
    assert "LR-2, " in missing and "noisy (fashionmnist)" in missing and "seeds 0, 1, 2" in missing  # which runs
    assert "`phnlab sweep noisy --preset fmnist --results-dir store-work/fmnist` then `phnlab store ship" in missing
    text = companion_summary(real, results, missing, "quick")
    assert text.startswith("0 runs:") and "its verdicts read *not computed*" in text
    ci = SimpleNamespace(preset=get_preset("ci"), results_dir=tmp_path / "r", data_root=None, device="cpu")
    assert companion_runs("noisy", ci) == (None, [], "")
    assert companion_summary(None, [], "", "ci") == "The **ci** preset reads no real-data study beside its own."
