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

import torch

from .drawing import (FILLS, GLYPHS, SHAPES, SIZE, TEXTURES, background_images, clutter_behind, colour_planes,
                      contrasting_colour, coverage_of, finish_images, hsv, object_pose, pixel_grid, segment_distance,
                      uniform)

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

# ----------------------------------------------------------------------------- domains


def _render_synthetic(cls: int, n: int, g: torch.Generator) -> torch.Tensor:
    shape = list(SHAPES)[cls % len(SHAPES)]
    fill = FILLS[cls // len(SHAPES)]
    px, py, s = object_pose(n, g, rot=math.pi, scale=(0.4, 0.8), shift=0.3, aspect=0.25)
    d = SHAPES[shape](px, py)
    img = clutter_behind(background_images(n, g), n, g, count=4)
    base_hue = (cls * 0.61803398875) % 1.0
    c1 = contrasting_colour(img, base_hue + uniform(n, g, -0.08, 0.08), g)
    c2 = hsv(base_hue + 0.5 + uniform(n, g, -0.15, 0.15), uniform(n, g, 0.3, 1.0), uniform(n, g, 0.1, 1.0))
    if fill == "outlined":
        width = uniform(n, g, 0.1, 0.18)[:, None, None]
        cov = coverage_of(d.abs() - width, s)
        pattern = torch.zeros_like(px)
    else:
        cov = coverage_of(d, s)
        period = uniform(n, g, 0.35, 0.5)[:, None, None]
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
    fg = colour_planes(c1) * (1 - pattern[:, None]) + colour_planes(c2) * pattern[:, None]
    img = img * (1 - cov[:, None]) + fg * cov[:, None]
    img = _occlude(img, n, g)
    return finish_images(img, n, g, noise=(0.0, 0.08))


def _occlude(img, n, g, p=0.3) -> torch.Tensor:
    """With probability p, a random bar of background-like colour crosses the image."""
    u, v = pixel_grid()
    a = uniform(n, g, 0, math.pi)
    off = uniform(n, g, -0.6, 0.6)
    half_width = uniform(n, g, 0.08, 0.2)[:, None, None]
    d = (torch.cos(a)[:, None, None] * u + torch.sin(a)[:, None, None] * v - off[:, None, None]).abs() - half_width
    cov = (0.5 - d * SIZE / 2).clamp(0, 1) * (uniform(n, g) < p).float()[:, None, None]
    col = hsv(uniform(n, g), uniform(n, g, 0, 0.5), uniform(n, g, 0.1, 0.9))
    return img * (1 - cov[:, None]) + colour_planes(col) * cov[:, None]


def _render_shapes(cls: int, n: int, g: torch.Generator) -> torch.Tensor:
    shape = list(SHAPES)[cls]
    px, py, s = object_pose(n, g, rot=0.35, scale=(0.55, 0.9), shift=0.2, aspect=0.15)  # upright, like signs
    cov = coverage_of(SHAPES[shape](px, py), s)
    img = clutter_behind(background_images(n, g), n, g, count=2)
    fg = contrasting_colour(img, uniform(n, g), g)
    img = img * (1 - cov[:, None]) + colour_planes(fg) * cov[:, None]
    return finish_images(img, n, g, noise=(0.0, 0.06))


def _render_glyphs(cls: int, n: int, g: torch.Generator) -> torch.Tensor:
    strokes = GLYPHS[list(GLYPHS)[cls]]
    px, py, s = object_pose(n, g, rot=0.35, scale=(0.5, 0.8), shift=0.2, aspect=0.2)
    px = px + uniform(n, g, -0.3, 0.3)[:, None, None] * py  # slant
    d = None
    for line in strokes:
        for a, b in zip(line[:-1], line[1:]):
            ds = segment_distance(px, py, a, b)
            d = ds if d is None else torch.minimum(d, ds)
    cov = coverage_of(d - uniform(n, g, 0.1, 0.2)[:, None, None], s)
    img = clutter_behind(background_images(n, g), n, g, count=2)
    fg = contrasting_colour(img, uniform(n, g), g)
    img = img * (1 - cov[:, None]) + colour_planes(fg) * cov[:, None]
    return finish_images(img, n, g, noise=(0.0, 0.06))


def _render_textures(cls: int, n: int, g: torch.Generator) -> torch.Tensor:
    name = TEXTURES[cls]
    u, v = pixel_grid()
    u = u[None] * 16 + uniform(n, g, 0, 32)[:, None, None]  # pixel units, random phase
    v = v[None] * 16 + uniform(n, g, 0, 32)[:, None, None]
    jit = uniform(n, g, -0.2, 0.2)[:, None, None]
    period = uniform(n, g, 2.6, 4.0)[:, None, None]
    k = 2 * math.pi / period

    def rot(a):
        return torch.cos(a) * u + torch.sin(a) * v

    if name == "fine horizontal grating":
        t = torch.sin(k * rot(math.pi / 2 + jit))
    elif name == "fine vertical grating":
        t = torch.sin(k * rot(jit))
    elif name == "fine diagonal grating":
        sign = torch.where(uniform(n, g) < 0.5, -1.0, 1.0)[:, None, None]
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
        t = torch.sin(k * (v + tri * uniform(n, g, 1.0, 2.0)[:, None, None]))
    elif name == "ripples":
        cx, cy = uniform(n, g, -40, 40)[:, None, None], uniform(n, g, -40, 40)[:, None, None]
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
    c1 = hsv(uniform(n, g), uniform(n, g, 0.0, 0.8), uniform(n, g, 0.0, 0.5))
    c2 = hsv(uniform(n, g), uniform(n, g, 0.0, 0.8), uniform(n, g, 0.5, 1.0))
    img = colour_planes(c1) * (1 - t) + colour_planes(c2) * t
    return finish_images(img, n, g, noise=(0.0, 0.06))


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
