"""Execute the book's chapters with papermill, then build them with a strict Jupyter Book 1 build.

    python tools/build_book.py --preset quick --device auto --results-dir results --out _build
        [--data-root DIR] [--chapters 01,02]

1. Stage: book/ -> OUT/src (config, intro and other pages; book/_static -> OUT/src/_assets, see
   book/_config.yml), and a table of contents listing the chapters present.
2. Compute the runs of every chapter selected (`phnlab.book.plan`) in one sweep of --jobs workers, longest
   first, so that no worker idles at the end of a chapter while another finishes its last long run; with
   --no-prefetch each chapter computes its own runs as it executes. A signal stops the sweep at the
   runs' last checkpoints (exit 130 / 143); the next build resumes them.
3. Execute every chapter book/NN-*.ipynb with papermill (cwd: the repository root; kernel: this
   interpreter) into OUT/src/NN-*.ipynb, with the parameters preset, device, results_dir, jobs and
   data_root; after the sweep, when the chapters only read stored runs, --jobs chapters at a time.
   nbclient stores the widget state in the executed notebook, so sliders render in the static page
   with no kernel; this script checks that every displayed widget has its state.
   While a chapter runs, its progress (runs done out of the runs it needs, the current run, elapsed
   time, an estimate of the time left) is printed here, read from the file $PHNLAB_PROGRESS that the
   chapter's kernel writes (phnlab.experiments.progress); the executed pages never hold it.
4. `jupyter-book build OUT/src --path-output OUT -W -n --keep-going`, then OUT/_build/html -> OUT/html.
5. The timings of every phase, with the machine's load average sampled every minute while they ran
   (`phnlab.machine.LoadSampler`), are printed and written to OUT/timings.json.

Exits 1 if a chapter fails, holds an error output or lacks widget state, or the build warns.
The last line printed is the absolute path of OUT/html/index.html.
"""

from __future__ import annotations

