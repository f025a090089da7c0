"""Chapter 1's sizes: counted from the modules, set beside the paper's Tables 3 and 6."""

import matplotlib
import pytest

from phnlab.analysis import sizes
from fakes import assert_labelled


def test_stage_params_add_up_to_the_plain_network():
    from phnlab.models import SlimResNet18

    s = sizes.stage_params(num_classes=100)
    assert s["classifier"] == 160 * 100 + 100
    model = SlimResNet18(num_classes=100)
    assert sum(s.values()) == sum(p.numel() for p in model.parameters())


def test_architecture_frame_cuts_after_stage_k():
    arch = sizes.architecture_frame()
    assert list(arch.index) == ["HN-F", "HN-1", "HN-2", "HN-3", "HN-4"]
    assert arch.loc["HN-2", "frozen (stateful)"] == "stem, layer1, layer2"
    assert arch.loc["HN-2", "generated"] == "layer3, layer4, classifier"
    assert arch.loc["HN-F", "stateful params"] == 0
    assert (arch["HN params"].diff().dropna() < 0).all()  # deeper cut, smaller hypernetwork


def test_architecture_figure_greys_the_prefix():
    fig = sizes.architecture_figure(3)
    ax = fig.axes[0]
    grey = matplotlib.colors.to_rgb("#b0b0b0")
    assert [p.get_facecolor()[:3] == pytest.approx(grey) for p in ax.patches] == [True] * 4 + [False] * 2
    assert ax.get_title().startswith("HN-3: frozen prefix")


def test_table3_and_table6_verdicts_count_what_they_compare():
    t3 = sizes.table3_frame()
    (same,) = sizes.table3_verdict(t3).claims
    assert same.holds and same.ours == f"{len(t3)} of {len(t3)} values of d equal, compressions included"
    broken = t3.copy()
    broken.iloc[0, 0] += 1
    assert sizes.table3_verdict(broken).claims[0].holds is False
    t6 = sizes.table6_counts_frame()
    assert len(t6) == 10 and set(t6.benchmark) == {"CIFAR-100", "TinyImageNet"}
    v = sizes.table6_counts_verdict(t6)
    assert v["Our hypernetwork sizes"].ours == f"{(t6.hn_params == t6.paper_hn_params).sum()} of 10 equal"
    assert "4×16×16 is a typo" in v.notes[0]
    assert_labelled(sizes.plot_sizes(t6))
    trained = sizes.trained_sizes_frame()
    assert (trained["C=5"] < trained["C=100"]).all()
