"""The embedded procedural data sets: the offline default of the `ci` and `quick` presets.

No data set can be downloaded everywhere this project runs, so four small image domains are drawn
from a seed with batched tensor ops (32×32 RGB, uint8) and cached under the data root:

- `synthetic`: 100 classes = 20 shapes × 5 fills (solid, striped, checkered, dotted, outlined),
  class-tinted colour, random pose / scale / aspect, cluttered gradient backgrounds, occluders and
  pixel noise. Stands in for CIFAR-100 (split and noisy streams).
- `synthetic-shapes`: 20 flat-coloured filled shapes (GTSRB-like: simple signs, flat colours).
- `synthetic-glyphs`: 16 stroke characters drawn with the same renderer, colours and backgrounds
  as the shapes (SVHN-like: characters in clutter). Shares low-level structure with the shapes.
- `synthetic-textures`: 12 full-frame high-frequency textures, no object, no smooth background.
  Shares little low-level structure with the shapes.

Images of a class are drawn from a generator seeded by (data seed, domain, class, split), so a
class's images do not depend on which other classes are generated.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

__all__ = [
    "DOMAINS",
    "DomainSpec",
    "DATA_SEED",
    "VERSION",
    "generate",
    "cache_path",
    "load_cached",
    "ensure_cached",
]

VERSION = 1  # bump when the generator changes: cached files carry it in their name
DATA_SEED = 0  # the seed of the cached data sets (streams draw classes and subsets with their own seed)
SIZE = 32

# ----------------------------------------------------------------------------- geometry helpers


def _grid(device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel centres in [-1, 1]: u (x, right) and v (y, up), each [32,32]."""
    c = (torch.arange(SIZE, dtype=torch.float32, device=device) + 0.5) / (SIZE / 2) - 1.0
    v, u = torch.meshgrid(-c, c, indexing="ij")
    return u, v


def _u(n, g, lo=0.0, hi=1.0) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=g)


def _pose(n, g, *, rot: float, scale=(0.55, 0.85), shift=0.25, aspect=0.0):
    """Object coordinates of every pixel: px, py [N,32,32] and the scale s [N] (object→image)."""
    u, v = _grid()
    th = _u(n, g, -rot, rot)
    s = _u(n, g, *scale)
    tx, ty = _u(n, g, -shift, shift), _u(n, g, -shift, shift)
    asp = torch.exp(_u(n, g, -aspect, aspect))  # anisotropic stretch
    du, dv = u[None] - tx[:, None, None], v[None] - ty[:, None, None]
    c, si = torch.cos(th)[:, None, None], torch.sin(th)[:, None, None]
    px = (c * du + si * dv) / (s[:, None, None] * asp[:, None, None])
    py = (-si * du + c * dv) / (s[:, None, None] / asp[:, None, None])
    return px, py, s