import argparse
from collections import Counter
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
CHAPTER_RE = re.compile(r"^(\d\d)-[\w.-]+\.ipynb$")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
KERNEL = "python3"
HEARTBEAT_S = 60.0  # with no new event, the last progress line again after this long


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    from phnlab.config import BOOK_PRESET, DEFAULT_JOBS, DEFAULT_RESULTS_DIR, PRESETS

    ap.add_argument("--preset", default=BOOK_PRESET, choices=tuple(PRESETS))
    ap.add_argument("--device", default="auto")
    ap.add_argument("--results-dir", default=DEFAULT_RESULTS_DIR)
    ap.add_argument("--data-root", default="")
    ap.add_argument("--jobs", type=int, default=DEFAULT_JOBS,
                    help="worker processes for the sweep of all chapters' runs (with --no-prefetch: each chapter's)")
    ap.add_argument("--out", default="_build")
    ap.add_argument("--chapters", default="", help="comma list of chapter numbers or names, e.g. 01,02")
    ap.add_argument("--shipped", default=str(BOOK / "store"),
                    help="the shipped results store whose current runs are copied into --results-dir first")
    ap.add_argument("--fresh", action="store_true", help="read no shipped run: compute everything")
    ap.add_argument("--strict", action="store_true", help="stop when a shipped run is stale instead of recomputing it")
    ap.add_argument("--no-prefetch", action="store_true",
                    help="no sweep of all chapters' runs first: each chapter computes its own as it executes")
    args = ap.parse_args(argv)

    out = _abs(args.out)
    results_dir = _abs(args.results_dir)
    data_root = _abs(args.data_root) if args.data_root else None

    # Fail fast, before minutes of execution, with the message a chapter's first cell would give.
    sys.path.insert(0, str(REPO))
    from phnlab.book.params import check_params
    from phnlab.errors import PhnlabError

    try:
        checked = check_params(args.preset, args.device, data_root, results_dir, None, args.jobs)
    except PhnlabError as exc:
        print(f"build_book: {exc}", file=sys.stderr)
        return 2
    if args.fresh:  # the chapters' kernels and the sweep train the shipped presets' runs too
        os.environ["PHNLAB_FRESH"] = "1"
    else:  # the runs that took CPU-hours, computed once (phnlab.experiments.shipped)
        from phnlab.experiments.shipped import seed_results

        try:
            seed_results(results_dir, args.shipped, strict=args.strict, log=lambda line: print(f"build_book: {line}"))
        except PhnlabError as exc:
            print(f"build_book: {exc}", file=sys.stderr)
            return 2
    vendor = BOOK / "_static" / "vendor"
    for need in ("html-manager/dist/embed.js", "mathjax/es5/tex-chtml.js"):
        if not (vendor / need).is_file():
            print(f"build_book: {vendor / need} is missing; run `make vendor` first", file=sys.stderr)
            return 2

    chapters = _select(sorted(p for p in BOOK.iterdir() if CHAPTER_RE.match(p.name)), args.chapters)
    if chapters is None:
        return 2

    src = out / "src"
    _stage(src)
    _write_toc(src, [c.stem for c in chapters])
    _kernelspec(out)

    from phnlab.machine import LoadSampler

    t_build = time.perf_counter()
    with LoadSampler() as load:
        built = _build(args, chapters, src, out, results_dir, data_root, checked)
    if isinstance(built, int):  # a signal stopped the sweep
        return built
    failures, timings, jb_secs, html = built
    summary = load.summary()
    print("build_book: timings")
    for name, secs, status in timings:
        what = name if name.startswith("(") else f"papermill {name}"
        print(f"  {what:50s} {secs:7.1f} s  {status}")
    print(f"  jupyter-book build {'':31s} {jb_secs:7.1f} s")
    total_s = time.perf_counter() - t_build
    print(f"  {'(in all)':50s} {total_s:7.1f} s")
    if "loadavg_1min_max" in summary:
        print(f"build_book: load average (1 min) {summary['loadavg_1min_min']:.2f}-{summary['loadavg_1min_max']:.2f}, "
              f"median {summary['loadavg_1min_median']:.2f}, {summary['samples']} samples, on {summary['cpus']} cores")
    _write_timings(out / "timings.json", dict(
        preset=args.preset, jobs=args.jobs, chapters=[c.name for c in chapters], total_s=round(total_s, 1),
        phases=[dict(name=n, seconds=round(t, 1), status=st) for n, t, st in timings],
        jupyter_book_s=round(jb_secs, 1), failed=bool(failures), load=summary, load_samples=load.samples))
    if failures:
        print("build_book: FAILED", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
    index = html / "index.html"
    print(index)
    return 1 if failures else 0


def _write_timings(path: Path, record: dict) -> None:
    from phnlab.files import atomic_write_bytes

    atomic_write_bytes(path, (json.dumps(record, indent=1) + "\n").encode())


def _build(args, chapters, src, out, results_dir, data_root, checked):
    """Steps 2-4: (failures, timings, seconds of the jupyter-book build, the html folder), or an exit
    status when a signal stopped the sweep."""
    failures: list[str] = []
    timings: list[tuple[str, float, str]] = []
    params = dict(preset=args.preset, device=args.device, results_dir=str(results_dir), jobs=args.jobs,
                  data_root=str(data_root) if data_root else "")
    print(f"build_book: {len(chapters)} chapter(s), parameters {params}", flush=True)
    if not args.no_prefetch:
        from phnlab.experiments.stopping import Interrupted

        try:
            status, secs = _prefetch(chapters, checked)
        except Interrupted as exc:
            print(f"build_book: {exc}", file=sys.stderr)
            return 128 + exc.signum
        timings.append(("(all chapters' runs)", secs, status))
        if status != "ok":
            failures.append(f"runs: {status}")
    # With every run stored by the sweep, chapters only read and draw: --jobs of them at once. Without it
    # each computes its own runs on --jobs workers, one chapter after the other.
    at_once = 1 if args.no_prefetch else max(1, args.jobs)
    from phnlab.analysis import findings

    findings.clear(results_dir, args.preset, [c.name[:2] for c in chapters])  # each chapter records its own again
    t_chapters = time.perf_counter()
    for chapter, (status, secs) in zip(chapters, _execute_all(chapters, src, params, at_once)):
        timings.append((chapter.name, secs, status))
        if status != "ok":
            failures.append(f"{chapter.name}: {status}")
    if at_once > 1:
        timings.append((f"(the chapters, {at_once} at a time)", time.perf_counter() - t_chapters, "ok"))
    _write_findings(src / "intro.md", results_dir, args.preset, [c.name for c in chapters])

    t0 = time.perf_counter()
    build_dir = out / "_build"
    shutil.rmtree(build_dir / "html", ignore_errors=True)
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(src), "--path-output", str(out),
           "-W", "-n", "--keep-going", "--all"]
    print("build_book: " + " ".join(cmd), flush=True)
    rc = subprocess.call(cmd, cwd=REPO)
    jb_secs = time.perf_counter() - t0
    if rc != 0:
        failures.append(f"jupyter-book build exited {rc} (a warning fails the strict build; see above)")
    html = out / "html"
    if (build_dir / "html").is_dir():
        shutil.rmtree(html, ignore_errors=True)
        if html.is_symlink() or html.exists():
            html.unlink()
        os.replace(build_dir / "html", html)
    elif rc == 0:
        failures.append(f"no HTML produced at {build_dir / 'html'}")
    return failures, timings, jb_secs, html


