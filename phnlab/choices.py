"""The values a run's named options may take, and the one-line refusal of any other (CLI, specs, registry)."""

from __future__ import annotations

from .errors import BadInput

__all__ = ["STREAM_KINDS", "NOISY_EXPERIENCES", "TRANSFER_EXPERIENCES", "FREEZE_DEPTHS", "LOOKAHEAD_MODES", "PRECISIONS", "BN_POLICIES", "check_freeze_depth",
           "check_lookahead", "check_bn_policy"]

STREAM_KINDS = ("split", "noisy", "clean", "transfer")  # phnlab.data.streams builds each
NOISY_EXPERIENCES = 4  # noisy and clean streams: experience 1 clean, then three noises (streams.NOISY_SCHEDULE)
TRANSFER_EXPERIENCES = 2  # a preset sets the split stream's count, not these
FREEZE_DEPTHS = (0, 1, 2, 3, 4)
LOOKAHEAD_MODES = ("none", "first", "second")
PRECISIONS = ("fp32", "bf16")
# BatchNorm policies (phnlab.models.batchnorm): population (ours), running (the authors' LR),
# batch (the authors' HN); "authors" is their pairing: running for LR, batch for every other strategy.
BN_POLICIES = ("population", "running", "batch", "authors")


def check_freeze_depth(k: int, allowed: tuple[int, ...] = FREEZE_DEPTHS) -> int:
    if not isinstance(k, int) or isinstance(k, bool) or k not in allowed:
        raise BadInput(f"freeze depth {k!r} is not allowed; allowed: {', '.join(map(str, allowed))}")
    return k


def check_lookahead(mode: str) -> str:
    if mode not in LOOKAHEAD_MODES:
        raise BadInput(f"unknown look-ahead mode {mode!r}; allowed: {', '.join(LOOKAHEAD_MODES)}")
    return mode


def check_bn_policy(policy: str) -> str:
    if policy not in BN_POLICIES:
        raise BadInput(f"bn_policy {policy!r} is not allowed; allowed: {', '.join(BN_POLICIES)}")
    return policy
