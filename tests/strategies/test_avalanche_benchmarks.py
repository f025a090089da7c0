"""phnlab's strategies on a benchmark that Avalanche built, with Avalanche's own plugins: the template's
constructor, its evaluator and an lr scheduler that acts, latent replay storing latents from the
experience's own data set, and clear errors for labels and task labels the models cannot take."""

import warnings

import pytest
import torch
from avalanche.benchmarks import nc_benchmark
from avalanche.core import SupervisedPlugin
from avalanche.evaluation.metrics import accuracy_metrics
from avalanche.training.plugins import EvaluationPlugin, LRSchedulerPlugin

from phnlab.errors import BadInput
from phnlab.hyper.model import PartialHyperModel
from phnlab.strategies import EWC, LatentReplay, Naive, PartialHN
from phnlab.models.multitask import MultiTaskResNet

TASKS, CLASSES = 2, 2


class _Images(torch.utils.data.Dataset):
    """Random 3×32×32 images, labels 0..3 in turn (a data set as torchvision's expose them: `.targets`)."""

    def __init__(self, n, seed):
        self.x = torch.randn(n, 3, 32, 32, generator=torch.Generator().manual_seed(seed))
        self.targets = [i % (TASKS * CLASSES) for i in range(n)]

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return self.x[i], self.targets[i]


def _dataset(n, seed):
    return _Images(n, seed)


def _benchmark(task_labels=True, from_zero=True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nc_benchmark(_dataset(32, 0), _dataset(16, 1), n_experiences=TASKS, task_labels=task_labels,
                            seed=0, class_ids_from_zero_in_each_exp=from_zero, fixed_class_order=list(range(4)))


class LrLog(SupervisedPlugin):
    def __init__(self):
        super().__init__()
        self.lrs = []

    def before_training_epoch(self, strategy, **kwargs):
        self.lrs.append(strategy.optimizer.param_groups[0]["lr"])


def _strategies():
    resnet = lambda k=0: MultiTaskResNet(num_classes=CLASSES, num_heads=TASKS, running_stats_depth=k)  # noqa: E731
    hn = PartialHyperModel(freeze_depth=4, num_tasks=TASKS, num_classes=CLASSES)
    return {"naive": lambda **kw: Naive(model=resnet(), **kw),
            "ewc": lambda **kw: EWC(model=resnet(), **kw),
            "lr": lambda **kw: LatentReplay(model=resnet(4), freeze_depth=4, buffer_size=8, replay_mb_size=4, **kw),
            "hn": lambda **kw: PartialHN(model=hn, lookahead="first", **kw)}


@pytest.mark.parametrize("name", ["naive", "ewc", "lr", "hn"])
def test_each_strategy_runs_an_avalanche_benchmark_with_its_plugins(name):
    bm = _benchmark()
    make = _strategies()[name]
    probe = make(lr=0.1)
    optimizer = torch.optim.SGD(probe.model.parameters(), lr=0.1)
    lrs = LrLog()
    scheduler = LRSchedulerPlugin(torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluator = EvaluationPlugin(accuracy_metrics(experience=True), loggers=[])
    s = type(probe)(model=probe.model, optimizer=optimizer, criterion=torch.nn.CrossEntropyLoss(), train_mb_size=8,
                    train_epochs=2, eval_mb_size=8, device="cpu", plugins=[scheduler, lrs], evaluator=evaluator,
                    **({"freeze_depth": 4, "buffer_size": 8, "replay_mb_size": 4} if name == "lr" else {}))
    for exp in bm.train_stream:
        s.train(exp)
    assert lrs.lrs[:2] == pytest.approx([0.1, 0.01])  # the scheduler acted on the strategy's optimiser
    assert s.optimizer is optimizer
    metrics = s.eval(bm.test_stream)
    assert any(k.startswith("Top1_Acc_Exp") for k in metrics)
    if name == "lr":
        assert len(s.buffer) == 8 and tuple(s.buffer.z.shape[1:]) == (160, 4, 4)  # latents of the data set


def test_the_default_evaluator_gives_metrics_and_lr_or_an_optimizer_is_required():
    bm = _benchmark()
    s = Naive(model=MultiTaskResNet(num_classes=CLASSES, num_heads=TASKS), lr=0.01, train_mb_size=8)
    s.train(bm.train_stream[0])
    assert s.eval(bm.test_stream[:1])  # Avalanche's default evaluator, not an empty dict
    with pytest.raises(BadInput, match="not neither"):
        Naive(model=MultiTaskResNet(num_classes=CLASSES, num_heads=TASKS))


def test_labels_and_task_labels_the_models_cannot_take_are_refused():
    with pytest.raises(BadInput, match="labels 0..1 in each task"):
        Naive(model=MultiTaskResNet(num_classes=CLASSES, num_heads=TASKS), lr=0.01,
              train_mb_size=8).train(_benchmark(from_zero=False).train_stream[1])
    hn = PartialHN(model=PartialHyperModel(freeze_depth=4, num_tasks=TASKS, num_classes=4), lr=0.01, train_mb_size=8)
    no_tasks = _benchmark(task_labels=False)
    hn.train(no_tasks.train_stream[0])
    with pytest.raises(BadInput, match="needs a new task label per experience"):
        hn.train(no_tasks.train_stream[1])


@pytest.mark.parametrize("cls", [Naive, EWC])
def test_an_avalanche_multi_head_model_grows_its_heads_as_avalanche_grows_them(cls):
    from avalanche.models import MTSimpleMLP

    model = MTSimpleMLP(input_size=3 * 32 * 32, hidden_size=16)
    s = cls(model=model, lr=0.01, train_mb_size=8, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for exp in _benchmark().train_stream:
            s.train(exp)
        metrics = s.eval(_benchmark().test_stream)
    assert sorted(model.classifier.classifiers.keys()) == ["0", "1"]  # one head per task label seen
    assert {k for k in metrics if k.startswith("Top1_Acc_Exp")} == {
        f"Top1_Acc_Exp/eval_phase/test_stream/Task00{t}/Exp00{t}" for t in range(TASKS)}
