"""The convergence study on hand-made results: the frame reads the sweep's runs, the rule finds the count."""

from types import SimpleNamespace

import pytest

from phnlab.analysis.convergence import convergence_frame, converged_steps, plot_convergence, schedule_summary
from phnlab.experiments.spec import RunSpec
from phnlab.experiments.sweeps import DEFAULT_CONVERGENCE_STEPS, convergence_specs, sweep_specs


def _results(learning):
    """learning: model label -> {steps: learning accuracy (fraction)}; specs from the sweep itself."""
    out = []
    for spec in convergence_specs("fmnist", (0,)):
        steps = 16 * spec.resolved_preset().epochs  # fmnist: 1,000 images per experience, batches of 64
        la = learning.get(spec.label(), {}).get(steps)
        if la is not None:
            out.append(SimpleNamespace(spec=spec, metrics={"learning_accuracy": la, "aca": la - 0.05,
                                                           "forgetting": 0.02, "wall_time_s": steps / 10}))
    return out


def test_the_sweep_doubles_from_32_and_the_frame_reads_it():
    specs = convergence_specs("fmnist", (0, 1))
    assert {s.seed for s in specs} == {0} and len(specs) == len(DEFAULT_CONVERGENCE_STEPS) * 5 + 1
    assert [(s.label(), s.resolved_preset().epochs) for s in specs[-1:]] == [("HN-2", 128)]  # one doubling further
    frame = convergence_frame(_results({"HN-2": {32: 0.8, 64: 0.85}}), "fmnist")
    assert list(frame.index) == [("HN-2", 32), ("HN-2", 64)]
    assert frame.loc[("HN-2", 64), "learning acc. (%)"] == 85.0
    other = RunSpec("split", "hn", 2, preset="fmnist", overrides=(("epochs", 4), ("lr", 0.01)))
    extra = SimpleNamespace(spec=other, metrics={"learning_accuracy": 0.1, "aca": 0.1, "forgetting": 0, "wall_time_s": 1})
    assert len(convergence_frame(_results({"HN-2": {32: 0.8}}) + [extra], "fmnist")) == 1  # another lr: not the study
    assert convergence_frame(_results({"HN-2": {32: 0.8}}), "quick").empty


def test_converged_is_the_first_doubling_under_a_point_for_every_model():
    frame = convergence_frame(_results({
        "HN-2": {32: 0.70, 64: 0.80, 128: 0.86, 256: 0.865, 512: 0.87},
        "LR-2": {32: 0.60, 64: 0.75, 128: 0.85, 256: 0.88, 512: 0.885},
    }), "fmnist")
    c = converged_steps(frame)
    assert c.per_model["HN-2"][0] == 128 and c.per_model["LR-2"][0] == 256 and c.steps == 256
    assert "256 steps per experience" in c.describe()
    assert c.still_moving["HN-2"] == (pytest.approx(0.5), pytest.approx(0.0))  # ACA follows learning here
    assert "ACA and forgetting still move by up to 0.5 points" in c.describe()


def test_a_late_jump_undoes_an_early_plateau_and_an_unfinished_model_blocks_the_verdict():
    frame = convergence_frame(_results({
        "HN-4": {32: 0.70, 64: 0.705, 128: 0.75, 256: 0.755},
        "Naive": {32: 0.5, 64: 0.6},
    }), "fmnist")
    c = converged_steps(frame)
    assert c.per_model["HN-4"][0] == 128  # 32 -> 64 moved 0.5, but 64 -> 128 moved 4.5
    assert c.per_model["Naive"] is None and c.steps is None
    assert "not within the steps measured" in c.describe()
    plot_convergence(frame, c.steps)


def test_the_default_book_reads_the_real_data_study_and_ci_its_own():
    assert {s.preset for s in sweep_specs("convergence", "quick")} == {"fmnist"}
    ci = sweep_specs("convergence", "ci")
    assert {s.preset for s in ci} == {"ci"} and {s.resolved_preset().epochs for s in ci} == {1, 2, 4}
    assert {s.label() for s in ci} == {"LR-4", "HN-4"}


def test_the_noisy_stream_is_checked_by_one_doubling_sharing_the_noisy_studys_runs():
    from phnlab.experiments.sweeps import convergence_streams

    assert convergence_streams("fmnist") == ("split", "noisy", "transfer") and convergence_streams("quick") == ("split",)
    noisy = convergence_specs("fmnist", (0, 1, 2), "noisy")
    assert {s.stream for s in noisy} == {"noisy"} and {s.seed for s in noisy} == {0}
    steps = sorted({16 * s.resolved_preset().epochs for s in noisy})
    assert steps == [1024, 2048]  # 2 classes of 500 images an experience: 16 steps an epoch
    study = {s.key() for s in sweep_specs("noisy", "fmnist", (0,))}
    at_own = [s for s in noisy if s.resolved_preset().epochs == 64 and s.strategy != "naive"]
    assert len(at_own) == 4 and all(s.key() in study for s in at_own)  # the noisy study's own runs, not again
    assert len(sweep_specs("convergence", "fmnist")) == len(DEFAULT_CONVERGENCE_STEPS) * 5 + 1 + 10 + 18
    frame = convergence_frame([SimpleNamespace(spec=s, metrics={"learning_accuracy": 0.9, "aca": 0.85, "forgetting": 0.0,
                                                                "wall_time_s": 60}) for s in noisy], "fmnist",
                              stream="noisy")
    assert sorted({steps for _, steps in frame.index}) == [1024, 2048]
    assert converged_steps(frame).steps == 1024


