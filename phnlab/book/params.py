"""A chapter's parameters, checked before any work.

papermill passes every parameter as given on its command line (strings, mostly), so a typo would
otherwise surface deep inside a run. ``check_params`` turns them into one typed object or stops
with one ``BadInput`` line that says what is wrong and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import PRESETS, Preset, get_preset, parse_seeds, resolve_device
from ..errors import BadInput

__all__ = ["ChapterParams", "check_params"]


@dataclass(frozen=True)
class ChapterParams:
    preset: Preset
    device: str
    data_root: Path | None  # None: the library's default location
    results_dir: Path
    seeds: tuple[int, ...]
    jobs: int = 1  # worker processes for the chapter's runs (`experiments.executors`)

    def describe(self) -> str:
        """One markdown line for the top of a chapter."""
        data = f"`{_shown(self.data_root)}`" if self.data_root is not None else "the default location"
        seeds = ", ".join(map(str, self.seeds))
        p = self.preset
        return (
            f"Ran with preset **{self.preset.name}** ({self.preset.dataset} data from {data}), "
            f"seeds {seeds}, device `{self.device}`; results in `{_shown(self.results_dir)}`. "
            f"Training: {p.epochs} epoch(s) per experience, batch {p.batch_size}, Adam lr {p.lr:g}"
            + (f" (hypernetwork task rows: {p.task_lr:g})" if p.task_lr is not None else "") + "."
        )

    def _repr_markdown_(self) -> str:
        return self.describe()


def _shown(path: Path) -> str:
    """A directory as a page may show it: relative to the working directory (the repository root
    when the book builds) when inside it, else by its name; never the machine's absolute path."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return Path(path).name


def check_params(
    preset: str | Preset,
    device: str,
    data_root: str | Path | None,
    results_dir: str | Path,
    seeds: Any = None,
    jobs: Any = 1,
) -> ChapterParams:
    """Check a chapter's parameters: preset one of `PRESETS`, device auto|cpu|cuda[:N], data_root an
    existing directory or ""/None for the default, results_dir a directory (created when missing),
    seeds None/"" for the preset's seeds, an int, a list of ints or a comma string "0,1"; jobs an integer
    >= 1 (worker processes, one torch thread each on a CPU)."""
    if isinstance(preset, Preset):
        chosen = preset
    elif isinstance(preset, str):
        chosen = get_preset(preset.strip())
    else:
        raise BadInput(f"preset must be a name, got {preset!r}; allowed: {', '.join(PRESETS)}")
    if not isinstance(device, str):
        raise BadInput(f"device must be a string, got {device!r}; allowed: auto, cpu, cuda, cuda:N")
    dev = str(resolve_device(device.strip()))
    root = _data_root(data_root)
    results = _results_dir(results_dir)
    chosen_seeds = chosen.seeds if seeds is None or (isinstance(seeds, str) and not seeds.strip()) else parse_seeds(seeds)
    return ChapterParams(preset=chosen, device=dev, data_root=root, results_dir=results, seeds=chosen_seeds,
                         jobs=_jobs(jobs))


def _jobs(jobs: Any) -> int:
    try:
        if isinstance(jobs, bool) or not isinstance(jobs, (int, str)):
            raise ValueError
        n = int(jobs)
    except ValueError:
        raise BadInput(f"jobs {jobs!r} is not an integer; allowed: an integer >= 1") from None
    if n < 1:
        raise BadInput(f"jobs {n} is not allowed; allowed: an integer >= 1")
    return n


def _data_root(data_root: str | Path | None) -> Path | None:
    if data_root is None or (isinstance(data_root, str) and not data_root.strip()):
        return None
    if not isinstance(data_root, (str, Path)):
        raise BadInput(f"data_root must be a path, got {data_root!r}; allowed: '' for the default or a directory")
    path = Path(data_root).expanduser().resolve()
    if not path.exists():
        raise BadInput(f"data_root {str(path)!r} does not exist; give an existing directory or '' for the default")
    if not path.is_dir():
        raise BadInput(f"data_root {str(path)!r} is not a directory; give a directory or '' for the default")
    return path


def _results_dir(results_dir: str | Path) -> Path:
    if not isinstance(results_dir, (str, Path)) or (isinstance(results_dir, str) and not results_dir.strip()):
        raise BadInput(f"results_dir must be a directory path, got {results_dir!r}")
    path = Path(results_dir).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise BadInput(f"results_dir {str(path)!r} exists and is not a directory; give a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"results_dir {str(path)!r} cannot be created ({exc.strerror})") from None
    return path
