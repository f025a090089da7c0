"""phnlab's strategies in a plain Avalanche script.

scikit-learn's digits become a task-incremental benchmark of 5 experiences × 2 classes, built with
Avalanche's own `nc_benchmark`; Naive, latent replay LR-4 and the partial hypernetwork HN-4 train on it
with Avalanche's `EvaluationPlugin` and loggers, as any Avalanche strategy would.

    python examples/avalanche_script.py            # the whole data set, 4 epochs (a few minutes on a CPU)
    python examples/avalanche_script.py --tiny     # 10 images per class, 1 epoch: a smoke test
"""

import argparse
import warnings

import torch
import torch.nn.functional as F
from avalanche.benchmarks import nc_benchmark
from avalanche.evaluation.metrics import accuracy_metrics, forgetting_metrics
from avalanche.logging import InteractiveLogger
from avalanche.training.plugins import EvaluationPlugin
from sklearn.datasets import load_digits

from phnlab.hyper.model import PartialHyperModel
from phnlab.strategies import LatentReplay, Naive, PartialHN
from phnlab.models.multitask import MultiTaskResNet


class Digits(torch.utils.data.Dataset):
    """8×8 grey digits as 3×32×32 images in [0, 1], with `.targets` as Avalanche expects."""

    def __init__(self, images, labels):
        x = torch.tensor(images, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16
        self.x = F.interpolate(x, size=32, mode="bilinear").expand(-1, 3, -1, -1)
        self.targets = [int(y) for y in labels]

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return self.x[i], self.targets[i]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="10 images per class and 1 epoch")
    args = ap.parse_args(argv)
    digits = load_digits()
    per_class = 10 if args.tiny else len(digits.target)
    picks = [[i for i, y in enumerate(digits.target) if y == c][:per_class] for c in range(10)]
    train = [i for p in picks for i in p[: int(0.8 * len(p))]]  # 80 / 20 within every class
    test = [i for p in picks for i in p[int(0.8 * len(p)):]]
    train, test = (Digits(digits.images[idx], digits.target[idx]) for idx in (train, test))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        benchmark = nc_benchmark(train, test, n_experiences=5, task_labels=True, seed=0,
                                 class_ids_from_zero_in_each_exp=True)
    common = dict(lr=1e-3, train_mb_size=32, train_epochs=1 if args.tiny else 4, eval_mb_size=64, device="cpu")

    # the phnlab lines: three strategies, each an Avalanche SupervisedTemplate
    strategies = {
        "Naive": lambda **kw: Naive(model=MultiTaskResNet(num_classes=2, num_heads=5), **kw),
        "LR-4": lambda **kw: LatentReplay(model=MultiTaskResNet(num_classes=2, num_heads=5, running_stats_depth=4),
                                          freeze_depth=4, **kw),
        "HN-4": lambda **kw: PartialHN(model=PartialHyperModel(freeze_depth=4, num_tasks=5, num_classes=2),
                                       task_lr=3e-2, **kw),
    }

    final = {}
    for name, make in strategies.items():
        torch.manual_seed(0)
        evaluator = EvaluationPlugin(accuracy_metrics(stream=True), forgetting_metrics(experience=True),
                                     loggers=[] if args.tiny else [InteractiveLogger()])
        strategy = make(evaluator=evaluator, **common)
        for experience in benchmark.train_stream:
            strategy.train(experience)
        metrics = strategy.eval(benchmark.test_stream)
        final[name] = next(v for k, v in metrics.items() if k.startswith("Top1_Acc_Stream/eval_phase/test_stream"))
    for name, acc in final.items():
        print(f"{name}: average accuracy over the 5 tasks {100 * acc:.1f} %")
    return final


if __name__ == "__main__":
    main()
