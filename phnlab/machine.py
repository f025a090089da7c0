"""How busy the machine is while something is timed: other processes on a shared machine slow every
step, so a wall time is reported with the load it was measured under."""

from __future__ import annotations

import os
import statistics
import threading
import time

__all__ = ["machine_load", "LoadSampler", "provenance"]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def _commit() -> str | None:
    """The checkout's commit, with "+dirty" when tracked files differ from it; None outside a git checkout."""
    import subprocess
    from pathlib import Path

    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        if head.returncode:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


_PROCESS_COMMIT: list = []  # the commit when this process first asked: the code it loaded, not later edits


def provenance(device: str = "cpu") -> dict:
    """Which code and which machine computed a result: the commit (as when the process first asked, so that
    a long sweep names the code it loaded), the CPU (or GPU) model, cores, torch threads and version."""
    import torch

    if not _PROCESS_COMMIT:
        _PROCESS_COMMIT.append(_commit())
    out = {"commit": _PROCESS_COMMIT[0], "cpu": _cpu_model(), "cpus": os.cpu_count(), "torch": torch.__version__,
           "threads": torch.get_num_threads(), "device": device}
    if device.startswith("cuda") and torch.cuda.is_available():
        out["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return out


def machine_load() -> dict:
    """Load average and CPU pressure now (Linux; absent fields elsewhere)."""
    out = {"loadavg_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None, "cpus": os.cpu_count()}
    try:
        with open("/proc/pressure/cpu") as f:
            line = f.readline().split()  # "some avg10=… avg60=… …"
        out["cpu_pressure_some_avg10"] = float(line[1].split("=")[1])
    except (OSError, IndexError, ValueError):
        pass
    return out


class LoadSampler:
    """`machine_load()` at the start, every `every_s` seconds in a daemon thread, and at the end:
    `with LoadSampler() as load: ...`, then `load.summary()`."""

    def __init__(self, every_s: float = 60.0):
        self.every_s = every_s
        self.samples: list[dict] = []  # each machine_load() with "at_s", seconds since the start
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0

    def _sample(self) -> None:
        self.samples.append({"at_s": round(time.monotonic() - self._t0, 1), **machine_load()})

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            self._sample()

    def __enter__(self) -> LoadSampler:
        self._t0 = time.monotonic()
        self._sample()
        self._thread = threading.Thread(target=self._loop, name="load-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()

    def summary(self) -> dict:
        """Samples taken, cores, and the 1-minute load average's min / median / max over them."""
        loads = [s["loadavg_1min"] for s in self.samples if s.get("loadavg_1min") is not None]
        out = {"samples": len(self.samples), "every_s": self.every_s, "cpus": os.cpu_count()}
        if loads:
            out.update(loadavg_1min_min=min(loads), loadavg_1min_median=statistics.median(loads),
                       loadavg_1min_max=max(loads))
        return out
