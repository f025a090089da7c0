from phnlab.book.plan import CHAPTER_SWEEPS, book_specs, chapter_specs
from phnlab.experiments.schedule import estimated_cost
from phnlab.experiments.sweeps import sweep_specs


def test_chapter_specs_are_the_distinct_specs_of_the_chapters_sweeps():
    specs = chapter_specs(["04", "07"], "ci")
    keys = [s.key() for s in specs]
    assert len(keys) == len(set(keys))
    wanted = {s.key() for name in set(CHAPTER_SWEEPS["04"] + CHAPTER_SWEEPS["07"]) for s in sweep_specs(name, "ci")}
    assert set(keys) == wanted
    assert chapter_specs(["01"], "ci") == []


def test_the_book_computes_its_runs_longest_first():
    specs = book_specs(list(CHAPTER_SWEEPS), "quick")
    costs = [estimated_cost(s) for s in specs]
    assert costs == sorted(costs, reverse=True)
    assert {s.key() for s in specs} == {s.key() for s in chapter_specs(list(CHAPTER_SWEEPS), "quick")}
