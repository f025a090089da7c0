import ipywidgets as widgets
from ipywidgets.widgets.widget_link import Link
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from phnlab.book.widgets import as_widget, depth_slider, option_slider  # noqa: E402


def _fig(i):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, i])
    return fig


def test_depth_slider_links_int_slider_to_stack():
    figs = {k: _fig(k) for k in range(5)}
    box = depth_slider(figs, value=2)
    slider, stack, link = box.children[0], box.children[1], box.link
    assert isinstance(slider, widgets.IntSlider) and isinstance(stack, widgets.Stack)
    assert len(stack.children) == 5
    assert all(isinstance(c, widgets.Image) and bytes(c.value[:4]) == b"\x89PNG" for c in stack.children)
    assert (slider.min, slider.max, slider.value, stack.selected_index) == (0, 4, 2, 2)
    assert isinstance(link, Link)
    assert link.source == (slider, "value") and link.target == (stack, "selected_index")
    assert not plt.get_fignums()  # figures were closed: the inline backend must not show them again


def test_depth_slider_non_contiguous_keys_use_selection_slider():
    box = depth_slider({1: "<b>one</b>", 3: "three", 4: "four"}, value=3)
    slider, stack = box.slider, box.stack
    assert isinstance(slider, widgets.SelectionSlider)
    assert [label for label, _ in slider.options] == ["1", "3", "4"]
    assert slider.index == 1 == stack.selected_index
    assert box.link.source == (slider, "index") and box.link.target == (stack, "selected_index")
    assert [c.value for c in stack.children] == ["<b>one</b>", "three", "four"]


def test_option_slider_keeps_mapping_order_and_renders_dataframes():
    pd = pytest.importorskip("pandas")
    items = {"exp 3": pd.DataFrame({"acc": [0.5]}), "exp 1": "text"}
    box = option_slider(items, description="experience")
    assert [label for label, _ in box.slider.options] == ["exp 3", "exp 1"]
    assert "<table" in box.stack.children[0].value
    assert len(box.stack.children) == 2


def test_bad_items_are_refused():
    with pytest.raises(ValueError):
        depth_slider({})
    with pytest.raises(ValueError):
        depth_slider({0: "a"}, value=7)
    with pytest.raises(TypeError):
        depth_slider({"a": "x"})
    with pytest.raises(TypeError):
        as_widget(object())


def test_option_grid_nests_one_stack_level_per_control_and_links_each():
    from phnlab.book.widgets import option_grid

    items = {("a", 1): "<b>a1</b>", ("b", 2): "<b>b2</b>"}
    box = option_grid(items, [("data", ["a", "b"]), ("steps", [1, 2])])
    assert [t.description for t in box.toggles] == ["data", "steps"]
    outer = box.children[-1]
    assert len(outer.children) == 2 and all(len(inner.children) == 2 for inner in outer.children)
    assert outer.children[0].children[0].value == "<b>a1</b>"
    assert "not in the results store" in outer.children[0].children[1].value
    assert len(box.links) == 3  # the data row drives the outer stack, the steps row both inner ones
