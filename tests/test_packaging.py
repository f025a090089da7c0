"""The library asks for what it imports, and runs without the book's packages (`pip install .`, no extras)."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# import name → distribution, for the third-party packages phnlab imports
DISTRIBUTIONS = {"torch": "torch", "torchvision": "torchvision", "avalanche": "avalanche-lib", "numpy": "numpy",
                 "scipy": "scipy", "tqdm": "tqdm", "matplotlib": "matplotlib", "pandas": "pandas", "PIL": "pillow",
                 "sklearn": "scikit-learn", "ipywidgets": "ipywidgets", "submitit": "submitit",
                 "tensorboard": "tensorboard", "wandb": "wandb"}
BOOK_ONLY = ("jupyter_book", "papermill", "seaborn", "ipywidgets", "submitit")


def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    return requirement.split(";")[0].replace(">", "=").replace("<", "=").split("=")[0].split("[")[0].strip()


def third_party_imports(path: Path) -> dict[str, bool]:
    """Top-level third-party modules a file imports → whether at module level (not inside a function)."""
    tree, found = ast.parse(path.read_text()), {}
    top_level = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
        for name in names:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top != "phnlab":
                found[top] = found.get(top, False) or id(node) in top_level
    return found


def test_every_package_the_library_imports_is_a_requirement_or_an_optional_import_of_its_extra():
    core = {_name(r) for r in _project()["dependencies"]}
    extras = {e: {_name(r) for r in reqs} for e, reqs in _project()["optional-dependencies"].items()}
    for path in sorted((ROOT / "phnlab").rglob("*.py")):
        for module, at_module_level in third_party_imports(path).items():
            dist = DISTRIBUTIONS[module]  # KeyError: a new third-party import, to be declared
            where = path.relative_to(ROOT)
            if path.parent.name == "book":
                assert dist in core | extras["book"], f"{where}: {dist} is in no requirement"
            elif dist not in core:
                owner = [e for e, names in extras.items() if dist in names and e != "test"]
                assert owner and not at_module_level, f"{where} imports {module}: not a requirement of the library"
    assert {"jupyter-book", "papermill", "seaborn", "ipywidgets"} <= extras["book"]
    assert not core & {"jupyter-book", "papermill", "seaborn", "ipywidgets", "submitit", "tensorboard"}


@pytest.mark.slow
def test_the_avalanche_example_runs_without_the_books_packages():
    """`examples/avalanche_script.py --tiny` with jupyter-book, papermill, seaborn, ipywidgets and submitit made
    unimportable: what `pip install .` with no extras gives (a clean venv did the same, see docs)."""
    block = f"""
import importlib.abc, runpy, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BOOK_ONLY!r}:
            raise ImportError(f"{{name}} is not installed (a book extra)")
sys.meta_path.insert(0, Block())
sys.argv = ["avalanche_script.py", "--tiny"]
runpy.run_path({str(ROOT / "examples" / "avalanche_script.py")!r}, run_name="__main__")
"""
    out = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "HN-4: average accuracy over the 5 tasks" in out.stdout
