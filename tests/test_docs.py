"""The numbers the docs quote equal their sources: the bench figures (docs/bench-cpu.json), the synthetic set's
size, and the preset sizes the README and the introduction state."""

import json
import re
from pathlib import Path

import pytest

from phnlab.config import PRESETS

ROOT = Path(__file__).resolve().parents[1]
BENCH = json.loads((ROOT / "docs" / "bench-cpu.json").read_text())
PAGE = (ROOT / "docs" / "benchmarks.md").read_text()


def test_the_benchmarks_page_is_reference_sized():
    assert len(PAGE.splitlines()) <= 150


@pytest.mark.parametrize("strategy", sorted(BENCH["step_ms"]))
def test_every_step_time_and_state_on_the_page_is_the_bench_files(strategy):
    ms, state = BENCH["step_ms"][strategy], BENCH["state_mb"][strategy]
    row = next(line for line in PAGE.splitlines() if line.startswith(f"| {strategy} | "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == f"{ms:.1f}" and cells[3] == f"{ms / BENCH['step_ms']['Naive']:.2f}" and cells[4] == f"{state:.1f}"


def test_every_ratio_and_the_run_on_the_page_are_the_bench_files():
    for name, t in BENCH["targets"].items():
        assert f"| `{name}` | {t['value']:.2f} | ≤ {t['target']:.2f} | {'yes' if t['met'] else '**no**'} |" in PAGE
    for model, ips in BENCH["eval_images_per_s"].items():
        assert f"| {model} | {ips:.0f} |" in PAGE
    assert f"about {BENCH['wall_s']:.0f} s" in PAGE and f"{BENCH['wall_s']:.0f} s in all" in PAGE
    assert f"{BENCH['peak_memory_mb']:.0f} MB" in PAGE and f"T = {BENCH['tasks']}" in PAGE


def test_the_synthetic_sets_size_is_what_the_generator_draws():
    from phnlab.data.synthetic import DOMAINS

    total = sum(d.num_classes * (d.train_per_class + d.test_per_class) for d in DOMAINS.values())
    text = (ROOT / "docs" / "data.md").read_text()
    assert f"all four domains ({total:,} images" in text
    for name, d in DOMAINS.items():
        assert re.search(rf"\| `{name}` \| {d.num_classes}\b.*\| {d.train_per_class} / {d.test_per_class} \|", text), name


def test_the_preset_sizes_the_readme_and_the_introduction_state_are_the_presets():
    readme, intro = (ROOT / "README.md").read_text(), (ROOT / "book" / "intro.md").read_text()
    fm, paper, tiny = PRESETS["fmnist"], PRESETS["paper"], PRESETS["paper-tinyimagenet"]
    assert (f"split {fm.num_experiences} × {fm.classes_per_experience} classes ({fm.train_per_class} images a class)"
            in readme)
    assert f"split Fashion-MNIST ({fm.num_experiences} × {fm.classes_per_experience} classes)" in intro
    lr = f"{paper.lr:.0e}".replace("e-0", "e-")  # 1e-3
    assert (f"({paper.num_experiences} × {paper.classes_per_experience} classes, Adam {lr}, "
            f"{paper.epochs} epochs, batch {paper.batch_size}, {paper.buffer_size} latents") in readme
    assert f"{tiny.num_experiences} × {tiny.classes_per_experience} classes, {tiny.buffer_size} latents" in readme
    assert f"({tiny.num_experiences} × {tiny.classes_per_experience}\n  classes, {tiny.buffer_size} latents)" in intro


def test_the_stream_cost_figures_on_the_page_are_the_model_s():
    from phnlab.analysis.step_times import stored_stream_costs

    costs = stored_stream_costs("fmnist")
    assert costs is not None, "docs/stream-costs-fmnist-cpu.json is missing or unreadable"
    hn2 = costs.minutes(2, "first") / costs.minutes(0, "first")
    second = [costs.minutes(k, "second") / costs.minutes(k, "first") for k in (0, 4)]
    text = " ".join(PAGE.split())
    assert f"HN-2 trains in {hn2:.2f}× HN-F's time" in text
    assert f"{second[0]:.2f}× first order at HN-F, falling to {second[1]:.2f}× at HN-4" in text
