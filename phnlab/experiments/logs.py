"""A run's curves for the tools Avalanche users watch (`phnlab run|sweep --log tensorboard|csv|wandb`).

Avalanche's own metrics and loggers, beside the run in the store (`<key>/logs/<backend>`): training loss and
accuracy per epoch, and after each experience the test accuracy and loss of every experience seen so far
(Avalanche's evaluation of the same test sets phnlab measures). The run's result is phnlab's own measurement
either way; logging adds that second evaluation and nothing else, so without `--log` nothing runs at all."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..errors import BadInput

__all__ = ["LOG_BACKENDS", "check_log", "make_evaluator", "close"]

LOG_BACKENDS = ("tensorboard", "csv", "wandb")
_NEEDS = {"tensorboard": "tensorboard", "wandb": "wandb"}  # backend -> the package it needs


def check_log(backend: str | None) -> str | None:
    """The backend, or one BadInput line: unknown, or its package not installed."""
    if backend is None:
        return None
    if backend not in LOG_BACKENDS:
        raise BadInput(f"--log {backend!r} is not allowed; allowed: {', '.join(LOG_BACKENDS)}")
    package = _NEEDS.get(backend)
    if package and importlib.util.find_spec(package) is None:
        raise BadInput(f"--log {backend} needs the {package} package, which is not installed: "
                       "pip install 'phnlab[logging]'")
    return backend


def make_evaluator(backend: str, folder: Path, spec):
    """An Avalanche `EvaluationPlugin` of accuracy and loss (epoch, experience, stream) with the backend's logger."""
    import warnings

    from avalanche.evaluation.metrics import accuracy_metrics, loss_metrics
    from avalanche.logging import CSVLogger, TensorboardLogger
    from avalanche.training.plugins import EvaluationPlugin

    check_log(backend)  # `runner.run(log=...)` from a script: the same one line as the CLI's
    folder = Path(folder) / "logs" / backend
    folder.mkdir(parents=True, exist_ok=True)
    if backend == "tensorboard":
        logger = TensorboardLogger(tb_log_dir=folder)
    elif backend == "csv":
        logger = CSVLogger(log_folder=folder)
    else:
        logger = _wandb_logger(folder, spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return EvaluationPlugin(accuracy_metrics(epoch=True, experience=True, stream=True),
                                loss_metrics(epoch=True, experience=True, stream=True), loggers=[logger])


def _wandb_logger(folder: Path, spec):
    """Avalanche's logger interface over W&B, scalars only. (Avalanche 0.6's `WandBLogger` calls wandb functions
    that wandb no longer has, `util.generate_id` and `viz`; W&B reads `WANDB_MODE`, `WANDB_PROJECT` and the rest.)"""
    import os
    import time

    import wandb
    from avalanche.logging import BaseLogger

    class WandBScalars(BaseLogger):
        def __init__(self):
            super().__init__()
            self.run = wandb.init(project=os.environ.get("WANDB_PROJECT", "phnlab"), name=f"{spec.label()} {spec.key()}", dir=str(folder),
                                  id=f"{spec.key()}-{int(time.time())}", config=spec.to_dict())

        def log_single_metric(self, name, value, x_plot):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.run.log({name: value}, step=x_plot)

        def close(self):
            self.run.finish()

    return WandBScalars()


def close(evaluator) -> None:
    """Flush and close the evaluator's loggers (TensorBoard writes its events on close)."""
    for logger in getattr(evaluator, "loggers", ()):
        writer = getattr(logger, "writer", None)
        if writer is not None:
            writer.close()
        elif hasattr(logger, "close"):
            logger.close()
