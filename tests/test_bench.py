"""`phnlab bench`: the JSON it prints, the state it times, and one-line errors on bad input."""

import json
import math

import pytest
import torch

from phnlab.bench import (CASES, PRESET, RATIOS, TARGETS, paper_ratios, prepare_strategy, random_batch, run_scaling,
                          state_bytes, time_steps)
from phnlab.cli import main

# the smallest run that goes through every strategy's real step (timings here mean nothing)
TINY = ["--tasks", "2", "--repeats", "1", "--warmup", "0", "--eval-repeats", "1", "--batch-size", "2",
        "--eval-batch-size", "2", "--device", "cpu"]


def _positive(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v) and v > 0


def test_json_has_every_ratio_and_step_rate(capsys):
    assert main(["bench", "--json", *TINY]) == 0
    out = capsys.readouterr().out
    r = json.loads(out)  # exactly one JSON object
    keys = ["lookahead_first_over_none", "second_over_first_hnf", "second_over_first_hn4", "hnf_over_naive",
            "hn4_over_naive", "lr4_over_naive", *RATIOS]
    assert all(_positive(r[k]) for k in keys), {k: r.get(k) for k in keys}
    assert r["lookahead_first_over_none"] == max(r["lookahead_first_over_none_hnf"], r["lookahead_first_over_none_hn4"])
    assert set(r["steps_per_s"]) == {c.label for c in CASES}
    assert all(_positive(v) for v in r["steps_per_s"].values())
    assert all(_positive(v) for v in r["eval_images_per_s"].values()) and len(r["eval_images_per_s"]) == 5
    assert r["device"] == "cpu" and r["torch"] == torch.__version__ and r["tasks"] == 2 and r["repeats"] == 1
    assert set(r["targets"]) == set(TARGETS) and all(isinstance(t["met"], bool) for t in r["targets"].values())
    assert _positive(r["peak_memory_mb"])
    assert r["overrides"] == {}


