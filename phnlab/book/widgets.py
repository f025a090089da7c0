"""Sliders over precomputed outputs that keep working in the static book, with no kernel.

An ``interact`` callback runs in the kernel and is dead in a built page. Here every item (one per
freeze depth, experience, ...) is rendered once, up front, into a widget of its own; the widgets
go into a ``widgets.Stack`` and a slider is ``jslink``-ed to the stack's ``selected_index``. The
link runs in the browser, from the widget state saved in the executed notebook.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets

__all__ = ["depth_slider", "option_slider", "option_grid", "as_widget"]


def as_widget(item: Any) -> widgets.Widget:
    """One precomputed item as a widget: a matplotlib Figure becomes a PNG image (and is closed,
    so the inline backend does not show it a second time), a DataFrame or any object with
    ``_repr_html_`` becomes HTML, a str is HTML, PNG bytes an image, a widget stays itself."""
    if isinstance(item, widgets.Widget):
        return item
    if _is_figure(item):
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        item.savefig(buf, format="png", dpi=item.dpi, bbox_inches="tight")
        plt.close(item)
        return widgets.Image(value=buf.getvalue(), format="png", layout=widgets.Layout(max_width="100%"))
    if isinstance(item, (bytes, bytearray)):
        return widgets.Image(value=bytes(item), format="png", layout=widgets.Layout(max_width="100%"))
    if isinstance(item, str):
        return widgets.HTML(value=item)
    if hasattr(item, "to_html"):  # pandas DataFrame / Styler
        return widgets.HTML(value=item.to_html())
    if hasattr(item, "_repr_html_"):
        return widgets.HTML(value=item._repr_html_())
    raise TypeError(f"cannot show a {type(item).__name__} in a slider; give a Figure, str, DataFrame or widget")


def depth_slider(
    items: Mapping[int, Any], *, description: str = "freeze depth k", value: int | None = None
) -> widgets.VBox:
    """A slider over integer keys (e.g. freeze depth k) showing ``items[key]``.

    Keys ``0..n-1`` give an ``IntSlider`` whose value is the key; other integer keys give a
    ``SelectionSlider`` labelled with the keys. ``value`` is the key shown first (default: the
    smallest)."""
    keys = sorted(items)
    if not keys:
        raise ValueError("depth_slider needs at least one item")
    if not all(isinstance(k, int) and not isinstance(k, bool) for k in keys):
        raise TypeError(f"depth_slider keys must be ints, got {keys!r}; use option_slider for other keys")
    start = keys[0] if value is None else value
    if start not in items:
        raise ValueError(f"value {start!r} is not one of the keys {keys!r}")
    if keys == list(range(len(keys))):
        slider = widgets.IntSlider(
            value=start, min=0, max=len(keys) - 1, step=1, description=description,
            continuous_update=True, style={"description_width": "initial"},
        )
        return _linked(slider, "value", [items[k] for k in keys], keys.index(start))
    return _selection(items, keys, description, start)


def option_slider(items: Mapping[Any, Any], *, description: str = "", value: Any = None) -> widgets.VBox:
    """A slider over any keys in the mapping's order (e.g. experiences, methods); labels are ``str(key)``."""
    keys = list(items)
    if not keys:
        raise ValueError("option_slider needs at least one item")
    start = keys[0] if value is None else value
    if start not in items:
        raise ValueError(f"value {start!r} is not one of the keys {keys!r}")
    return _selection(items, keys, description, start)


def _selection(items: Mapping[Any, Any], keys: list, description: str, start: Any) -> widgets.VBox:
    slider = widgets.SelectionSlider(
        options=[(str(k), i) for i, k in enumerate(keys)], index=keys.index(start),
        description=description, continuous_update=True, style={"description_width": "initial"},
    )
    return _linked(slider, "index", [items[k] for k in keys], keys.index(start))


def _linked(slider: widgets.Widget, attr: str, items: list, index: int) -> widgets.VBox:
    stack = widgets.Stack([as_widget(item) for item in items], selected_index=index)
    link = widgets.jslink((slider, attr), (stack, "selected_index"))
    box = widgets.VBox([slider, stack])
    box.slider, box.stack, box.link = slider, stack, link  # for tests and callers; the link lives in the browser
    return box


def _is_figure(item: Any) -> bool:
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return False
    return isinstance(item, Figure)


def option_grid(items: Mapping[tuple, Any], controls: Sequence[tuple[str, Sequence[Any]]],
                missing: str = "not in the results store", value: tuple | None = None) -> widgets.VBox:
    """One toggle row per dimension (e.g. data set, policy, schedule) over items keyed by tuples of their
    values; a key with no item shows `missing`; `value` is the key shown first (default: every row's first).
    Nested stacks, each level ``jslink``-ed to its toggle row, so the controls work in the static page as the
    sliders do."""
    if not controls:
        raise ValueError("option_grid needs at least one control")
    start = tuple(values[0] for _, values in controls) if value is None else tuple(value)
    if len(start) != len(controls) or any(v not in values for v, (_, values) in zip(start, controls)):
        raise ValueError(f"value {value!r} is not one of the controls' values")
    at = [list(values).index(v) for v, (_, values) in zip(start, controls)]
    toggles = [widgets.ToggleButtons(options=[(str(v), i) for i, v in enumerate(values)], index=at[d],
                                     description=name, style={"description_width": "initial", "button_width": "auto"})
               for d, (name, values) in enumerate(controls)]
    links = []

    def level(depth: int, prefix: tuple) -> widgets.Widget:
        if depth == len(controls):
            return as_widget(items.get(prefix, f"<p><em>{missing}</em></p>"))
        stack = widgets.Stack([level(depth + 1, prefix + (v,)) for v in controls[depth][1]], selected_index=at[depth])
        links.append(widgets.jslink((toggles[depth], "index"), (stack, "selected_index")))
        return stack

    box = widgets.VBox([*toggles, level(0, ())])
    box.toggles, box.links = toggles, links
    return box
