from phnlab.experiments.schedule import estimated_cost, longest_first
from phnlab.experiments.spec import RunSpec


def test_longest_first_starts_with_second_order_and_the_long_schedules():
    short = RunSpec("split", "lr", 4, preset="quick")
    longer = RunSpec("split", "lr", 4, preset="quick", overrides=(("epochs", 31),))
    second = RunSpec("split", "hn", 0, "second", preset="quick")
    first = RunSpec("split", "hn", 0, "first", preset="quick")
    transfer = RunSpec("transfer", "lr", 4, replay_coef=0.0, preset="quick", dataset="synthetic-shapes",
                       dataset2="synthetic-glyphs")
    assert estimated_cost(second) > estimated_cost(first) > estimated_cost(short) > estimated_cost(transfer)
    # HN-F first order trains experience 1 as second order does: it comes after the runs that train their own
    assert longest_first([short, transfer, first, longer, second]) == [second, longer, short, transfer, first]


def test_one_run_of_each_experience_1_group_goes_first_and_the_others_cost_less():
    from phnlab.experiments.schedule import first_shared, run_order

    lr = [RunSpec("split", "lr", k, seed=seed, preset="quick") for seed in (0, 1) for k in (0, 4)]
    assert first_shared(lr) == [False, True, False, True]  # LR-4 loads LR-0's experience 1, seed by seed
    assert run_order(lr) == [0, 2, 1, 3]
    assert estimated_cost(lr[1], first_shared=True) < estimated_cost(lr[1])


def test_what_is_not_a_run_spec_costs_one_and_keeps_its_place():
    assert estimated_cost(object()) == 1.0
    assert longest_first(["b", "a"]) == ["b", "a"]


def test_a_group_s_experience_1_is_trained_by_a_run_that_records_curves():
    from phnlab.experiments.schedule import first_shared, run_order

    second = RunSpec("split", "hn", 0, "second", seed=0, preset="quick", overrides=(("curve_every_epoch", False),))
    first = RunSpec("split", "hn", 0, "first", seed=0, preset="quick")
    assert first_shared([second, first]) == [True, False]  # the costlier run loads: it records no curves
    assert run_order([second, first]) == [1, 0]


def test_a_steps_cost_is_measured_on_stored_runs_against_naives_on_the_same_device():
    from phnlab.experiments.schedule import measured_step_costs, training_steps

    naive, lr4 = RunSpec("split", "naive", preset="quick"), RunSpec("split", "lr", 4, preset="quick")
    hn2 = RunSpec("split", "hn", 2, "second", preset="quick")
    steps = training_steps(naive)[0]
    stored = [(naive, {"wall_time_s": 1.0 * steps + 5, "curve_eval_s": [5.0], "device": "cpu"}),
              (lr4, {"wall_time_s": 0.25 * steps, "device": "cpu"}),
              (hn2, {"wall_time_s": 9.0 * steps, "device": "cuda"})]  # no Naive run on that device
    costs = measured_step_costs(stored)
    assert costs == {("naive", 0, ()): 1.0, ("lr", 4, (("replay_coef", 1.0),)): 0.25}
    assert estimated_cost(lr4, step_costs=costs) == 0.25 * steps  # the strategy file declares 0.40
    assert estimated_cost(hn2, step_costs=costs) == estimated_cost(hn2)  # not measured: the declared estimate


def test_training_steps_follow_each_streams_shape():
    """The noisy stream has 4 experiences and a transfer experience `transfer_classes` classes, whatever the
    preset's split stream has: the estimates and the measured step costs divide by these counts."""
    from phnlab.config import get_preset
    from phnlab.experiments.schedule import training_steps
    from phnlab.experiments.spec import RunSpec

    p = get_preset("fmnist")  # split 5 × 2, noisy 4 × 2, transfer 2 × 5 classes; 500 images a class
    assert p.stream_shape("split") == (5, 2) and p.stream_shape("noisy") == p.stream_shape("clean") == (4, 2)
    assert p.stream_shape("transfer") == (2, 5) and p.steps_per_epoch("transfer") == 40 and p.steps_per_epoch() == 16
    assert training_steps(RunSpec("noisy", "hn", 2, preset="fmnist")) == (4 * 1024, 1024)
    assert get_preset("paper").steps_per_epoch() is None  # a whole split: its size is not known before loading


def test_a_transfer_experience_trains_the_split_streams_steps():
    from phnlab.config import get_preset
    from phnlab.experiments.schedule import training_steps
    from phnlab.experiments.sweeps import steps_per_experience, sweep_specs

    fmnist = sweep_specs("transfer", "fmnist", (0,))
    assert {s.overrides for s in fmnist} == {(("epochs", 26),)}  # 40 steps an epoch: 1,040 against split's 1,024
    assert training_steps(fmnist[0])[1] == 1040 and steps_per_experience(get_preset("fmnist")) == 1024
    assert {s.overrides for s in sweep_specs("transfer", "quick")} == {()}  # the same classes: the preset's epochs


def test_the_seconds_per_unit_read_cpu_time_where_a_run_was_paused():
    from phnlab.experiments.schedule import seconds_per_unit
    from phnlab.metrics import busy_seconds

    naive = RunSpec("split", "naive", preset="quick")
    cost = estimated_cost(naive)
    quiet = {"wall_time_s": 0.2 * cost, "cpu_time_s": 0.2 * cost}
    paused = {"wall_time_s": 2.0 * cost, "cpu_time_s": 0.2 * cost}  # stopped for most of its wall time
    threads = {"wall_time_s": 0.2 * cost, "cpu_time_s": 0.8 * cost}  # four threads: CPU time exceeds the wall's
    old = {"wall_time_s": 0.2 * cost}  # stored before CPU time was
    assert [busy_seconds(m) for m in (quiet, paused, threads, old)] == [0.2 * cost] * 4
    assert busy_seconds({**paused, "device": "cuda:0"}) == 2.0 * cost  # a GPU run's CPU time is not its time
    per_unit, fitted = seconds_per_unit([(naive, m) for m in (quiet, paused, threads, old)])
    assert fitted == 4 and abs(per_unit - 0.2) < 1e-9