def _write_findings(intro: Path, results_dir: Path, preset: str, pages: list[str]) -> None:
    """The introduction's table of findings, from the verdicts the chapters recorded (`analysis.findings`):
    a column for the preset's data set and one for Fashion-MNIST, whose shipped runs the default book reads."""
    from phnlab.analysis import findings
    from phnlab.analysis.central import DATA_NAMES
    from phnlab.config import get_preset

    if not intro.is_file() or findings.MARKER not in intro.read_text():
        return
    own = get_preset(preset).dataset
    found = {data for per_data in findings.load(results_dir, preset).values() for data in per_data}
    keys = [own] + sorted((found | {"fashionmnist"}) - {own})
    table = findings.summary_markdown(results_dir, preset, {k: DATA_NAMES.get(k, k) for k in keys}, pages)
    intro.write_text(intro.read_text().replace(findings.MARKER, table))


def _abs(path: str) -> Path:
    p = Path(path).expanduser()
    return (p if p.is_absolute() else REPO / p).resolve()


def _select(chapters: list[Path], wanted: str) -> list[Path] | None:
    if not wanted.strip():
        return chapters
    chosen = []
    for w in (w.strip() for w in wanted.split(",") if w.strip()):
        hits = [c for c in chapters if c.name[:2] == w.zfill(2) or c.stem == w or c.name == w]
        if not hits:
            names = ", ".join(c.stem for c in chapters) or "none"
            print(f"build_book: no chapter {w!r} in {BOOK}; present: {names}", file=sys.stderr)
            return None
        chosen += [h for h in hits if h not in chosen]
    return sorted(chosen)


