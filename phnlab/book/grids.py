"""A stream as a grid of test images, one row per experience, as the model sees them (noise applied)."""

from __future__ import annotations

import textwrap

__all__ = ["render_stream_grid"]


def render_stream_grid(stream, per_experience: int = 8, *, seed: int = 0):
    """A matplotlib Figure: one row per experience (labelled with its noise), images as the model
    sees them at evaluation (noise applied, before normalisation), classes taken in turn."""
    import torch
    from matplotlib.figure import Figure  # no pyplot: no global backend or figure state

    from ..data.augment import apply_noise, to_float

    g = torch.Generator().manual_seed(seed)
    rows, cols = len(stream), per_experience
    fig = Figure(figsize=(1.3 * cols + 1.6, 1.55 * rows + 0.5))
    axes = fig.subplots(rows, cols, squeeze=False)
    for r, exp in enumerate(stream):
        c = len(exp.class_names)
        picks = []
        for j in range(cols):  # class j % c, the (j // c)-th image of that class
            idx = torch.nonzero(exp.test_y == j % c).flatten()
            picks.append(int(idx[(j // c) % len(idx)]) if len(idx) else 0)
        x = apply_noise(to_float(exp.test_x[picks]), exp.noise, generator=g).clamp(0, 1)
        for j in range(cols):
            ax = axes[r, j]
            ax.imshow(x[j].permute(1, 2, 0).numpy(), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            name = exp.class_names[int(exp.test_y[picks[j]])]
            ax.set_title("\n".join(textwrap.wrap(name, 16, break_on_hyphens=False)[:2]), fontsize=8, pad=2)
        label = f"exp {exp.index + 1}\n{exp.noise or 'clean'}"
        if len(set(e.dataset for e in stream)) > 1:
            label += f"\n{exp.dataset}"
        axes[r, 0].set_ylabel(label, fontsize=9, rotation=0, ha="right", va="center", labelpad=8)
    meta = stream.meta
    fig.suptitle(f"{meta['kind']} stream, {', '.join(meta['datasets'])}, seed {meta['seed']}", fontsize=11)
    fig.tight_layout()
    return fig
