"""Progress of a chapter's runs: events in the file $PHNLAB_PROGRESS names, read back by the book build."""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from phnlab.book.runs import run_specs
from phnlab.experiments import progress
from phnlab.experiments.progress import ENV, RunProgress, format_event, read_events


@pytest.fixture
def clock(monkeypatch):
    """The progress tracker's clock, moved by hand: `clock.advance(s)`."""
    state = SimpleNamespace(now=1000.0)
    state.advance = lambda s: setattr(state, "now", state.now + s)
    monkeypatch.setattr(progress, "_now", lambda: state.now)
    return state


@dataclass(frozen=True)
class Spec:
    seed: int
    stream: str = "split"
    strategy: str = "hn"
    lookahead: str = "first"
    dataset: str | None = None
    dataset2: str | None = None

    def key(self):
        return f"k{self.seed}"

    def label(self):
        return "HN-4"

    def normalized(self):
        return SimpleNamespace(overrides=(("bn_policy", "batch"),) if self.seed == 2 else ())


def test_events_count_stored_runs_as_done_and_estimate_from_the_trained_ones(tmp_path, monkeypatch, clock):
    path = tmp_path / "progress.jsonl"
    monkeypatch.setenv(ENV, str(path))
    specs = [Spec(0), Spec(1), Spec(2), Spec(3, lookahead="second"), Spec(0)]

    class Runner:
        @staticmethod
        def run(spec, **kw):
            clock.advance(120.0 if spec.seed != 1 else 0.0)
            return SimpleNamespace(spec=spec, metrics={"wall_time_s": 120.0}, computed=spec.seed != 1)

    out = run_specs(specs, SimpleNamespace(results_dir=tmp_path, device="cpu", data_root=None), runner=Runner)
    assert [r.spec.seed for r in out] == [0, 1, 2, 3]
    events, offset = read_events(path)
    assert offset == path.stat().st_size
    assert [(e.done, e.total) for e in events] == [(0, 4), (1, 4), (1, 4), (2, 4), (2, 4), (3, 4), (3, 4), (4, 4)]
    assert events[0].current == "HN-4 split seed 0" and events[0].left_s is None
    assert events[4].current == "HN-4 split seed 2 (bn_policy=batch)"
    assert events[3].left_s == pytest.approx(2 * 120.0)  # one trained (120 s), one stored, two left
    assert events[6].current == "HN-4 look-ahead second split seed 3"
    assert events[-1].current == ""
    line = format_event(events[4])
    assert line.startswith("2/4 runs · now HN-4 split seed 2 (bn_policy=batch) · ") and line.endswith("~4.0 min left")
    assert "left" not in format_event(events[-1])


def test_nothing_is_written_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    p = RunProgress([Spec(0)])
    p.start(Spec(0))
    p.finish(Spec(0), SimpleNamespace(metrics={}, computed=True))
    assert p.path is None and list(tmp_path.iterdir()) == []


