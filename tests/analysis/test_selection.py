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


def test_a_run_without_curves_stands_for_its_trained_model_once_and_its_time_excludes_curve_points(tmp_path):
    store = ResultsStore(tmp_path)
    off = (("curve_every_epoch", False),)
    store.save_metrics(RunSpec(stream="split", strategy="naive", seed=0, overrides=off), _metrics(0.5, "Naive"))
    with_curves = {**_metrics(0.5, "Naive"), "wall_time_s": 90.0, "curve_eval_s": [20.0, 10.0],
                   "epoch_curves": [{"experience": 0, "epoch": 1, "accuracy": [0.5]}]}
    store.save_metrics(RunSpec(stream="split", strategy="naive", seed=0), with_curves)  # an older store's copy
    store.save_metrics(RunSpec(stream="split", strategy="naive", seed=1, overrides=off), _metrics(0.7, "Naive"))

    (row,) = table2_rows(store, "ci")
    assert row["seeds"] == 2 and round(row["aca"][0], 6) == 60.0  # seed 0 once
    assert round(60 * row["minutes"], 6) == 60.0  # (90 − 30) and 60 s: training without the curve points


def test_of_copies_with_curves_the_one_with_every_experiences_curves_is_kept(tmp_path):
    from phnlab.analysis.selection import one_per_trained_model

    def point(n):
        return {"experience": 1, "epoch": 1, "accuracy": [0.5] * n}

    runs = [(RunSpec(stream="split", strategy="lr", freeze_depth=2, overrides=over), {"epoch_curves": curves})
            for over, curves in (((("curve_every_epoch", False),), []),
                                 ((("curve_experiences", 1),), [point(1)]),
                                 ((), [point(2)]))]
    for order in (runs, runs[::-1], [runs[1], runs[0], runs[2]]):
        (kept,) = one_per_trained_model(order, lambda pair: pair)
        assert kept is runs[2]
    (kept,) = one_per_trained_model(runs[:2], lambda pair: pair)
    assert kept is runs[1]


def test_a_run_that_names_the_presets_schedule_is_the_presets_run(tmp_path):
    store = ResultsStore(tmp_path)
    epochs = RunSpec(stream="split", strategy="hn", freeze_depth=4).resolved_preset().epochs
    named = RunSpec(stream="split", strategy="hn", freeze_depth=4, seed=0, overrides=(("epochs", epochs),))
    store.save_metrics(named, _metrics(0.5, "HN-4"))  # e.g. the convergence study's run at the preset's schedule
    (row,) = table2_rows(store, "ci")
    assert row["seeds"] == 1 and round(row["aca"][0], 6) == 50.0
    assert table2_rows(store, "ci", overrides=(("epochs", epochs + 1),)) == []
