"""What a main network declares to its hypernetwork: the tensors to generate, by name, shape and role.

One rule for every backbone (the slim ResNet-18's suffix, a user's CNN): conv weights are "conv" (made
channel-wise by the structured heads), linear weights "fc_weight", conv and linear biases "fc_bias"
(per-task tables), BatchNorm's γ and β "bn_weight" / "bn_bias" (per-task tables). Anything else cannot be
generated, and saying so is part of the declaration.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..errors import BadInput

__all__ = ["TensorSpec", "declared_specs", "ROLES"]

ROLES = ("conv", "bn_weight", "bn_bias", "fc_weight", "fc_bias")


@dataclass(frozen=True)
class TensorSpec:
    """One tensor of the generated part: its name in the model, shape and role."""

    name: str  # e.g. "layer3.0.conv1.weight", "classifier.weight"
    shape: tuple[int, ...]
    role: str  # one of ROLES


def _role(module: nn.Module, kind: str) -> str | None:
    if isinstance(module, nn.Conv2d) and kind == "weight":
        return "conv"
    if isinstance(module, nn.Linear) and kind == "weight":
        return "fc_weight"
    if isinstance(module, (nn.Conv2d, nn.Linear)) and kind == "bias":
        return "fc_bias"
    if isinstance(module, nn.modules.batchnorm._BatchNorm) and kind in ("weight", "bias"):
        return f"bn_{kind}"
    return None


def declared_specs(model: nn.Module, children: list[str] | None = None) -> list[TensorSpec]:
    """The specs of every parameter of `model`'s named `children` (all of them when None), in
    registration order, named as `model.named_parameters()` names them."""
    names = children if children is not None else [n for n, _ in model.named_children()]
    specs = []
    for child in names:
        for pname, p in getattr(model, child).named_parameters(prefix=child):
            owner, kind = pname.rsplit(".", 1)
            module = model.get_submodule(owner)
            role = _role(module, kind)
            if role is None:
                raise BadInput(f"{pname} ({type(module).__name__}.{kind}) is a parameter the hypernetwork's heads "
                               "cannot generate; allowed in the generated part: Conv2d and Linear weights and "
                               "biases, BatchNorm weights and biases")
            specs.append(TensorSpec(pname, tuple(p.shape), role))
    return specs
