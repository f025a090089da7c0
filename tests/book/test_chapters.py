"""Static checks of the chapters' code cells: what would break a chapter only when it runs."""

import ast
import json
from pathlib import Path

import pytest

CHAPTERS = sorted((Path(__file__).resolve().parents[2] / "book").glob("*.ipynb"))


def _code(path: Path) -> ast.Module:
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    lines = [line for c in cells for line in "".join(c["source"]).splitlines()]
    return ast.parse("\n".join(line for line in lines if not line.lstrip().startswith(("%", "!"))))


def test_there_are_chapters():
    assert len(CHAPTERS) >= 8


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_chapter_rebinds_a_name_it_imports(path):
    """`cost = cost.cost_frame(...)` hides the module from every later cell."""
    tree = _code(path)
    imported = {a.asname or a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names}
    rebound = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                      and n.id in imported})
    assert not rebound, f"{path.name} assigns to imported name(s) {rebound}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_the_book_plan_names_the_sweeps_each_chapter_runs(path):
    """The build computes `plan.CHAPTER_SWEEPS` before the chapters execute: a sweep missing there would be
    trained inside its chapter, one listed in vain would be trained for nothing."""
    from phnlab.book.plan import CHAPTER_SWEEPS

    from phnlab.book.plan import COMPANION_SWEEPS

    def called(function):
        return {n.args[0].value for n in ast.walk(_code(path)) if isinstance(n, ast.Call)
                and getattr(n.func, "id", getattr(n.func, "attr", None)) == function
                and n.args and isinstance(n.args[0], ast.Constant)}

    assert called("sweep_specs") == set(CHAPTER_SWEEPS[path.name[:2]])
    assert called("companion_runs") == set(COMPANION_SWEEPS.get(path.name[:2], ()))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_draws_its_figures_inline(path):
    """The analysis returns matplotlib Figures; in a kernel without the inline backend a Figure left as a
    cell's value prints as "<Figure size ...>" and the page has no image."""
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    assert any("".join(c["source"]).lstrip().startswith("%matplotlib inline") for c in cells), path.name
