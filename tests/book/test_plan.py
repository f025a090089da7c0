from phnlab.book.plan import CHAPTER_SWEEPS, book_specs, chapter_specs, keep_checkpoints
from phnlab.experiments.first_experience import shared_key
from phnlab.experiments.schedule import estimated_cost, first_shared
from phnlab.experiments.sweeps import sweep_specs


def test_chapter_specs_are_the_distinct_specs_of_the_chapters_sweeps():
    specs = chapter_specs(["04", "07"], "ci")
    keys = [s.key() for s in specs]
    assert len(keys) == len(set(keys))
    wanted = {s.key() for name in set(CHAPTER_SWEEPS["04"] + CHAPTER_SWEEPS["07"]) for s in sweep_specs(name, "ci")}
    assert set(keys) == wanted
    assert chapter_specs(["01"], "ci") == []


def test_the_book_computes_its_runs_longest_first_one_of_each_experience_1_group_ahead():
    specs = book_specs(list(CHAPTER_SWEEPS), "quick")
    shared = first_shared(specs)
    leaders = [s for s, f in zip(specs, shared) if not f]
    assert shared == [False] * len(leaders) + [True] * (len(specs) - len(leaders))
    for group, flag in ((leaders, False), ([s for s, f in zip(specs, shared) if f], True)):
        costs = [estimated_cost(s, first_shared=flag) for s in group]
        assert costs == sorted(costs, reverse=True)
    keys = {shared_key(s) for s in specs}
    assert len(leaders) == len(keys) < len(specs) / 2  # most of the book's runs load their experience 1
    assert {s.key() for s in specs} == {s.key() for s in chapter_specs(list(CHAPTER_SWEEPS), "quick")}


def test_no_model_of_the_book_is_trained_twice():
    """Specs that differ only in what they record (`RECORDING_ONLY`) would train one model twice."""
    for preset in ("ci", "quick"):
        specs = book_specs(list(CHAPTER_SWEEPS), preset)
        assert len({s.trained().key() for s in specs}) == len(specs)


def test_the_checkpoint_chapter_3_reads_is_one_the_book_trains():
    ((spec, experience),) = keep_checkpoints(["02", "03"], "quick")
    assert experience == 3 and (spec.stream, spec.strategy, spec.freeze_depth, spec.seed) == ("noisy", "hn", 2, 0)
    assert spec.key() in {s.key() for s in book_specs(["03"], "quick")}
    assert keep_checkpoints(["04", "08"], "quick") == []
    ((other, _),) = keep_checkpoints(["03"], "quick", seeds=(1, 0))
    assert other.seed == 1  # the chapter's first seed


def test_the_default_book_plans_the_real_data_runs_its_chapters_read_beside_its_own():
    from phnlab.book.plan import COMPANION_SWEEPS
    from phnlab.config import get_preset

    quick = {s.key() for s in chapter_specs(["02", "03"], "quick")}
    own = {s.key() for name in ("transfer", "noisy") for s in sweep_specs(name, "quick")}
    real = {s.key() for ch in ("02", "03") for name in COMPANION_SWEEPS[ch]
            for s in sweep_specs(name, "fmnist", get_preset("fmnist").seeds)}
    assert quick == own | real and len(real) == 12 * 3 + 15 * 3  # noisy: 12 a seed; transfer: 15 a seed
    assert {s.key() for s in chapter_specs(["02", "03"], "ci")} == {
        s.key() for name in ("transfer", "noisy") for s in sweep_specs(name, "ci")}  # ci: no companion
