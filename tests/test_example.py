"""The README's Avalanche script runs as written (on a tiny subset), with what `pip install .` gives: the book's
packages (jupyter-book, papermill, seaborn, ipywidgets) and submitit made unimportable."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "avalanche_script.py"
BOOK_ONLY = ("jupyter_book", "papermill", "seaborn", "ipywidgets", "submitit")


@pytest.mark.slow
def test_the_avalanche_example_trains_naive_lr4_and_hn4_without_the_books_packages():
    block = f"""
import importlib.abc, runpy, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BOOK_ONLY!r}:
            raise ImportError(f"{{name}} is not installed (an extra)")
sys.meta_path.insert(0, Block())
sys.argv = [{str(SCRIPT)!r}, "--tiny"]
runpy.run_path({str(SCRIPT)!r}, run_name="__main__")
"""
    out = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["Naive", "LR-4", "HN-4"]
    assert all("average accuracy over the 5 tasks" in line for line in lines)
