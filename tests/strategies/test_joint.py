"""Joint training: each experience trains on the union of every experience so far, through the runner too."""

import torch

from phnlab.experiments.runner import run
from phnlab.experiments.spec import RunSpec
from phnlab.strategies import make_strategy, registry, tensors_of

TINY = (("num_experiences", 3), ("classes_per_experience", 2), ("train_per_class", 24), ("test_per_class", 12),
        ("epochs", 1), ("batch_size", 16), ("eval_batch_size", 32))


def test_joint_is_declared_as_a_reference_row():
    found = registry.identity("joint")
    assert registry.label("joint") == "Joint" and not found.in_paper and found.first_experience == "plain"


def test_each_experience_trains_on_the_union_and_keeps_it(tiny_preset, tiny_stream, train_stream):
    s = make_strategy("joint", preset=tiny_preset, num_tasks=3, num_classes=2, device="cpu", seed=0)
    loaders, make_loader = [], s.make_train_dataloader

    def keep_loader(**kwargs):  # each experience's training loader, as the template makes it
        make_loader(**kwargs)
        loaders.append(s.dataloader)

    s.make_train_dataloader = keep_loader
    list(train_stream(s, tiny_stream))
    seen_tasks, sizes = [], []
    for loader in loaders:  # experience i's: the union of experiences 0..i
        batches = list(loader)
        seen_tasks.append(sorted({int(t) for _, _, ts in batches for t in ts}))
        sizes.append(sum(len(y) for _, y, _ in batches))
    n = len(tiny_stream.experiences[0].train_y)
    assert seen_tasks == [[0], [0, 1], [0, 1, 2]] and sizes == [n, 2 * n, 3 * n]
    kept = sum(e.train_x.numel() + e.train_y.numel() * e.train_y.element_size() for e in tiny_stream.experiences)
    assert s.memory_bytes() == kept


def test_a_union_batch_prepares_each_image_as_its_experience_does(tiny_stream):
    from phnlab.data.augment import prepare
    from phnlab.strategies.joint import UnionBatches, _training_set

    sets = [_training_set(e) for e in tiny_stream.experiences[:2]]
    sets[1] = {**sets[1], "noise": "blur"}
    loader = UnionBatches(sets, batch_size=8, device="cpu", generator=torch.Generator().manual_seed(0))
    x, y, t = next(iter(loader))
    assert x.shape == (8, 3, 32, 32) and x.dtype == torch.float32 and set(t.tolist()) <= {0, 1}
    assert len(loader) == -(-sum(len(s["train_y"]) for s in sets) // 8)
    plain = prepare(sets[0]["train_x"][:1], train=False, noise=None, mean=sets[0]["mean"], std=sets[0]["std"])
    assert plain.shape == (1, 3, 32, 32)


def test_a_joint_run_resumes_to_the_same_matrix(tmp_path, data_root):
    spec = RunSpec("split", "joint", 0, seed=0, preset="ci", overrides=TINY)
    whole = run(spec, results_dir=tmp_path / "a", device="cpu", quiet=True, data_root=data_root).metrics
    assert len(whole["accuracy_matrix"]) == 3 and whole["memory_bytes"] > 0
    part = run(spec, results_dir=tmp_path / "b", device="cpu", quiet=True, data_root=data_root, stop_after=1)
    assert len(part.metrics["accuracy_matrix"]) == 1
    resumed = run(spec, results_dir=tmp_path / "b", device="cpu", quiet=True, data_root=data_root)
    assert resumed.resumed_from == 1 and resumed.metrics["accuracy_matrix"] == whole["accuracy_matrix"]
