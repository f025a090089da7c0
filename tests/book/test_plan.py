from phnlab.book.plan import CHAPTER_SWEEPS, chapter_specs, estimated_cost, longest_first
from phnlab.experiments.spec import RunSpec
from phnlab.experiments.sweeps import sweep_specs


def test_chapter_specs_are_the_distinct_specs_of_the_chapters_sweeps():
    specs = chapter_specs(["04", "07"], "ci")
    keys = [s.key() for s in specs]
    assert len(keys) == len(set(keys))
    wanted = {s.key() for name in set(CHAPTER_SWEEPS["04"] + CHAPTER_SWEEPS["07"]) for s in sweep_specs(name, "ci")}
    assert set(keys) == wanted
    assert chapter_specs(["01"], "ci") == []


def test_longest_first_starts_with_the_long_schedules_and_second_order():
    short = RunSpec("split", "lr", 4, preset="quick")
    longer = RunSpec("split", "lr", 4, preset="quick", overrides=(("epochs", 31),))
    second = RunSpec("split", "hn", 0, "second", preset="quick")
    first = RunSpec("split", "hn", 0, "first", preset="quick")
    transfer = RunSpec("transfer", "lr", 4, replay_coef=0.0, preset="quick", dataset="synthetic-shapes",
                       dataset2="synthetic-glyphs")
    assert estimated_cost(second) > estimated_cost(first) > estimated_cost(short) > estimated_cost(transfer)
    assert longest_first([short, transfer, first, longer, second])[:2] == [second, longer]
