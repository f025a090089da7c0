import pytest
import torch

from phnlab.errors import BadInput
from phnlab.strategies import make_strategy, predict, tensors_of
from phnlab.strategies.cosine_log import GradientCosineLog


def make(name, preset, **kw):
    return make_strategy(name, preset=preset, num_tasks=3, num_classes=2, device="cpu", seed=0, **kw)


@pytest.mark.parametrize("name, kw", [("naive", {}), ("ewc", {}), ("lr", {"freeze_depth": 2}),
                                      ("hn", {"freeze_depth": 3, "lookahead": "second"}),
                                      ("hn", {"freeze_depth": 0, "lookahead": "none"})])
def test_every_strategy_trains_on_the_tensor_fast_path(name, kw, tiny_preset, tiny_stream, train_stream):
    s = make(name, tiny_preset, **kw)
    accs = [predict(s.model, tensors_of(exp), batch_size=32, device="cpu") for exp in train_stream(s, tiny_stream)]
    assert len(accs) == 3 and all(0.0 <= a <= 1.0 for a in accs)


def test_hn_prefix_is_bitwise_frozen_after_the_first_experience(tiny_preset, tiny_stream, train_stream):
    s = make("hn", tiny_preset, freeze_depth=2)
    snapshots = []
    for _ in train_stream(s, tiny_stream):
        snapshots.append({k: v.clone() for k, v in s.model.prefix.state_dict().items()})
    assert s.model.frozen
    for a, b in zip(snapshots[0].values(), snapshots[-1].values()):
        assert torch.equal(a, b)


def test_hn_trains_only_the_current_tasks_rows_and_its_own_task_lr(tiny_preset, tiny_stream, train_stream):
    s = make("hn", tiny_preset.with_overrides(task_lr=0.05), freeze_depth=3)
    tables = []
    for _ in train_stream(s, tiny_stream):
        tables.append({k: v.detach().clone() for k, v in s.model.hnet.task_tables.items()})
        assert [g["lr"] for g in s.optimizer.param_groups] == [tiny_preset.lr, 0.05]
    for k in tables[0]:  # a task's rows are stored after its experience and never trained again
        assert torch.equal(tables[0][k][0], tables[1][k][0]) and torch.equal(tables[0][k][0], tables[2][k][0]), k
        assert torch.equal(tables[1][k][1], tables[2][k][1]), k
    # task 2 starts from task 1's embedding (a copy) and is trained away from it
    assert not torch.equal(tables[2]["embedding"][2], tables[2]["embedding"][1])


def relative_drift(strategy, stream, train_stream):
    """sqrt(Σ (H(j) − H*(j))² / Σ H*(j)²) over previous tasks, at the end of each later experience."""
    drift = []
    for _ in train_stream(strategy, stream):
        reg = strategy.regularizer
        if reg is None:
            continue
        with torch.no_grad():
            out = strategy.model.hnet(reg.previous)
        targets = reg.full_targets()
        err = sum(float(((out[n] - targets[n]) ** 2).sum()) for n in out)
        drift.append((err / sum(float((targets[n] ** 2).sum()) for n in out)) ** 0.5)
    return drift


def test_hn_keeps_previous_tasks_close_to_their_targets(tiny_preset, tiny_stream, train_stream):
    preset = tiny_preset.with_overrides(epochs=2)
    held = relative_drift(make("hn", preset, freeze_depth=2), tiny_stream, train_stream)
    free = relative_drift(make("hn", preset.with_overrides(reg_coef=0.0), freeze_depth=2), tiny_stream, train_stream)
    assert len(held) == 2
    assert all(d < 0.02 for d in held), held  # measured 0.008–0.010
    assert all(h < f / 4 for h, f in zip(held, free)), (held, free)  # unregularised: 0.05–0.06