def test_preset_fields_reach_every_strategy(capsys):
    assert main(["bench", "--json", *TINY, "--set", "channels_last=True", "--set", "precision=bf16"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["overrides"] == {"channels_last": True, "precision": "bf16"}
    assert all(_positive(v) for v in r["steps_per_s"].values())


@pytest.mark.parametrize("argv, fragment", [
    (["--tasks", "0"], "--tasks must be an integer >= 2"),
    (["--device", "tpu"], "unknown device 'tpu'"),
    (["--repeats", "0"], "--repeats must be an integer >= 1"),
    (["--tasks", "two"], "invalid int value"),
    (["--set", "precision=fp16"], "allowed: fp32, bf16"),
])
def test_bad_input_is_one_line_and_exit_2(argv, fragment, capsys):
    assert main(["bench", *argv]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1, err


def test_state_at_task_t_is_the_state_the_stream_would_have():
    cpu = torch.device("cpu")
    by_label = {c.label: c for c in CASES}
    ewc = prepare_strategy(by_label["EWC"], tasks=4, device=cpu)
    assert sorted(ewc.ewc.importances) == [0, 1, 2] and ewc.clock.train_exp_counter == 3
    lr = prepare_strategy(by_label["LR-4"], tasks=4, device=cpu)
    assert lr.model.frozen_depth == 4 and tuple(lr.buffer.z.shape[1:]) == (160, 4, 4)
    assert 0 < len(lr.buffer) <= 200 and set(lr.buffer.t.tolist()) == {0, 1, 2}
    hn = prepare_strategy(by_label["HN-4 first"], tasks=4, device=cpu)
    assert hn.model.frozen and hn.regularizer.previous.tolist() == [0, 1, 2]
    assert all(p.requires_grad for p in hn.optimizer.param_groups[0]["params"])
    # one timed iteration of the real loop updates the hypernetwork by look-ahead gradients
    before = [p.detach().clone() for p in hn.model.hnet.parameters()]
    (wall, cpu_s), = time_steps(hn, random_batch(2, classes=5, task=3, device=cpu), 1)
    assert wall > 0 and cpu_s >= 0 and hn.last_gradients is not None
    assert any(not torch.equal(a, b) for a, b in zip(before, hn.model.hnet.parameters()))


def test_the_benched_state_is_the_strategy_s_own():
    """`prepare_strategy` asks each strategy for its state, so a preset field it reads cannot be missed
    (`--set reg_tasks_per_step=2` times a regulariser over 2 sampled tasks), and the bytes counted are
    the tensors the strategy lists."""
    from phnlab.config import get_preset

    cpu = torch.device("cpu")
    by_label = {c.label: c for c in CASES}
    preset = get_preset(PRESET).with_overrides(reg_tasks_per_step=2)
    hn = prepare_strategy(by_label["HN-4 first"], tasks=5, device=cpu, preset=preset)
    assert hn.regularizer.tasks_per_step == 2 and len(hn.regularizer.sample()) == 2
    assert prepare_strategy(by_label["HN-4 first"], tasks=5, device=cpu).regularizer.sample() is None
    lr = prepare_strategy(by_label["LR-4"], tasks=3, device=cpu)
    params = sum(p.numel() * 4 for p in lr.model.parameters())
    assert lr.memory_bytes() == lr.buffer.z.numel() * 4 > 0
    assert state_bytes(lr) >= params + lr.memory_bytes()
    assert hn.memory_bytes() == sum(p.numel() for p in hn.model.hnet.parameters()) * 4
    targets = sum(t.numel() * 4 for t in hn.regularizer.target_tensors())
    assert state_bytes(hn) >= sum(p.numel() * 4 for p in hn.model.parameters()) + targets


def test_scaling_rows_and_paper_ratios():
    sc = run_scaling(device=torch.device("cpu"), previous=(1, 3), repeats=1, warmup=0, batch_size=2)
    rows = sc["rows"]
    assert [r["previous_tasks"] for r in rows] == [1, 3] and all(_positive(r["step_ms"]) for r in rows)
    assert _positive(sc["naive_step_ms"]) and all(_positive(r["over_naive"]) for r in rows)
    assert rows[1]["state_mb"] > rows[0]["state_mb"]  # targets grow with the previous tasks
    p = paper_ratios()
    assert p["hnf_over_naive"][0] == pytest.approx(636 / 120)
    assert p["lookahead_first_over_none"][1] == pytest.approx(636 / 407)


def test_stream_costs_time_every_experience_and_share_the_first(capsys):
    """`--stream-costs`: one time per experience of the preset's split stream for each case; experience 1 (no
    regulariser, the prefix trained) is timed once per model and is the same under every update."""
    from phnlab.bench import STREAM_CASES
    from phnlab.config import get_preset

    assert main(["bench", "--stream-costs", "--preset", "ci", "--repeats", "1", "--warmup", "0", "--device", "cpu",
                 "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    ci = get_preset("ci")
    assert set(r["step_ms"]) == {c.label for c in STREAM_CASES} and r["experiences"] == ci.num_experiences
    assert all(len(v) == ci.num_experiences and all(map(_positive, v)) for v in r["step_ms"].values())
    assert r["steps_per_experience"] == ci.epochs * ci.steps_per_epoch("split")
    for k in ("F", 1, 2, 3, 4):
        assert len({r["step_ms"][f"HN-{k} {mode}"][0] for mode in ("none", "first", "second")}) == 1
    assert main(["bench", "--stream-costs", "--set", "precision=bf16"]) == 2
    assert "allowed without --set" in capsys.readouterr().err


def test_the_first_experience_trains_the_prefix():
    """The state of experience 1 that `--stream-costs` times: the prefix is still trained there, later it is frozen."""
    from phnlab.bench import STREAM_CASES
    from phnlab.config import get_preset

    hn2 = next(c for c in STREAM_CASES if c.label == "HN-2 first")
    first = prepare_strategy(hn2, tasks=1, device=torch.device("cpu"), preset=get_preset("ci"))
    later = prepare_strategy(hn2, tasks=2, device=torch.device("cpu"), preset=get_preset("ci"))
    assert not first.model.frozen and first.regularizer is None
    assert later.model.frozen and later.regularizer is not None
