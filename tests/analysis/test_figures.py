"""Learning curves over the stream and the frozen/trained diagram."""

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from phnlab.analysis import figures
from fakes import FakeSpec, fake_metrics


def test_experience_curve_starts_where_the_experience_is_learned():
    m = fake_metrics(FakeSpec(), T=3, E=2)
    x, y = figures.experience_curve(m, 1)
    assert list(x) == [3, 4, 5, 6]  # epochs 3..6 of the stream: experience 2 is learned from epoch 3
    assert y[0] == pytest.approx(100 * (0.8 - 0.1)) and y[1] == pytest.approx(80.0)
    assert y[-1] == pytest.approx(100 * (0.8 - 0.1))  # after experience 3: forgot 10 points
    runs = [fake_metrics(FakeSpec(seed=s)) for s in (0, 1)]
    x, mean, sd = figures.mean_curve(runs, 0)
    assert len(x) == 6 and mean[1] == pytest.approx(80.5) and sd[1] == pytest.approx(np.std([80, 81], ddof=1))



def test_a_run_without_epoch_curves_gives_one_point_per_experience():
    m = fake_metrics(FakeSpec(), T=3, E=2)
    m = {**m, "epoch_curves": [], "preset": {**m["preset"], "epochs": 4}}
    assert figures.epochs_per_experience(m) == [4, 4, 4]
    x, y = figures.experience_curve(m, 1)  # experience 2, at the end of experiences 2 and 3
    assert list(x) == [8, 12] and list(y) == pytest.approx([100 * m["accuracy_matrix"][i][1] for i in (1, 2)])


def test_frozen_diagram_marks_the_cut():
    fig = Figure(figsize=(5, 1))
    ax = fig.subplots()
    figures.frozen_diagram(ax, 2)
    colors = [p.get_facecolor()[:3] for p in ax.patches]
    grey = matplotlib.colors.to_rgb("#b0b0b0")
    assert [c == pytest.approx(grey) for c in colors] == [True, True, True, False, False, False]
    assert "k = 2" in ax.get_title()
    ax2 = Figure().subplots()
    figures.frozen_diagram(ax2, 0, generated=True)
    assert not any(p.get_facecolor()[:3] == pytest.approx(grey) for p in ax2.patches)
