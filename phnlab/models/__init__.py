"""The main model: slim ResNet-18, its decomposition at freeze depth k, and its suffix as a module run
from generated tensors."""

from .resnet import SlimResNet18, Suffix, feature_shape, run_suffix
from .specs import TensorSpec, declared_specs

__all__ = ["SlimResNet18", "Suffix", "TensorSpec", "declared_specs", "feature_shape", "run_suffix"]
