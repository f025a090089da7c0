"""The shipped runs' time claims from step times measured in one window (`analysis.step_times`)."""

import json

from phnlab.analysis import lookahead, step_times

MODEL = {"preset": "fmnist", "device_name": "x86_64 CPU, 1 threads", "threads": 1, "repeats": 9,
         "steps_per_experience": 600, "experiences": 3,
         "step_ms": {f"HN-{k or 'F'} {mode}": [100.0, cost, cost] for k in range(5)
                     for mode, cost in (("none", 50.0), ("first", 55.0), ("second", 200.0 if k == 0 else 60.0))}}


def _stored(tmp_path, doc=MODEL, preset="fmnist"):
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / step_times.STREAM_COSTS_FILE.format(preset=preset)).write_text(json.dumps(doc))
    return step_times.stored_stream_costs(preset, tmp_path)


def test_a_run_s_minutes_are_its_steps_times_the_sum_over_experiences(tmp_path):
    costs = _stored(tmp_path)
    assert costs.minutes(0, "second") == 600 * (100 + 200 + 200) / 60000
    assert costs.minutes(2, "first") == 600 * 210 / 60000
    assert "step times measured at every experience in one window" in costs.source() and "600 steps" in costs.source()
    frame = step_times.costs_frame(costs)
    assert frame.loc[("HN-F", "second"), "× first order"] == round(500 / 210, 2)


def test_missing_or_foreign_models_are_none(tmp_path):
    assert step_times.stored_stream_costs("fmnist", tmp_path) is None
    assert _stored(tmp_path, {**MODEL, "preset": "quick"}) is None  # another preset's file under this name
    rows = [{"k": 1, "mode": "first", "minutes": 99.0}]
    assert step_times.timed(rows, "fmnist", tmp_path) == (rows, False)  # no model: the claims cannot tell


def test_rows_take_the_model_s_minutes_and_the_verdicts_decide_on_them(tmp_path):
    _stored(tmp_path)
    rows = [{"k": k, "mode": mode, "seeds": 1, "aca": aca, "learning_accuracy": 80.0, "minutes": 1.0,
             "paper_aca": 0, "paper_learning_accuracy": 0, "paper_minutes": 1}
            for k in range(5) for mode, aca in (("first", 60.0), ("second", 59.0))]
    timed, timing = step_times.timed(rows, "fmnist", tmp_path)
    assert isinstance(timing, str) and {r["minutes"] for r in timed if r["mode"] == "first"} == {600 * 210 / 60000}
    v5 = lookahead.table5_verdict(timed, timing=timing)
    slower = v5["Second order takes"]
    assert slower.holds and timing in slower.detail
    assert v5["First order is the better"].holds  # second order loses in ACA and costs more: the paper's conclusion
    assert lookahead.table5_verdict(rows, timing=False)["First order is the better"].holds is None  # untimed
    t2 = step_times.timed_by_steps([{"strategy": "HN-2", "minutes": 1.0}, {"strategy": "LR-2", "minutes": 1.0}],
                                   step_times.stored_stream_costs("fmnist", tmp_path))
    assert t2[0]["minutes"] == 600 * 210 / 60000 and t2[1]["minutes"] is None  # LR-k: not in the model