def test_the_transfer_stream_is_checked_on_each_pair_at_both_ends_of_the_freeze_depth():
    from phnlab.experiments.sweeps import study_steps

    transfer = convergence_specs("fmnist", (0,), "transfer")
    assert {(s.strategy, s.freeze_depth, s.replay_coef) for s in transfer} == {("lr", 0, 0.0), ("lr", 4, 0.0)}
    assert {s.resolved_preset().epochs for s in transfer} == {26, 52, 104}  # 40 steps an epoch: 1,040 to 4,160
    assert {s.freeze_depth for s in transfer if s.resolved_preset().epochs == 104} == {0, 4}  # one doubling further
    study = {s.key() for s in sweep_specs("transfer", "fmnist", (0,))}
    assert sum(s.key() in study for s in transfer) == 6  # the study's own runs at 1,040, on its 3 pairs
    assert study_steps("fmnist", "transfer") == 1040 and study_steps("fmnist", "noisy") == 1024
    def metrics(s):  # experience 2 moves +0.5 points on the doubling, experience 1 (not judged) +5
        doubled = s.resolved_preset().epochs == 52
        diagonal = (0.7 + 0.05 * doubled, 0.8 + 0.005 * doubled)  # learning accuracy: their mean, +2.75 points
        return {"learning_accuracy": sum(diagonal) / 2, "aca": 0.8, "forgetting": 0.0, "wall_time_s": 60,
                "accuracy_matrix": [[diagonal[0]], [0.6, diagonal[1]]]}

    results = [SimpleNamespace(spec=s, metrics=metrics(s)) for s in transfer]
    frame = convergence_frame(results, "fmnist", stream="transfer")
    assert ("LR-4 (c=0) · digits → fashionmnist", 4160) in frame.index and len(frame) == 18
    found = converged_steps(frame)
    assert found.steps == 1040  # +0.5 points on doubling
    assert "at or beyond the converged 1,040: its runs had converged by experience 2's accuracy" in schedule_summary(
        frame, found, "fmnist", "transfer")


def test_a_model_without_its_doubled_run_is_not_computed_not_unconverged():
    noisy = [s for s in convergence_specs("fmnist", (0,), "noisy") if s.resolved_preset().epochs == 64]  # 1,024 only
    frame = convergence_frame([SimpleNamespace(spec=s, metrics={"learning_accuracy": 0.9, "aca": 0.85, "forgetting": 0.0,
                                                                "wall_time_s": 60}) for s in noisy], "fmnist",
                              stream="noisy")
    found = converged_steps(frame)
    assert found.steps is None and set(found.uncomputed) == {"Naive", "LR-2", "HN-2", "LR-4", "HN-4"}
    assert found.describe().startswith("not computed: ") and "doubling not computed" in found.describe()
    assert "not computed yet" in schedule_summary(frame, found, "fmnist", "noisy")


def test_a_chapters_schedule_line_reads_the_stores_schedule_study(tmp_path):
    from phnlab.analysis.convergence import schedule_check
    from phnlab.experiments.store import ResultsStore

    store = ResultsStore(tmp_path)
    assert "no run of its schedule study is stored" in schedule_check(store, "fmnist", "transfer").line()
    own = [s for s in convergence_specs("fmnist", (0,), "transfer") if s.resolved_preset().epochs == 26]
    for s in own:  # the study's own 1,040-step runs: the doubling is missing
        store.save_metrics(s, {"label": s.label(), "learning_accuracy": 0.8, "aca": 0.8, "forgetting": 0.0,
                               "wall_time_s": 60, "accuracy_matrix": [[0.8], [0.7, 0.8]]})
    assert "not computed yet" in schedule_check(store, "fmnist", "transfer").line()
    for s in convergence_specs("fmnist", (0,), "transfer"):
        if s.resolved_preset().epochs == 52:  # doubling moves experience 2 by 5 points: short of converged
            store.save_metrics(s, {"label": s.label(), "learning_accuracy": 0.8, "aca": 0.8, "forgetting": 0.0,
                                   "wall_time_s": 60, "accuracy_matrix": [[0.8], [0.7, 0.85]]})
    line = schedule_check(store, "fmnist", "transfer").line()
    assert "no measured schedule has converged" in line and schedule_check(store, "fmnist", "noisy").line().count("no run") == 1


