"""The procedural renderer's primitives: pixel grids and poses, signed distances of shapes and strokes, fills,
textures, colours, backgrounds, clutter and noise (32×32 RGB, batched; every draw from a given generator).
`synthetic` composes them into its four domains."""

from __future__ import annotations

import math
from typing import Callable

import torch

__all__ = ["SIZE", "SHAPES", "FILLS", "GLYPHS", "TEXTURES", "uniform", "hsv", "colour_planes", "pixel_grid", "object_pose", "coverage_of", "segment_distance", "background_images", "clutter_behind", "contrasting_colour", "finish_images"]

SIZE = 32

# ----------------------------------------------------------------------------- geometry helpers


def pixel_grid(device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel centres in [-1, 1]: u (x, right) and v (y, up), each [32,32]."""
    c = (torch.arange(SIZE, dtype=torch.float32, device=device) + 0.5) / (SIZE / 2) - 1.0
    v, u = torch.meshgrid(-c, c, indexing="ij")
    return u, v


def uniform(n, g, lo=0.0, hi=1.0) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=g)


def object_pose(n, g, *, rot: float, scale=(0.55, 0.85), shift=0.25, aspect=0.0):
    """Object coordinates of every pixel: px, py [N,32,32] and the scale s [N] (object→image)."""
    u, v = pixel_grid()
    th = uniform(n, g, -rot, rot)
    s = uniform(n, g, *scale)
    tx, ty = uniform(n, g, -shift, shift), uniform(n, g, -shift, shift)
    asp = torch.exp(uniform(n, g, -aspect, aspect))  # anisotropic stretch
    du, dv = u[None] - tx[:, None, None], v[None] - ty[:, None, None]
    c, si = torch.cos(th)[:, None, None], torch.sin(th)[:, None, None]
    px = (c * du + si * dv) / (s[:, None, None] * asp[:, None, None])
    py = (-si * du + c * dv) / (s[:, None, None] / asp[:, None, None])
    return px, py, s


def coverage_of(d_obj: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """Anti-aliased coverage in [0,1] from a signed distance in object units (≈1 px ramp)."""
    d_pix = d_obj * s[:, None, None] * (SIZE / 2)
    return (0.5 - d_pix).clamp(0.0, 1.0)


def _box(px, py, bx, by):
    qx, qy = px.abs() - bx, py.abs() - by
    out = torch.sqrt(qx.clamp(min=0) ** 2 + qy.clamp(min=0) ** 2)
    return out + torch.maximum(qx, qy).clamp(max=0)


def _circle(px, py, r, cx=0.0, cy=0.0):
    return torch.sqrt((px - cx) ** 2 + (py - cy) ** 2) - r


def _ngon(px, py, n, r):
    phi = torch.atan2(py, px)
    sector = 2 * math.pi / n
    a = torch.remainder(phi + math.pi / 2, sector) - sector / 2  # one vertex points up
    return torch.sqrt(px**2 + py**2) * torch.cos(a) - r * math.cos(math.pi / n)


def _polar(px, py, r0, amp, k):
    phi = torch.atan2(py, px)
    return torch.sqrt(px**2 + py**2) - r0 * (1 + amp * torch.cos(k * phi))


def segment_distance(px, py, a, b):
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    h = (((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy + 1e-9)).clamp(0, 1)
    return torch.sqrt((px - ax - h * dx) ** 2 + (py - ay - h * dy) ** 2)


def _tri(px, py, a, b, c):
    """Signed distance of a triangle (vertices counter-clockwise)."""
    d = torch.minimum(torch.minimum(segment_distance(px, py, a, b), segment_distance(px, py, b, c)), segment_distance(px, py, c, a))
    inside = torch.ones_like(px, dtype=torch.bool)
    for (x0, y0), (x1, y1) in ((a, b), (b, c), (c, a)):
        inside &= (x1 - x0) * (py - y0) - (y1 - y0) * (px - x0) >= 0
    return torch.where(inside, -d, d)


SHAPES: dict[str, Callable] = {
    "circle": lambda x, y: _circle(x, y, 0.8),
    "triangle": lambda x, y: _ngon(x, y, 3, 0.95),
    "square": lambda x, y: _box(x, y, 0.7, 0.7),
    "pentagon": lambda x, y: _ngon(x, y, 5, 0.85),
    "hexagon": lambda x, y: _ngon(x, y, 6, 0.85),
    "star": lambda x, y: _polar(x, y, 0.62, 0.42, 5),
    "plus": lambda x, y: torch.minimum(_box(x, y, 0.85, 0.26), _box(x, y, 0.26, 0.85)),
    "ring": lambda x, y: (torch.sqrt(x**2 + y**2) - 0.6).abs() - 0.22,
    "crescent": lambda x, y: torch.maximum(_circle(x, y, 0.85), -_circle(x, y, 0.7, 0.4, 0.15)),
    "arrow": lambda x, y: torch.minimum(_box(x, y + 0.3, 0.2, 0.55), _tri(x, y, (-0.7, 0.1), (0.7, 0.1), (0.0, 0.9))),
    "ellipse": lambda x, y: (torch.sqrt((x / 0.95) ** 2 + (y / 0.45) ** 2) - 1.0) * 0.45,
    "half-disc": lambda x, y: torch.maximum(_circle(x, y + 0.35, 0.9), -(y + 0.35)),
    "flower": lambda x, y: _polar(x, y, 0.6, 0.3, 6),
    "ell": lambda x, y: torch.minimum(_box(x + 0.45, y, 0.25, 0.8), _box(x, y + 0.55, 0.7, 0.25)),
    "tee": lambda x, y: torch.minimum(_box(x, y - 0.55, 0.8, 0.22), _box(x, y + 0.1, 0.22, 0.75)),
    "frame": lambda x, y: torch.maximum(_box(x, y, 0.8, 0.8), -_box(x, y, 0.45, 0.45)),
    "hourglass": lambda x, y: torch.minimum(
        _tri(x, y, (-0.75, 0.8), (0.0, 0.0), (0.75, 0.8)), _tri(x, y, (-0.75, -0.8), (0.75, -0.8), (0.0, 0.0))
    )
    - 0.05,
    "heart": lambda x, y: torch.minimum(
        torch.minimum(_circle(x, y, 0.42, -0.38, 0.25), _circle(x, y, 0.42, 0.38, 0.25)),
        _tri(x, y, (-0.78, 0.1), (0.0, -0.9), (0.78, 0.1)),
    ),
    "three-dots": lambda x, y: torch.minimum(
        torch.minimum(_circle(x, y, 0.3, 0.0, 0.5), _circle(x, y, 0.3, -0.5, -0.35)), _circle(x, y, 0.3, 0.5, -0.35)
    ),
    "bar": lambda x, y: _box(x, y, 0.9, 0.22),
}

FILLS = ("solid", "striped", "checkered", "dotted", "outlined")

# Stroke characters on a 3×3 lattice of anchors (x, y ∈ {-1, 0, 1}): polylines.
_L, _M, _R, _T, _C, _B = -0.7, 0.0, 0.7, 0.85, 0.0, -0.85
GLYPHS: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(_L, _B), (_M, _T), (_R, _B)], [(-0.35, -0.1), (0.35, -0.1)]],
    "E": [[(_R, _T), (_L, _T), (_L, _B), (_R, _B)], [(_L, _C), (0.4, _C)]],
    "F": [[(_R, _T), (_L, _T), (_L, _B)], [(_L, _C), (0.4, _C)]],
    "H": [[(_L, _T), (_L, _B)], [(_R, _T), (_R, _B)], [(_L, _C), (_R, _C)]],
    "K": [[(_L, _T), (_L, _B)], [(_R, _T), (_L, _C), (_R, _B)]],
    "L": [[(_L, _T), (_L, _B), (_R, _B)]],
    "N": [[(_L, _B), (_L, _T), (_R, _B), (_R, _T)]],
    "T": [[(_L, _T), (_R, _T)], [(_M, _T), (_M, _B)]],
    "V": [[(_L, _T), (_M, _B), (_R, _T)]],
    "X": [[(_L, _T), (_R, _B)], [(_R, _T), (_L, _B)]],
    "Y": [[(_L, _T), (_M, _C), (_R, _T)], [(_M, _C), (_M, _B)]],
    "Z": [[(_L, _T), (_R, _T), (_L, _B), (_R, _B)]],
    "O": [[(math.cos(2 * math.pi * i / 12) * 0.7, math.sin(2 * math.pi * i / 12) * 0.85) for i in range(13)]],
    "C": [[(math.cos(math.pi * (0.25 + 1.5 * i / 9)) * 0.7, math.sin(math.pi * (0.25 + 1.5 * i / 9)) * 0.85)
           for i in range(10)]],
    "S": [[(_R, _T), (_L, 0.5), (_R, -0.4), (_L, _B)]],
    "7": [[(_L, _T), (_R, _T), (-0.2, _B)]],
}

TEXTURES = (
    "fine horizontal grating",
    "fine vertical grating",
    "fine diagonal grating",
    "checkerboard",
    "dot lattice",
    "plaid",
    "pixel noise",
    "zigzag",
    "ripples",
    "marble",
    "speckle blobs",
    "bricks",
)

# ----------------------------------------------------------------------------- colour helpers


def hsv(h, s, v) -> torch.Tensor:
    """HSV [N] each → RGB [N,3] in [0,1]."""
    h = torch.remainder(h, 1.0)
    k = torch.stack([(5 + h * 6) % 6, (3 + h * 6) % 6, (1 + h * 6) % 6], dim=1)  # [N,3]
    f = (torch.minimum(k, 4 - k)).clamp(0, 1)
    return v[:, None] - v[:, None] * s[:, None] * f


def colour_planes(rgb: torch.Tensor) -> torch.Tensor:
    return rgb[:, :, None, None]  # [N,3] → [N,3,1,1]


def background_images(n, g) -> torch.Tensor:
    """Smooth two-colour gradient plus soft blobs: [N,3,32,32]."""
    u, v = pixel_grid()
    c1 = hsv(uniform(n, g), uniform(n, g, 0.0, 0.6), uniform(n, g, 0.15, 0.95))
    c2 = hsv(uniform(n, g), uniform(n, g, 0.0, 0.6), uniform(n, g, 0.15, 0.95))
    a = uniform(n, g, 0, 2 * math.pi)
    t = ((torch.cos(a)[:, None, None] * u + torch.sin(a)[:, None, None] * v) * 0.5 + 0.5)[:, None]
    img = colour_planes(c1) * (1 - t) + colour_planes(c2) * t
    for _ in range(2):  # soft blobs
        cx, cy, r = uniform(n, g, -1, 1), uniform(n, g, -1, 1), uniform(n, g, 0.2, 0.6)
        w = torch.exp(-((u - cx[:, None, None]) ** 2 + (v - cy[:, None, None]) ** 2) / (2 * r[:, None, None] ** 2))
        cb = hsv(uniform(n, g), uniform(n, g, 0.0, 0.7), uniform(n, g, 0.1, 1.0))
        img = img * (1 - 0.6 * w[:, None]) + colour_planes(cb) * 0.6 * w[:, None]
    return img


def clutter_behind(img, n, g, count=3, alpha_max=1.0) -> torch.Tensor:
    """Small distractor strokes and discs of random colour, behind the object."""
    u, v = pixel_grid()
    for i in range(count):
        col = hsv(uniform(n, g), uniform(n, g, 0.2, 1.0), uniform(n, g, 0.1, 1.0))
        cx, cy = uniform(n, g, -1, 1), uniform(n, g, -1, 1)
        if i % 2 == 0:  # disc
            r = uniform(n, g, 0.06, 0.18)[:, None, None]
            d = torch.sqrt((u - cx[:, None, None]) ** 2 + (v - cy[:, None, None]) ** 2) - r
        else:  # short stroke
            a = uniform(n, g, 0, math.pi)
            ln = uniform(n, g, 0.2, 0.5)
            ex, ey = cx + ln * torch.cos(a), cy + ln * torch.sin(a)
            du, dv = u - cx[:, None, None], v - cy[:, None, None]
            dx, dy = (ex - cx)[:, None, None], (ey - cy)[:, None, None]
            h = ((du * dx + dv * dy) / (dx * dx + dy * dy)).clamp(0, 1)
            d = torch.sqrt((du - h * dx) ** 2 + (dv - h * dy) ** 2) - 0.04
        cov = (0.5 - d * SIZE / 2).clamp(0, 1) * (uniform(n, g) < 0.8).float()[:, None, None] * alpha_max
        img = img * (1 - cov[:, None]) + colour_planes(col) * cov[:, None]
    return img


def contrasting_colour(bg: torch.Tensor, hue, g, sat=(0.5, 1.0)) -> torch.Tensor:
    """A foreground colour of hue `hue` [N] whose brightness differs from the background's mean."""
    n = bg.shape[0]
    lum = bg.mean(dim=(1, 2, 3))
    val = torch.where(lum > 0.5, uniform(n, g, 0.15, 0.5), uniform(n, g, 0.6, 1.0))
    return hsv(hue, uniform(n, g, *sat), val)


def finish_images(img, n, g, noise=(0.0, 0.06)) -> torch.Tensor:
    """Brightness/contrast jitter and Gaussian pixel noise, then uint8."""
    gain = uniform(n, g, 0.8, 1.15)[:, None, None, None]
    bias = uniform(n, g, -0.08, 0.08)[:, None, None, None]
    sigma = uniform(n, g, *noise)[:, None, None, None]
    img = (img - 0.5) * gain + 0.5 + bias + sigma * torch.randn(img.shape, generator=g)
    return (img.clamp(0, 1) * 255).round().to(torch.uint8)
