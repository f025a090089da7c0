"""The README's Avalanche script runs as written (on a tiny subset)."""

import runpy
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "avalanche_script.py"


@pytest.mark.slow
def test_the_avalanche_example_trains_naive_lr4_and_hn4(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--tiny"])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["Naive", "LR-4", "HN-4"]
    assert all("average accuracy over the 5 tasks" in line for line in lines)
