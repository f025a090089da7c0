"""Augmentation and noise on whole batches, on the batch's own device.

The paper's pipeline is per-sample torchvision transforms on the CPU (RandomCrop(32, padding=4),
RandomHorizontalFlip, ToTensor, the noise of the experience, Normalize). Here the same operations
act on a whole uint8 batch at once (no Python loop over samples), so they run on the GPU next to the
model. `torchvision.transforms.v2.functional` does solarize, autocontrast and normalize on whole
batches. Written here, because torchvision's batch ops cannot do them: the crop and flip drawn per
sample (v2 draws one for the batch) and the blur with a sigma per image. `to_float` and `grayscale`
stay ours as well: torchvision's differ from them by one float ulp (it multiplies by 1/255, and sums
the luma in another order), which would change every retrained run against the stored results.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torchvision.transforms.v2 import functional as TF

from ..errors import BadInput

__all__ = [
    "NOISES",
    "prepare",
    "to_float",
    "random_crop_flip",
    "apply_noise",
    "normalize",
    "solarize",
    "gaussian_blur",
    "autocontrast",
    "grayscale",
    "SampleTransform",
]

# The noise of each experience of the paper's noisy stream (None: clean), with its parameters.
NOISES = ("solarize", "blur", "autocontrast-grey-blur")
SOLARIZE_THRESHOLD = 0.5
BLUR_KERNEL = 5
BLUR_SIGMA = 0.9
GREY_BLUR_SIGMA = (0.6, 0.7)  # drawn uniformly per image
CROP_PADDING = 4


def _rand(shape, generator, device, kind="uniform", high=None) -> torch.Tensor:
    """Random numbers drawn on the generator's device (CPU when None), then moved to `device`."""
    gdev = generator.device if generator is not None else torch.device("cpu")
    if kind == "int":
        out = torch.randint(0, high, shape, generator=generator, device=gdev)
    else:
        out = torch.rand(shape, generator=generator, device=gdev)
    return out.to(device)


def to_float(x: torch.Tensor) -> torch.Tensor:
    """uint8 [N,3,H,W] in 0..255 → float32 in [0,1] (what ToTensor does)."""
    if x.dtype == torch.uint8:
        return x.to(torch.float32).div_(255.0)
    return x.to(torch.float32)


def random_crop_flip(
    x: torch.Tensor, *, padding: int = CROP_PADDING, generator: torch.Generator | None = None
) -> torch.Tensor:
    """RandomCrop(size, padding, zero fill) + RandomHorizontalFlip(0.5), per sample, one gather.

    x: [N,C,H,W] → [N,C,H,W]; offsets and flips drawn per sample from `generator`.
    """
    n, c, h, w = x.shape
    xp = F.pad(x, (padding, padding, padding, padding))  # [N,C,H+2p,W+2p], zeros
    oy = _rand((n,), generator, x.device, "int", 2 * padding + 1)
    ox = _rand((n,), generator, x.device, "int", 2 * padding + 1)
    flip = _rand((n,), generator, x.device) < 0.5
    ar_h = torch.arange(h, device=x.device)
    ar_w = torch.arange(w, device=x.device)
    rows = oy[:, None] + ar_h[None, :]  # [N,H]
    cols = ox[:, None] + torch.where(flip[:, None], (w - 1) - ar_w[None, :], ar_w[None, :])  # [N,W]
    idx_n = torch.arange(n, device=x.device)[:, None, None]
    out = xp.permute(0, 2, 3, 1)[idx_n, rows[:, :, None], cols[:, None, :]]  # [N,H,W,C]
    return out.permute(0, 3, 1, 2).contiguous()


def solarize(x: torch.Tensor, threshold: float = SOLARIZE_THRESHOLD) -> torch.Tensor:
    """Invert every value ≥ threshold (float images in [0,1])."""
    return TF.solarize(x, threshold)