def _stage(src: Path) -> None:
    """book/ -> src, without chapters (papermill writes the executed ones) and without _build."""
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    for item in BOOK.iterdir():
        if item.name in {"_build", ".ipynb_checkpoints", "_toc.yml"} or item.suffix == ".ipynb":
            continue
        dest = src / ("_assets" if item.name == "_static" else item.name)
        if item.is_dir():
            shutil.copytree(item, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        else:
            shutil.copy2(item, dest)


def _write_toc(src: Path, stems: list[str]) -> None:
    import yaml

    template = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf8"))
    toc = {"format": template.get("format", "jb-book"), "root": template["root"]}
    if stems:
        toc["chapters"] = [{"file": s} for s in stems]
    text = "# Generated by tools/build_book.py from book/_toc.yml and the chapters present.\n"
    (src / "_toc.yml").write_text(text + yaml.safe_dump(toc, sort_keys=False), encoding="utf8")


def _kernelspec(out: Path) -> None:
    """A `python3` kernelspec running this interpreter, first on JUPYTER_PATH: a user-level or
    system `python3` spec pointing at another Python cannot take over."""
    kdir = out / "jupyter" / "kernels" / KERNEL
    kdir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python", "metadata": {"debugger": False}}
    (kdir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf8")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(out / "jupyter")] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    from jupyter_client.kernelspec import KernelSpecManager

    found = KernelSpecManager().get_kernel_spec(KERNEL)
    if found.argv[0] != sys.executable:
        raise SystemExit(f"build_book: kernel {KERNEL!r} resolves to {found.argv[0]}, not {sys.executable}")


def _execute_all(chapters: list[Path], src: Path, params: dict, at_once: int) -> list[tuple[str, float]]:
    """Each chapter's (status, seconds), `at_once` chapters at a time, in the chapters' order."""
    from concurrent.futures import ThreadPoolExecutor

    def one(chapter: Path) -> tuple[str, float]:
        status, secs = _execute(chapter, src / chapter.name, params, at_once)
        print(f"  {chapter.name}: {status} ({secs:.1f} s)", flush=True)
        return status, secs

    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(one, chapters))


def _execute(chapter: Path, dest: Path, params: dict, at_once: int = 1) -> tuple[str, float]:
    """papermill in a process of its own: its kernel inherits that process's $PHNLAB_PROGRESS, so that
    chapters executing side by side report their progress apart, and its share of the cores' threads (two
    kernels with a thread per core each on 2 cores: 198 s of chapters; with one thread each 105 s, one
    chapter after the other 150 s, docs/benchmarks.md)."""
    import nbformat
    import yaml

    t0 = time.perf_counter()
    env = dict(os.environ)
    if at_once > 1:  # kernels side by side share the cores: each with its share of the threads, not all of them
        threads = str(max(1, (os.cpu_count() or 1) // at_once))
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, threads)
    cmd = [sys.executable, "-m", "papermill", str(chapter), str(dest), "-y", yaml.safe_dump(params), "-k", KERNEL,
           "--cwd", str(REPO), "--no-progress-bar", "--no-report-mode", "--no-log-output"]
    with _Progress(chapter.stem, set_env=False) as progress:
        done = subprocess.run(cmd, env={**env, progress.env: str(progress.path)}, capture_output=True,
                              text=True, cwd=REPO)
    secs = time.perf_counter() - t0
    if not dest.is_file():  # the kernel did not start, or the notebook could not be read
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"FAILED: papermill exited {done.returncode}: {tail}", secs
    nb = nbformat.read(dest, as_version=4)
    _hide_injected_parameters(nb)
    nbformat.write(nb, dest)
    status = _check_executed(nb)
    if status == "ok" and done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        status = f"FAILED: papermill exited {done.returncode}: {tail}"
    return status, secs


def _prefetch(chapters: list[Path], params) -> tuple[str, float]:
    """Every run the chapters read, in one sweep, longest first: 'ok' or the failure (a signal: Interrupted).
    The checkpoints a chapter reads besides a run's results are kept as the runs pass them."""
    from phnlab.book.plan import book_specs, keep_checkpoints
    from phnlab.book.runs import run_specs, split_by_data
    from phnlab.errors import PhnlabError
    from phnlab.experiments import stopping
    from phnlab.experiments.store import ResultsStore

    from phnlab.experiments.schedule import estimate_seconds, measured_step_costs, seconds_per_unit

    numbers = [c.name[:2] for c in chapters]
    specs, lacking = split_by_data(book_specs(numbers, params.preset.name, params.seeds), params.results_dir,
                                   params.data_root)
    if lacking:
        print(f"build_book: {lacking}; the chapters that read them say so", flush=True)
    store = ResultsStore(params.results_dir)
    for spec, experience in keep_checkpoints(numbers, params.preset.name, params.seeds):
        store.keep_after(spec, experience)
    stored = store.all_metrics()  # one read of the store for what is stored and what its runs cost
    have = {spec.key() for spec, _ in stored}
    todo = [s for s in specs if s.key() not in have]
    step_costs = measured_step_costs(stored)  # a step's cost per kind of stored run, else the strategy's estimate
    per_unit, fitted = seconds_per_unit(stored, step_costs)
    how = f"fitted on {fitted} stored run(s)" if fitted else "no stored run to fit it on: a default step time"
    left = estimate_seconds(todo, per_unit, params.jobs, step_costs)
    print(f"build_book: {len(specs)} distinct runs for the chapters: {len(specs) - len(todo)} stored, {len(todo)} to "
          f"compute, estimated {left / 60:.1f} min on {params.jobs} "
          f"worker(s) ({how}); longest first", flush=True)
    for label, n in sorted(Counter(f"{s.label()} {s.stream}" for s in todo).items()):
        print(f"  to compute: {n} x {label}", flush=True)
    t0 = time.perf_counter()
    try:
        with stopping.graceful(), _Progress("runs"):
            run_specs(specs, params)
    except stopping.Interrupted:
        raise
    except PhnlabError as exc:
        return f"FAILED: {exc}", time.perf_counter() - t0
    return "ok", time.perf_counter() - t0


def _hide_injected_parameters(nb) -> None:
    """The cell papermill inserts (tagged `injected-parameters`) holds this build's absolute paths and
    repeats the parameters that the chapter's first line states: it stays in the notebook, not on the page."""
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")


class _Progress:
    """Prints a chapter's progress events (and a heartbeat) while its kernel runs."""

    def __init__(self, name: str, *, set_env: bool = True):
        from phnlab.experiments.progress import ENV

        self.name, self.env, self.set_env = name, ENV, set_env  # set_env: this process's runs report there
        self.path = Path(tempfile.mkstemp(prefix="phnlab-progress-", suffix=".jsonl")[1])
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._follow, daemon=True)

    def __enter__(self):
        self.saved = os.environ.get(self.env)
        if self.set_env:
            os.environ[self.env] = str(self.path)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        if self.set_env and self.saved is None:
            os.environ.pop(self.env, None)
        elif self.set_env:
            os.environ[self.env] = self.saved
        self.path.unlink(missing_ok=True)

    def _follow(self):
        from phnlab.experiments.progress import format_event, read_events

        offset, last, said = 0, None, time.monotonic()
        while True:
            stopping = self.stop.wait(2.0)
            events, offset = read_events(self.path, offset)
            for e in events:
                print(f"    {self.name}: {format_event(e)}", flush=True)
                last, said = e, time.monotonic()
            if stopping:
                return
            if last is not None and time.monotonic() - said >= HEARTBEAT_S:
                waited = time.monotonic() - said
                beat = dataclasses.replace(last, elapsed_s=last.elapsed_s + waited,
                                           left_s=None if last.left_s is None else max(0.0, last.left_s - waited))
                print(f"    {self.name}: {format_event(beat)}", flush=True)
                last, said = beat, time.monotonic()


def _check_executed(nb) -> str:
    """'ok', or what is wrong: an error output, or a displayed widget whose state was not saved."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"FAILED: cell {i} has an error output ({output.get('ename')}: {output.get('evalue')})"
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and view.get("model_id") not in state:
                return f"FAILED: cell {i} displays widget {view.get('model_id')} whose state was not saved"
    return "ok"


if __name__ == "__main__":
    sys.exit(main())
