"""What a run carries from one experience to the next besides its strategy's own state: the fingerprint of a
model's evaluation state, and the clock, random states and curve points that a checkpoint or a shared
experience 1 keeps."""

from __future__ import annotations

import torch

__all__ = ["model_state", "training_state", "restore_training_state"]


def model_state(model: torch.nn.Module) -> tuple:
    """What an evaluation of `model` depends on, cheaply: every tensor of its state (identity and in-place
    version counter), which parameters are trainable, and its frozen depth and BatchNorm modes. Equal
    fingerprints: the same predictions (a prefix frozen and recalibrated at the end of an experience changes it)."""
    tensors = tuple((name, t.data_ptr(), t._version, t.requires_grad) for name, t in model.state_dict(keep_vars=True).items())
    norms = tuple((name, m.track_running_stats, m.running_mean is None)
                  for name, m in model.named_modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm))
    flags = tuple((name, getattr(m, attr)) for name, m in model.named_modules()
                  for attr in ("frozen_depth", "frozen") if isinstance(getattr(m, attr, None), (bool, int)))
    return tensors, norms, flags


def training_state(strategy, progress) -> dict:
    """What training carries from one experience to the next besides the weights and the strategy's own
    state: clock, random states and curve points (a checkpoint keeps it, and so does a shared experience 1)."""
    return {"clock": dict(vars(strategy.clock)), "generator": strategy.generator.get_state(),
            "torch_rng": torch.get_rng_state(), "curves": progress.curves, "curve_eval_s": progress.eval_s}


def restore_training_state(strategy, progress, state: dict) -> None:
    vars(strategy.clock).update(state["clock"])
    strategy.generator.set_state(state["generator"])
    torch.set_rng_state(state["torch_rng"])
    progress.curves = [dict(point) for point in state["curves"]]
    progress.eval_s = list(state.get("curve_eval_s", []))  # absent from stores older than curve_eval_s