def _gaussian_kernels(sigma: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """1-D Gaussian kernels, one per sigma: [N] → [N,K] (torchvision's kernel)."""
    half = (kernel_size - 1) / 2
    t = torch.linspace(-half, half, kernel_size, device=sigma.device, dtype=torch.float32)
    k = torch.exp(-0.5 * (t[None, :] / sigma[:, None]) ** 2)
    return k / k.sum(dim=1, keepdim=True)


def gaussian_blur(x: torch.Tensor, sigma: float | torch.Tensor, kernel_size: int = BLUR_KERNEL) -> torch.Tensor:
    """Separable Gaussian blur with reflect padding; `sigma` a float or one value per image [N]."""
    n, c, h, w = x.shape
    sig = torch.as_tensor(sigma, dtype=torch.float32, device=x.device).reshape(-1)
    if sig.numel() == 1:
        sig = sig.expand(n)
    k1 = _gaussian_kernels(sig, kernel_size)  # [N,K]
    k1 = k1.repeat_interleave(c, dim=0)  # [N*C,K], one kernel per (image, channel) group
    pad = kernel_size // 2
    y = F.pad(x.reshape(1, n * c, h, w), (pad, pad, pad, pad), mode="reflect")
    y = F.conv2d(y, k1[:, None, None, :], groups=n * c)  # along W
    y = F.conv2d(y, k1[:, None, :, None], groups=n * c)  # along H
    return y.reshape(n, c, h, w)


def autocontrast(x: torch.Tensor) -> torch.Tensor:
    """Stretch each channel of each image to [0,1] (constant channels left as they are)."""
    return TF.autocontrast(x)


def grayscale(x: torch.Tensor) -> torch.Tensor:
    """ITU-R 601 luma (torchvision's weights), repeated to 3 channels."""
    r, g, b = x.unbind(dim=1)
    grey = r * 0.2989 + g * 0.587 + b * 0.114
    return grey[:, None].expand(-1, 3, -1, -1).contiguous()


def apply_noise(x: torch.Tensor, noise: str | None, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """The noise of a noisy-stream experience on float images in [0,1] (None: unchanged)."""
    if noise is None:
        return x
    if noise == "solarize":
        return solarize(x)
    if noise == "blur":
        return gaussian_blur(x, BLUR_SIGMA)
    if noise == "autocontrast-grey-blur":
        lo, hi = GREY_BLUR_SIGMA
        sigma = lo + (hi - lo) * _rand((x.shape[0],), generator, x.device)
        return gaussian_blur(grayscale(autocontrast(x)), sigma)
    raise BadInput(f"unknown noise {noise!r}; allowed: none, {', '.join(NOISES)}")


def normalize(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    return TF.normalize(x, list(mean), list(std))


def prepare(
    x_uint8: torch.Tensor,
    *,
    train: bool,
    noise: str | None,
    mean: Sequence[float],
    std: Sequence[float],
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """uint8 [N,3,H,W] → float32 model input: [0,1] → (train: crop+flip) → noise → normalise.

    Random draws come from `generator` (on any device; None: torch's default CPU generator), so a
    seeded generator makes the result deterministic whatever device `x_uint8` is on.
    """
    if x_uint8.ndim != 4 or x_uint8.shape[1] != 3:
        raise BadInput(f"prepare expects a batch [N,3,H,W], got shape {tuple(x_uint8.shape)}")
    x = to_float(x_uint8)
    if train:
        x = random_crop_flip(x, generator=generator)
    x = apply_noise(x, noise, generator=generator)
    return normalize(x, mean, std)


class SampleTransform:
    """Per-sample CPU version of `prepare` (uint8 [3,H,W] → float [3,H,W]) for Avalanche datasets.

    It calls the same batched code on a batch of one, so Avalanche's loaders see exactly the
    transformation the device path applies. Picklable (DataLoader workers).
    """

    def __init__(self, *, train: bool, noise: str | None, mean: Sequence[float], std: Sequence[float]):
        self.train, self.noise = train, noise
        self.mean, self.std = tuple(mean), tuple(std)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return prepare(x[None], train=self.train, noise=self.noise, mean=self.mean, std=self.std)[0]

    def __repr__(self) -> str:
        return f"SampleTransform(train={self.train}, noise={self.noise!r})"
