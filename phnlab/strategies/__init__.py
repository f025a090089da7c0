"""Continual-learning strategies as Avalanche templates, one file each, collected by `registry`: Naive, EWC,
LR-k, partial HN-k / HN-F.

The package imports lightly: `registry` reads what a run spec needs from the strategy files' source; the
templates (and torch, Avalanche) load on first use of a name below.
"""

from __future__ import annotations

import importlib

from . import registry

__all__ = ["make_strategy", "PhnTemplate", "Naive", "EWC", "LatentReplay", "PartialHN", "attach_tensors",
           "tensors_of", "predict", "silent_evaluator", "registry"]

_WHERE = {"make_strategy": "factory", "PhnTemplate": "base", "attach_tensors": "tensors", "tensors_of": "tensors",
          "predict": "evaluation", "silent_evaluator": "evaluation", "Naive": "naive", "EWC": "ewc",
          "LatentReplay": "latent_replay", "PartialHN": "partial_hn"}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
