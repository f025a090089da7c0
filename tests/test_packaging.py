"""The library asks for what it imports (`pip install .`, no extras; `tests/test_example.py` runs the example
without the book's packages)."""

import ast
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11 reads pyproject.toml itself

ROOT = Path(__file__).resolve().parents[1]
# import name → distribution, for the third-party packages phnlab imports
DISTRIBUTIONS = {"torch": "torch", "torchvision": "torchvision", "avalanche": "avalanche-lib", "numpy": "numpy",
                 "scipy": "scipy", "tqdm": "tqdm", "matplotlib": "matplotlib", "pandas": "pandas", "PIL": "pillow",
                 "sklearn": "scikit-learn", "ipywidgets": "ipywidgets", "submitit": "submitit",
                 "tensorboard": "tensorboard", "wandb": "wandb"}


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