def test_the_cosine_log_records_every_lookahead_step_from_experience_two(tiny_preset, tiny_stream, train_stream):
    log = GradientCosineLog()
    s = make("hn", tiny_preset, freeze_depth=4, plugins=[log])
    list(train_stream(s, tiny_stream))
    steps = -(-len(tiny_stream.experiences[1].train_y) // tiny_preset.batch_size) * tiny_preset.epochs
    assert [c["experience"] for c in log.entries] == [1] * steps + [2] * steps
    assert all(-1.0 <= c["cosine"] <= 1.0 and c["reg_loss"] >= 0 for c in log.entries)


def test_lr_buffer_is_class_balanced_and_bounded(tiny_preset, tiny_stream, train_stream):
    s = make("lr", tiny_preset, freeze_depth=4)
    list(train_stream(s, tiny_stream))
    buf = s.buffer
    assert len(buf) <= tiny_preset.buffer_size
    assert tuple(buf.z.shape[1:]) == (160, 4, 4)
    counts = torch.unique(buf.t * 10 + buf.y, return_counts=True)[1]
    assert len(counts) == 6 and counts.max() - counts.min() <= 1 and counts.sum() == 24
    assert s.model.frozen_depth == 4


@pytest.mark.parametrize("name, kw, fragment", [
    ("sgd", {}, "unknown strategy"),
    ("naive", {"freeze_depth": 2}, "freezes nothing"),
    ("hn", {"freeze_depth": 5}, "allowed: 0, 1, 2, 3, 4"),
    ("hn", {"lookahead": "third"}, "allowed: none, first, second"),
])
def test_bad_strategy_options(name, kw, fragment, tiny_preset):
    with pytest.raises(BadInput, match=fragment):
        make(name, tiny_preset, **kw)


@pytest.mark.parametrize("value", [0, -3, 1.5])
def test_bad_regulariser_sample_size(value, tiny_preset):
    with pytest.raises(BadInput, match="reg_tasks_per_step must be a positive integer"):
        make("hn", tiny_preset.with_overrides(reg_tasks_per_step=value), freeze_depth=2)


@pytest.mark.parametrize("name, kw", [("naive", {}), ("lr", {"freeze_depth": 2}),
                                      ("hn", {"freeze_depth": 2, "lookahead": "second"})])
@pytest.mark.parametrize("flags", [{"precision": "bf16"}, {"channels_last": True}])
def test_bf16_and_channels_last_flags_train_and_predict(name, kw, flags, tiny_preset, tiny_stream, train_stream):
    s = make(name, tiny_preset.with_overrides(**flags), **kw)
    seen = []
    original = s.model.forward

    def spy(x, *args, **kwargs):
        out = original(x, *args, **kwargs)
        seen.append((torch.is_autocast_enabled("cpu"), x.is_contiguous(memory_format=torch.channels_last), out.dtype))
        return out

    s.model.forward = spy
    accs = [predict(s.model, tensors_of(exp), batch_size=32, device="cpu") for exp in train_stream(s, tiny_stream, upto=2)]
    assert len(accs) == 2 and all(0.0 <= a <= 1.0 for a in accs)
    training = [t for t in seen if t[0]] if "precision" in flags else [t for t in seen if t[1]]
    assert training  # the flag reached the training forward
    if "precision" in flags:
        assert all(dtype == torch.bfloat16 for _, _, dtype in training)


def test_buffer_hands_out_every_slot():
    from phnlab.strategies.latent_replay import ClassBalancedBuffer, class_quotas

    assert class_quotas(200, [100] * 15) == [14] * 5 + [13] * 10  # 195 of 200 before
    assert class_quotas(10, [1, 100, 100]) == [1, 5, 4]  # a short class passes its slots on
    assert class_quotas(10, [2, 2]) == [2, 2]
    buf = ClassBalancedBuffer(20, torch.Generator().manual_seed(0))
    for task in range(3):  # 3 tasks × 2 classes: 20 slots = 4 classes of 3 and 2 classes of 4
        y = torch.arange(20) % 2
        buf.add(torch.randn(20, 4), y, torch.full((20,), task))
        assert len(buf) == 20
    counts = torch.unique(buf.t * 10 + buf.y, return_counts=True)[1]
    assert sorted(counts.tolist()) == [3, 3, 3, 3, 4, 4]
