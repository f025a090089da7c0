"""The hypernetwork: structured heads, the partial model, and the output regulariser."""

from .heads import HyperNetwork
from .model import PartialHyperModel

__all__ = ["HyperNetwork", "PartialHyperModel"]
