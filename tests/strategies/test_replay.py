"""Experience replay ER: raw images of earlier experiences in a class-balanced buffer, replayed augmented."""

import torch

from phnlab.experiments.runner import run
from phnlab.experiments.spec import RunSpec
from phnlab.strategies import make_strategy, registry

TINY = (("num_experiences", 3), ("classes_per_experience", 2), ("train_per_class", 24), ("test_per_class", 12),
        ("epochs", 1), ("batch_size", 16), ("eval_batch_size", 32), ("buffer_size", 20), ("replay_batch_size", 8))


def test_er_is_declared_as_a_reference_row_that_shares_lrs_buffer_size():
    found = registry.identity("er")
    assert not found.in_paper and registry.label("er", 0, 0.0) == "ER (c=0)" and registry.label("er") == "ER"
    assert registry.hyperparameter_fields()["buffer_size"] == ("lr", "er")


def test_the_buffer_keeps_raw_images_balanced_over_the_classes_seen(tiny_preset, tiny_stream, train_stream):
    preset = tiny_preset.with_overrides(buffer_size=20)
    s = make_strategy("er", preset=preset, num_tasks=3, num_classes=2, device="cpu", seed=0)
    for i, _ in enumerate(train_stream(s, tiny_stream)):
        classes = torch.unique(s.buffer.t * 2 + s.buffer.y, return_counts=True)[1]
        assert len(classes) == 2 * (i + 1) and int(classes.max() - classes.min()) <= 1 and len(s.buffer) == 20
    assert s.buffer.z.dtype == torch.uint8 and s.memory_bytes() == 20 * 3 * 32 * 32
    stored = {tuple(img.flatten()[:16].tolist()) for e in tiny_stream.experiences for img in e.train_x}
    assert all(tuple(img.flatten()[:16].tolist()) in stored for img in s.buffer.z)  # images as stored


def test_replayed_images_are_prepared_as_their_experience_prepares_them(tiny_preset, tiny_stream, train_stream):
    s = make_strategy("er", preset=tiny_preset, num_tasks=3, num_classes=2, device="cpu", seed=0)
    list(train_stream(s, tiny_stream, upto=2))
    x, y, t = s.buffer.sample(8)
    out = s.prepared(x, t)
    assert out.dtype == torch.float32 and out.shape == (8, 3, 32, 32)
    assert abs(float(out.mean())) < 3 and not torch.equal(out, x.float())  # normalised, not raw


def test_an_er_run_resumes_to_the_same_matrix(tmp_path, data_root):
    spec = RunSpec("split", "er", 0, seed=0, preset="ci", overrides=TINY)
    whole = run(spec, results_dir=tmp_path / "a", device="cpu", quiet=True, data_root=data_root).metrics
    assert len(whole["accuracy_matrix"]) == 3 and whole["memory_bytes"] == 20 * 3 * 32 * 32
    part = run(spec, results_dir=tmp_path / "b", device="cpu", quiet=True, data_root=data_root, stop_after=1)
    assert len(part.metrics["accuracy_matrix"]) == 1
    resumed = run(spec, results_dir=tmp_path / "b", device="cpu", quiet=True, data_root=data_root)
    assert resumed.resumed_from == 1 and resumed.metrics["accuracy_matrix"] == whole["accuracy_matrix"]
