"""Our accuracy matrix, ACA and forgetting agree with Avalanche's own metrics on the same run."""

import warnings

import pytest
from avalanche.evaluation.metrics import accuracy_metrics, forgetting_metrics
from avalanche.training.plugins import EvaluationPlugin

from phnlab.metrics import aca, forgetting
from phnlab.strategies import attach_tensors, make_strategy, predict, tensors_of


def test_aca_and_forgetting_match_avalanche(tiny_preset, tiny_stream):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluator = EvaluationPlugin(accuracy_metrics(experience=True, stream=True),
                                     forgetting_metrics(experience=True, stream=True), loggers=[])
    s = make_strategy("naive", preset=tiny_preset, num_tasks=3, num_classes=2, device="cpu", seed=0)
    s.evaluator = evaluator
    s.plugins.append(evaluator)
    bench = tiny_stream.to_avalanche()
    train, test = list(bench.train_stream), list(bench.test_stream)
    for a, b, e in zip(train, test, tiny_stream.experiences):
        attach_tensors(a, e)
        attach_tensors(b, e)
    acc, moved = [], []
    for i, exp in enumerate(train):
        s.train(exp, eval_streams=[])
        acc.append([predict(s.model, tensors_of(t), batch_size=32, device="cpu") for t in test[: i + 1]])
        theirs = s.eval(test[: i + 1])
        # Avalanche keys accuracy per experience (and stream accuracy per task label)
        exp_acc = [theirs[f"Top1_Acc_Exp/eval_phase/test_stream/Task{j:03d}/Exp{j:03d}"] for j in range(i + 1)]
        assert exp_acc == pytest.approx(acc[i], abs=1e-9)
        assert sum(exp_acc) / len(exp_acc) == pytest.approx(aca(acc), abs=1e-9)
        if i > 0:
            assert theirs["StreamForgetting/eval_phase/test_stream"] == pytest.approx(forgetting(acc), abs=1e-9)
            moved.append(forgetting(acc))
    assert any(f != 0.0 for f in moved), moved  # some forgetting to agree on (not 0 against 0 throughout)
