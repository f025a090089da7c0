"""Tables of stored results: only the preset's own grid, and only the seeds asked for."""

from phnlab.analysis.lookahead import table45_rows
from phnlab.analysis.split import table2_rows
from phnlab.experiments.spec import RunSpec
from phnlab.experiments.store import ResultsStore


def _metrics(aca, label):
    return {"aca": aca, "forgetting": 0.1, "learning_accuracy": aca, "wall_time_s": 60.0, "label": label}


def test_table2_keeps_the_grid_and_the_seeds_asked_for(tmp_path):
    store = ResultsStore(tmp_path)
    for seed, aca in ((0, 0.5), (1, 0.7)):
        store.save_metrics(RunSpec(stream="split", strategy="hn", freeze_depth=4, seed=seed), _metrics(aca, "HN-4"))
    # a run with another schedule is not part of Table 2's grid
    off_grid = RunSpec(stream="split", strategy="hn", freeze_depth=4, seed=2, overrides=(("epochs", 9),))
    store.save_metrics(off_grid, _metrics(0.99, "HN-4"))

    (row,) = table2_rows(store, "ci")
    assert row["seeds"] == 2 and round(row["aca"][0], 6) == 60.0
    (row,) = table2_rows(store, "ci", seeds=(1,))
    assert row["seeds"] == 1 and round(row["aca"][0], 6) == 70.0


def test_table4_filters_seeds(tmp_path):
    store = ResultsStore(tmp_path)
    for seed in (0, 1):
        for mode in ("none", "first"):
            spec = RunSpec(stream="split", strategy="hn", freeze_depth=2, lookahead=mode, seed=seed)
            store.save_metrics(spec, _metrics(0.4 + 0.1 * seed, "HN-2"))
    rows = table45_rows(store, "ci", "4", seeds=(0,))
    assert [r["mode"] for r in rows] == ["none", "first"] and all(r["seeds"] == 1 for r in rows)
    assert round(rows[0]["aca"], 6) == 40.0


def test_table4_compares_the_modes_on_the_same_seeds(tmp_path):
    store = ResultsStore(tmp_path)
    store.save_metrics(RunSpec(stream="split", strategy="hn", freeze_depth=1, lookahead="none", seed=0),
                       _metrics(0.4, "HN-1"))
    for seed, aca in ((0, 0.5), (1, 0.9)):  # first order also ran on seed 1 (Table 2's grid)
        store.save_metrics(RunSpec(stream="split", strategy="hn", freeze_depth=1, lookahead="first", seed=seed),
                           _metrics(aca, "HN-1"))
    rows = table45_rows(store, "ci", "4")
    assert [(r["mode"], r["seeds"]) for r in rows] == [("none", 1), ("first", 1)]
    assert round(rows[1]["aca"], 6) == 50.0  # seed 0 only, not the mean with seed 1
