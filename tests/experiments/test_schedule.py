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
    assert longest_first([short, transfer, first, longer, second]) == [second, longer, first, short, transfer]


def test_what_is_not_a_run_spec_costs_one_and_keeps_its_place():
    assert estimated_cost(object()) == 1.0
    assert longest_first(["b", "a"]) == ["b", "a"]
