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