def test_a_partly_written_line_is_left_for_the_next_read(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"done": 1, "total": 2, "current": "", "elapsed_s": 3.0, "left_s": null}\n{"done": 2, "to')
    events, offset = read_events(path)
    assert len(events) == 1 and events[0].done == 1
    with open(path, "a") as f:
        f.write('tal": 2, "current": "", "elapsed_s": 9.0, "left_s": 0.0}\n')
    events, _ = read_events(path, offset)
    assert [e.done for e in events] == [2]
    assert read_events(tmp_path / "missing.jsonl") == ([], 0)


def test_the_time_left_weighs_the_runs_left_by_their_estimated_cost(tmp_path, clock):
    from phnlab.experiments.schedule import estimated_cost
    from phnlab.experiments.spec import RunSpec

    longest = RunSpec("split", "naive", 0, preset="ci", overrides=(("epochs", 8),))
    short = RunSpec("split", "lr", 4, preset="ci")
    p = RunProgress([longest, short], path=tmp_path / "p.jsonl")
    p.start(longest)
    clock.advance(100.0)
    p.finish(longest, SimpleNamespace(metrics={"wall_time_s": 100.0}, computed=True))
    assert estimated_cost(short) < estimated_cost(longest) / 4
    assert p.event().left_s == pytest.approx(100.0 * estimated_cost(short) / estimated_cost(longest))


def test_the_time_left_is_shared_by_the_workers_seen_even_between_two_runs(tmp_path, clock):
    from phnlab.experiments.spec import RunSpec

    specs = [RunSpec("split", "naive", 0, seed=seed, preset="ci") for seed in range(4)]
    p = RunProgress(specs, path=tmp_path / "p.jsonl")
    p.start(specs[0])
    p.start(specs[1])
    clock.advance(100.0)
    p.finish(specs[0], SimpleNamespace(metrics={"wall_time_s": 100.0}, computed=True))
    between = p.event().left_s  # one worker idle for a moment: still two workers for the runs left
    p.start(specs[2])
    assert between == pytest.approx(p.event().left_s) == pytest.approx(100.0 * 3 / 2)
    p.finish(specs[1], SimpleNamespace(metrics={"wall_time_s": 100.0}, computed=True))
    clock.advance(100.0)
    p.finish(specs[2], SimpleNamespace(metrics={"wall_time_s": 100.0}, computed=True))
    assert p.event().left_s == pytest.approx(100.0)  # one run left: one worker


def test_the_estimate_counts_a_runs_whole_time_not_its_training_alone(tmp_path, clock):
    """Building the stream, evaluating the matrix rows and saving take time that `wall_time_s` leaves out:
    the estimate uses the time from hand-out to result, and a run's training time only when it was not
    seen starting."""
    from phnlab.experiments.spec import RunSpec

    specs = [RunSpec("split", "naive", 0, seed=seed, preset="ci") for seed in range(3)]
    p = RunProgress(specs, path=tmp_path / "p.jsonl")
    p.start(specs[0])
    clock.advance(90.0)
    p.finish(specs[0], SimpleNamespace(metrics={"wall_time_s": 60.0}, computed=True))
    assert p.event().left_s == pytest.approx(2 * 90.0)
    p.finish(specs[1], SimpleNamespace(metrics={"wall_time_s": 50.0, "first_experience_shared_s": 20.0}, computed=True))
    assert p.event().left_s == pytest.approx((90.0 + 30.0) / 2)


def test_the_run_time_model_finds_a_fixed_time_per_run_once_the_costs_differ_enough():
    from phnlab.experiments.progress import run_time_model

    line = [(c, 8.0 + 0.8 * c) for c in (100.0, 40.0, 10.0, 5.0)]
    assert run_time_model(line) == pytest.approx((8.0, 0.8))
    close = [(c, 8.0 + 0.8 * c) for c in (100.0, 90.0, 80.0)]  # within 2x: through the origin
    assert run_time_model(close) == pytest.approx((0.0, sum(s for _, s in close) / 270.0))
    assert run_time_model(line[:2]) == pytest.approx((0.0, (88.0 + 40.0) / 140.0))  # two runs: too few
    shrinking = [(10.0, 100.0), (30.0, 60.0), (60.0, 20.0)]  # cost explains nothing: the mean run
    assert run_time_model(shrinking) == pytest.approx((60.0, 0.0))
    assert run_time_model([(100.0, 10.0), (10.0, 20.0 - 19.0), (50.0, 2.0)])[0] == 0.0  # never below 0


def test_the_time_left_counts_each_run_left_its_fixed_time(tmp_path, clock):
    """The cheapest runs come last and are mostly fixed time (stream, matrix rows, saves): a line through
    the origin would say they take almost nothing."""
    from phnlab.experiments.spec import RunSpec

    epochs = (16, 8, 4, 1, 1, 1)
    specs = [RunSpec("split", "lr", 4, seed=i, preset="ci", overrides=(("epochs", e),)) for i, e in enumerate(epochs)]
    p = RunProgress(specs, path=tmp_path / "p.jsonl")
    cost = [p.cost[s.key()] for s in specs]
    for spec, c in zip(specs[:3], cost):
        p.start(spec)
        clock.advance(10.0 + 0.5 * c)
        p.finish(spec, SimpleNamespace(metrics={}, computed=True))
    assert p.event().left_s == pytest.approx(sum(10.0 + 0.5 * c for c in cost[3:]) / 1)


def test_every_run_of_the_book_is_described_apart_on_the_terminal():
    """The progress line names the runs going on; two runs with one description could not be told apart
    (the transfer runs on the similar and the dissimilar pair did)."""
    from phnlab.book.plan import CHAPTER_SWEEPS, book_specs

    specs = book_specs(list(CHAPTER_SWEEPS), "quick")
    described = {progress._describe(s) for s in specs}
    assert len(described) == len(specs)
    assert any(" transfer synthetic-shapes → synthetic-glyphs seed 0" in d for d in described)
