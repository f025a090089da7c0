"""The CLI's help is its reference: allowed values from `choices` or the registry, and one default per option
across the subcommands, `tools/build_book.py` and the Makefile."""

import re
from pathlib import Path

from phnlab.cli import build_parser
from phnlab.config import BOOK_PRESET, DEFAULT_JOBS, DEFAULT_RESULTS_DIR, PRESETS
from phnlab.strategies import registry

ROOT = Path(__file__).resolve().parents[1]


def _options(command: str) -> dict:
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    return {o: a for a in sub._actions for o in a.option_strings}


def test_the_makefile_and_the_book_build_take_the_clis_defaults():
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"^PRESET \?= (\S+)", make, re.M).group(1) == BOOK_PRESET
    assert re.search(r"^JOBS \?= (\S+)", make, re.M).group(1) == str(DEFAULT_JOBS)
    build = (ROOT / "tools" / "build_book.py").read_text()
    assert "default=BOOK_PRESET" in build and "default=DEFAULT_JOBS" in build and "default=DEFAULT_RESULTS_DIR" in build


def test_every_preset_option_defaults_to_the_books_preset_and_lists_the_presets():
    for command in ("run", "sweep", "results"):
        preset = _options(command)["--preset"]
        assert preset.default == BOOK_PRESET and tuple(preset.choices) == tuple(PRESETS), command
        assert _options(command)["--results-dir"].default == DEFAULT_RESULTS_DIR
    assert _options("sweep")["--jobs"].default == DEFAULT_JOBS
    assert tuple(_options("bench")["--preset"].choices) == tuple(PRESETS)  # its default: the paper's step


def test_run_help_lists_every_registered_strategy_and_the_allowed_values(capsys):
    run = _options("run")
    assert tuple(run["--strategy"].choices) == registry.names()
    assert tuple(run["--lookahead"].choices) == ("none", "first", "second")
    assert tuple(run["--freeze-depth"].choices) == (0, 1, 2, 3, 4)
    assert set(_options("sweep")["--executor"].choices) == {"local", "slurm"}
    assert {"--set", "--epochs"} <= set(_options("sweep")) and "--preset" in _options("bench")
