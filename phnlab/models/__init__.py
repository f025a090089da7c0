"""The main model: slim ResNet-18, its decomposition at freeze depth k, and its suffix as a module run
from generated tensors."""

from .resnet import SlimResNet18, Suffix, TensorSpec, feature_shape, run_suffix

__all__ = ["SlimResNet18", "Suffix", "TensorSpec", "feature_shape", "run_suffix"]
