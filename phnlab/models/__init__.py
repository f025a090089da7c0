"""The main model: slim ResNet-18, its decomposition at freeze depth k, and the functional suffix."""

from .functional import suffix_forward
from .resnet import SlimResNet18, TensorSpec, feature_shape

__all__ = ["SlimResNet18", "TensorSpec", "feature_shape", "suffix_forward"]