def _coverage(d_obj: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
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


def _segment(px, py, a, b):
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    h = (((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy + 1e-9)).clamp(0, 1)
    return torch.sqrt((px - ax - h * dx) ** 2 + (py - ay - h * dy) ** 2)


def _tri(px, py, a, b, c):
    """Signed distance of a triangle (vertices counter-clockwise)."""
    d = torch.minimum(torch.minimum(_segment(px, py, a, b), _segment(px, py, b, c)), _segment(px, py, c, a))
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


def _hsv(h, s, v) -> torch.Tensor:
    """HSV [N] each → RGB [N,3] in [0,1]."""
    h = torch.remainder(h, 1.0)
    k = torch.stack([(5 + h * 6) % 6, (3 + h * 6) % 6, (1 + h * 6) % 6], dim=1)  # [N,3]
    f = (torch.minimum(k, 4 - k)).clamp(0, 1)
    return v[:, None] - v[:, None] * s[:, None] * f


def _col(rgb: torch.Tensor) -> torch.Tensor:
    return rgb[:, :, None, None]  # [N,3] → [N,3,1,1]


def _background(n, g) -> torch.Tensor:
    """Smooth two-colour gradient plus soft blobs: [N,3,32,32]."""
    u, v = _grid()
    c1 = _hsv(_u(n, g), _u(n, g, 0.0, 0.6), _u(n, g, 0.15, 0.95))
    c2 = _hsv(_u(n, g), _u(n, g, 0.0, 0.6), _u(n, g, 0.15, 0.95))
    a = _u(n, g, 0, 2 * math.pi)
    t = ((torch.cos(a)[:, None, None] * u + torch.sin(a)[:, None, None] * v) * 0.5 + 0.5)[:, None]
    img = _col(c1) * (1 - t) + _col(c2) * t
    for _ in range(2):  # soft blobs
        cx, cy, r = _u(n, g, -1, 1), _u(n, g, -1, 1), _u(n, g, 0.2, 0.6)
        w = torch.exp(-((u - cx[:, None, None]) ** 2 + (v - cy[:, None, None]) ** 2) / (2 * r[:, None, None] ** 2))
        cb = _hsv(_u(n, g), _u(n, g, 0.0, 0.7), _u(n, g, 0.1, 1.0))
        img = img * (1 - 0.6 * w[:, None]) + _col(cb) * 0.6 * w[:, None]
    return img


def _clutter(img, n, g, count=3, alpha_max=1.0) -> torch.Tensor:
    """Small distractor strokes and discs of random colour, behind the object."""
    u, v = _grid()
    for i in range(count):
        col = _hsv(_u(n, g), _u(n, g, 0.2, 1.0), _u(n, g, 0.1, 1.0))
        cx, cy = _u(n, g, -1, 1), _u(n, g, -1, 1)
        if i % 2 == 0:  # disc
            r = _u(n, g, 0.06, 0.18)[:, None, None]
            d = torch.sqrt((u - cx[:, None, None]) ** 2 + (v - cy[:, None, None]) ** 2) - r
        else:  # short stroke
            a = _u(n, g, 0, math.pi)
            ln = _u(n, g, 0.2, 0.5)
            ex, ey = cx + ln * torch.cos(a), cy + ln * torch.sin(a)
            du, dv = u - cx[:, None, None], v - cy[:, None, None]
            dx, dy = (ex - cx)[:, None, None], (ey - cy)[:, None, None]
            h = ((du * dx + dv * dy) / (dx * dx + dy * dy)).clamp(0, 1)
            d = torch.sqrt((du - h * dx) ** 2 + (dv - h * dy) ** 2) - 0.04
        cov = (0.5 - d * SIZE / 2).clamp(0, 1) * (_u(n, g) < 0.8).float()[:, None, None] * alpha_max
        img = img * (1 - cov[:, None]) + _col(col) * cov[:, None]
    return img


def _contrasting(bg: torch.Tensor, hue, g, sat=(0.5, 1.0)) -> torch.Tensor:
    """A foreground colour of hue `hue` [N] whose brightness differs from the background's mean."""
    n = bg.shape[0]
    lum = bg.mean(dim=(1, 2, 3))
    val = torch.where(lum > 0.5, _u(n, g, 0.15, 0.5), _u(n, g, 0.6, 1.0))
    return _hsv(hue, _u(n, g, *sat), val)


def _finish(img, n, g, noise=(0.0, 0.06)) -> torch.Tensor:
    """Brightness/contrast jitter and Gaussian pixel noise, then uint8."""
    gain = _u(n, g, 0.8, 1.15)[:, None, None, None]
    bias = _u(n, g, -0.08, 0.08)[:, None, None, None]
    sigma = _u(n, g, *noise)[:, None, None, None]
    img = (img - 0.5) * gain + 0.5 + bias + sigma * torch.randn(img.shape, generator=g)
    return (img.clamp(0, 1) * 255).round().to(torch.uint8)


# ----------------------------------------------------------------------------- domains


def _render_synthetic(cls: int, n: int, g: torch.Generator) -> torch.Tensor:
    shape = list(SHAPES)[cls % len(SHAPES)]
    fill = FILLS[cls // len(SHAPES)]
    px, py, s = _pose(n, g, rot=math.pi, scale=(0.4, 0.8), shift=0.3, aspect=0.25)
    d = SHAPES[shape](px, py)
    img = _clutter(_background(n, g), n, g, count=4)
    base_hue = (cls * 0.61803398875) % 1.0
    c1 = _contrasting(img, base_hue + _u(n, g, -0.08, 0.08), g)
    c2 = _hsv(base_hue + 0.5 + _u(n, g, -0.15, 0.15), _u(n, g, 0.3, 1.0), _u(n, g, 0.1, 1.0))
    if fill == "outlined":
        width = _u(n, g, 0.1, 0.18)[:, None, None]
        cov = _coverage(d.abs() - width, s)
        pattern = torch.zeros_like(px)
    else:
        cov = _coverage(d, s)
        period = _u(n, g, 0.35, 0.5)[:, None, None]
        k = 2 * math.pi / period
        if fill == "solid":
            pattern = torch.zeros_like(px)
        elif fill == "striped":
            pattern = (torch.sin(k * px) * 3).clamp(-1, 1) * 0.5 + 0.5
        elif fill == "checkered":
            pattern = (torch.sin(k * px) * torch.sin(k * py) * 6).clamp(-1, 1) * 0.5 + 0.5
        else:  # dotted
            q = torch.cos(k * px) * torch.cos(k * py)
            pattern = ((q - 0.5) * 6).clamp(0, 1)
    fg = _col(c1) * (1 - pattern[:, None]) + _col(c2) * pattern[:, None]
    img = img * (1 - cov[:, None]) + fg * cov[:, None]
    img = _occlude(img, n, g)
    return _finish(img, n, g, noise=(0.0, 0.08))


def _occlude(img, n, g, p=0.3) -> torch.Tensor:
    """With probability p, a random bar of background-like colour crosses the image."""
    u, v = _grid()
    a = _u(n, g, 0, math.pi)
    off = _u(n, g, -0.6, 0.6)
    half_width = _u(n, g, 0.08, 0.2)[:, None, None]
    d = (torch.cos(a)[:, None, None] * u + torch.sin(a)[:, None, None] * v - off[:, None, None]).abs() - half_width
    cov = (0.5 - d * SIZE / 2).clamp(0, 1) * (_u(n, g) < p).float()[:, None, None]
    col = _hsv(_u(n, g), _u(n, g, 0, 0.5), _u(n, g, 0.1, 0.9))
    return img * (1 - cov[:, None]) + _col(col) * cov[:, None]


def _render_shapes(cls: int, n: int, g: torch.Generator) -> torch.Tensor:
    shape = list(SHAPES)[cls]
    px, py, s = _pose(n, g, rot=0.35, scale=(0.55, 0.9), shift=0.2, aspect=0.15)  # upright, like signs
    cov = _coverage(SHAPES[shape](px, py), s)
    img = _clutter(_background(n, g), n, g, count=2)
    fg = _contrasting(img, _u(n, g), g)
    img = img * (1 - cov[:, None]) + _col(fg) * cov[:, None]
    return _finish(img, n, g, noise=(0.0, 0.06))


def _render_glyphs(cls: int, n: int, g: torch.Generator) -> torch.Tensor:
    strokes = GLYPHS[list(GLYPHS)[cls]]
    px, py, s = _pose(n, g, rot=0.35, scale=(0.5, 0.8), shift=0.2, aspect=0.2)
    px = px + _u(n, g, -0.3, 0.3)[:, None, None] * py  # slant
    d = None
    for line in strokes:
        for a, b in zip(line[:-1], line[1:]):
            ds = _segment(px, py, a, b)
            d = ds if d is None else torch.minimum(d, ds)
    cov = _coverage(d - _u(n, g, 0.1, 0.2)[:, None, None], s)
    img = _clutter(_background(n, g), n, g, count=2)
    fg = _contrasting(img, _u(n, g), g)
    img = img * (1 - cov[:, None]) + _col(fg) * cov[:, None]
    return _finish(img, n, g, noise=(0.0, 0.06))


def _render_textures(cls: int, n: int, g: torch.Generator) -> torch.Tensor:
    name = TEXTURES[cls]
    u, v = _grid()
    u = u[None] * 16 + _u(n, g, 0, 32)[:, None, None]  # pixel units, random phase
    v = v[None] * 16 + _u(n, g, 0, 32)[:, None, None]
    jit = _u(n, g, -0.2, 0.2)[:, None, None]
    period = _u(n, g, 2.6, 4.0)[:, None, None]
    k = 2 * math.pi / period

    def rot(a):
        return torch.cos(a) * u + torch.sin(a) * v

    if name == "fine horizontal grating":
        t = torch.sin(k * rot(math.pi / 2 + jit))
    elif name == "fine vertical grating":
        t = torch.sin(k * rot(jit))
    elif name == "fine diagonal grating":
        sign = torch.where(_u(n, g) < 0.5, -1.0, 1.0)[:, None, None]
        t = torch.sin(k * rot(sign * math.pi / 4 + jit))
    elif name == "checkerboard":
        t = torch.sin(k / 2 * rot(jit)) * torch.sin(k / 2 * rot(math.pi / 2 + jit)) * 4
    elif name == "dot lattice":
        t = (torch.cos(k * rot(jit)) * torch.cos(k * rot(math.pi / 2 + jit)) - 0.4) * 4
    elif name == "plaid":
        t = torch.sin(k * rot(jit)) + torch.sin(k * 1.5 * rot(math.pi / 2 + jit))
    elif name == "pixel noise":
        t = torch.randn((n, SIZE, SIZE), generator=g) * 2
    elif name == "zigzag":
        tri = torch.abs(torch.remainder(u / 4, 2.0) - 1.0) * 4
        t = torch.sin(k * (v + tri * _u(n, g, 1.0, 2.0)[:, None, None]))
    elif name == "ripples":
        cx, cy = _u(n, g, -40, 40)[:, None, None], _u(n, g, -40, 40)[:, None, None]
        t = torch.sin(k * torch.sqrt((u - u.mean() - cx) ** 2 + (v - v.mean() - cy) ** 2))
    elif name == "marble":
        coarse = torch.randn((n, 1, 4, 4), generator=g)  # a smooth warp field
        w = torch.nn.functional.interpolate(coarse, size=(SIZE, SIZE), mode="bicubic", align_corners=False)[:, 0]
        t = torch.sin(k / 2 * (v + 5 * w)) * 2  # wide, wavy bands
    elif name == "speckle blobs":
        w = torch.randn((n, 1, SIZE + 2, SIZE + 2), generator=g)
        t = torch.nn.functional.avg_pool2d(w, 3, 1)[:, 0] * 5
    else:  # bricks
        row = torch.floor(v / 4)
        shift = torch.remainder(row, 2) * 4
        mortar = (torch.remainder(v, 4) < 1) | (torch.remainder(u + shift, 8) < 1)
        t = torch.where(mortar, -1.0, 1.0)
    t = (t.clamp(-1, 1) * 0.5 + 0.5)[:, None]  # [N,1,32,32] in [0,1]
    c1 = _hsv(_u(n, g), _u(n, g, 0.0, 0.8), _u(n, g, 0.0, 0.5))
    c2 = _hsv(_u(n, g), _u(n, g, 0.0, 0.8), _u(n, g, 0.5, 1.0))
    img = _col(c1) * (1 - t) + _col(c2) * t
    return _finish(img, n, g, noise=(0.0, 0.06))


@dataclass(frozen=True)
class DomainSpec:
    """One procedural data set: its classes, default sizes, and what it stands in for."""

    name: str
    class_names: tuple[str, ...]
    render: Callable[[int, int, torch.Generator], torch.Tensor]  # (class, n, generator) → uint8 [n,3,32,32]
    train_per_class: int
    test_per_class: int
    stands_in_for: str
    domain_id: int

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


DOMAINS: dict[str, DomainSpec] = {
    "synthetic": DomainSpec(
        "synthetic",
        tuple(f"{fill} {shape}" for fill in FILLS for shape in SHAPES),
        _render_synthetic, 500, 100, "CIFAR-100 (split and noisy streams)", 1,
    ),
    "synthetic-shapes": DomainSpec(
        "synthetic-shapes", tuple(SHAPES), _render_shapes, 300, 100, "GTSRB (flat-coloured simple signs)", 2
    ),
    "synthetic-glyphs": DomainSpec(
        "synthetic-glyphs", tuple(f"glyph {k}" for k in GLYPHS), _render_glyphs, 300, 100,
        "SVHN (characters in clutter); same primitives and backgrounds as synthetic-shapes", 3,
    ),
    "synthetic-textures": DomainSpec(
        "synthetic-textures", TEXTURES, _render_textures, 300, 100,
        "a data set unlike the shapes (the paper's SVHN→FashionMNIST role): high-frequency textures", 4,
    ),
}

# ----------------------------------------------------------------------------- generation and cache


def _class_generator(seed: int, spec: DomainSpec, cls: int, split: str) -> torch.Generator:
    return torch.Generator().manual_seed(((seed * 1009 + spec.domain_id) * 1013 + cls) * 2 + (split == "test"))


def generate(
    name: str,
    *,
    seed: int = DATA_SEED,
    train_per_class: int | None = None,
    test_per_class: int | None = None,
    classes: list[int] | None = None,
) -> dict:
    """Draw a domain: {"train_x","train_y","test_x","test_y"} (uint8 [N,3,32,32], int64 [N]) + names.

    Sizes default to the domain's; `classes` (default: all) restricts generation to a few classes
    (labels stay the original class indices). Deterministic in (seed, domain, class, split).
    """
    spec = DOMAINS[name]
    classes = list(range(spec.num_classes)) if classes is None else list(classes)
    out = {"class_names": list(spec.class_names), "name": name, "seed": seed, "version": VERSION}
    sizes = {"train": train_per_class or spec.train_per_class, "test": test_per_class or spec.test_per_class}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small tensors: one thread is as fast, and immune to oversubscribed cores
    try:
        out.update(_render_all(spec, classes, sizes, seed))
    finally:
        torch.set_num_threads(threads)
    return out


def _render_all(spec: DomainSpec, classes: list[int], sizes: dict, seed: int) -> dict:
    out = {}
    with torch.no_grad():
        for split, per in sizes.items():
            xs = [spec.render(c, per, _class_generator(seed, spec, c, split)) for c in classes]
            out[f"{split}_x"] = torch.cat(xs) if xs else torch.empty(0, 3, SIZE, SIZE, dtype=torch.uint8)
            out[f"{split}_y"] = torch.tensor(classes, dtype=torch.int64).repeat_interleave(per)
    return out


def cache_path(name: str, root: str | os.PathLike, seed: int = DATA_SEED) -> Path:
    return Path(root) / "synthetic" / f"{name}-v{VERSION}-seed{seed}.pt"


def load_cached(name: str, root: str | os.PathLike, seed: int = DATA_SEED) -> dict | None:
    """The cached full domain, or None when it is not cached yet."""
    path = cache_path(name, root, seed)
    if not path.is_file():
        return None
    return torch.load(path, weights_only=True)


def ensure_cached(name: str, root: str | os.PathLike, seed: int = DATA_SEED) -> dict:
    """Load the cached domain, generating and caching it first when absent (atomic write)."""
    data = load_cached(name, root, seed)
    if data is not None:
        return data
    from ..files import atomic_write

    data = generate(name, seed=seed)
    atomic_write(cache_path(name, root, seed), lambda f: torch.save(data, f))
    return data