def test_the_schedule_line_gives_what_the_verdicts_measure_moved_on_the_last_doubling(tmp_path):
    from phnlab.analysis.convergence import last_doubling_moves, schedule_check

    frame = convergence_frame(_results({"HN-2": {256: 0.80, 512: 0.85, 1024: 0.855, 2048: 0.856},
                                        "LR-2": {512: 0.80, 1024: 0.802}}), "fmnist")
    moves = last_doubling_moves(frame, 1024)
    assert moves["ACA (%)"][1:] == ("HN-2", 512, 1024) and moves["ACA (%)"][0] == pytest.approx(0.5)
    assert last_doubling_moves(frame, None) == {}
    transfer = [s for s in convergence_specs("fmnist", (0,), "transfer") if s.resolved_preset().epochs in (26, 52)]
    from phnlab.experiments.store import ResultsStore

    store = ResultsStore(tmp_path)
    for s in transfer:  # experience 2 moves +3 points on the doubling; ACA is not what chapter 2 reads
        doubled = s.resolved_preset().epochs == 52
        store.save_metrics(s, {"label": s.label(), "learning_accuracy": 0.8, "aca": 0.5 + 0.2 * doubled,
                               "forgetting": 0.0, "wall_time_s": 60, "accuracy_matrix": [[0.8], [0.7, 0.8 + 0.03 * doubled]]})
    line = schedule_check(store, "fmnist", "transfer").line()
    assert "experience 2 acc. moved by up to +3.0 points" in line and "ACA moved" not in line


def test_the_introductions_caveat_names_a_schedule_not_known_to_have_converged(tmp_path):
    from phnlab.analysis.convergence import schedule_check
    from phnlab.experiments.store import ResultsStore

    store = ResultsStore(tmp_path)
    assert "not computed yet" in schedule_check(store, "fmnist", "transfer").caveat()
    for late in (0.8, 0.9):  # experience 2: 80 % at 1,040 and 2,080, `late` at 4,160
        for s in convergence_specs("fmnist", (0,), "transfer"):
            store.save_metrics(s, {"label": s.label(), "learning_accuracy": 0.8, "aca": 0.8, "forgetting": 0.0,
                                   "wall_time_s": 60,
                                   "accuracy_matrix": [[0.8], [0.7, late if s.resolved_preset().epochs == 104 else 0.8]]})
        caveat = schedule_check(store, "fmnist", "transfer").caveat()
        assert caveat is None if late == 0.8 else "not shown to have converged" in caveat  # converged at the study's 1,040


def test_a_converged_schedule_still_names_a_verdict_measure_that_moved_a_point(tmp_path):
    from phnlab.analysis.convergence import schedule_check
    from phnlab.experiments.store import ResultsStore
    from phnlab.experiments.sweeps import steps_per_experience

    for late_aca, expected in ((0.515, "ACA still moved up to +1.5 points"), (0.505, None)):
        store = ResultsStore(tmp_path / str(late_aca))
        for s in convergence_specs("fmnist", (0,), "split"):  # learning accuracy flat: converged from the start
            steps = steps_per_experience(s.resolved_preset())
            store.save_metrics(s, {"label": s.label(), "learning_accuracy": 0.8, "forgetting": 0.0,
                                   "aca": late_aca if steps >= 1024 else 0.5, "wall_time_s": 60,
                                   "accuracy_matrix": [[0.8], [0.7, 0.8]]})
        caveat = schedule_check(store, "fmnist", "split").caveat()
        assert caveat is None if expected is None else (expected in caveat and "converged by learning accuracy" in caveat)


def test_an_unconverged_schedule_names_the_rule_s_own_move_first(tmp_path):
    """Not converged by learning accuracy: the caveat says how far that moved (why), then the verdicts' measures."""
    from phnlab.analysis.convergence import schedule_check
    from phnlab.experiments.store import ResultsStore
    from phnlab.experiments.sweeps import steps_per_experience

    store = ResultsStore(tmp_path)
    for s in convergence_specs("fmnist", (0,), "noisy"):  # HN-4 drops 2 points of learning accuracy on the doubling
        doubled = steps_per_experience(s.resolved_preset()) > 1024
        drop = 0.02 * doubled * (s.label() == "HN-4")
        store.save_metrics(s, {"label": s.label(), "learning_accuracy": 0.9 - drop, "forgetting": 0.0,
                               "aca": 0.9 - drop / 2, "wall_time_s": 60, "accuracy_matrix": [[0.9], [0.9, 0.9]]})
    caveat = schedule_check(store, "fmnist", "noisy").caveat()
    assert caveat.startswith("its runs' schedule is not shown to have converged (chapter 9, one seed: learning acc. "
                             "moved -2.0 points (HN-4, 1,024 → 2,048); ACA still moved up to -1.0 points"), caveat
