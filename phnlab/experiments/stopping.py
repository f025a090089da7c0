"""Stopping a run or a sweep cleanly on SIGTERM (a Slurm preemption) or SIGINT (Ctrl-C).

The first signal is only noted; the training loop looks at it after every step (`check`) and stops
there, keeping the checkpoint of the last finished experience, so that running the same command again
resumes the run. The handlers go back to the defaults at the first signal: a second one stops the
process at once. The store writes every file atomically, so it holds only complete files either way.
"""

from __future__ import annotations

import contextlib
import signal
import threading

from ..errors import PhnlabError

__all__ = ["Interrupted", "StoreFull", "graceful", "requested", "check", "SIGNALS"]

SIGNALS = (signal.SIGTERM, signal.SIGINT)
_state: dict = {"signal": None}


class Interrupted(PhnlabError):
    """Training stopped at a step boundary on a signal; `signum` says which (exit code 128 + signum)."""

    def __init__(self, message: str, signum: int = signal.SIGTERM):
        super().__init__(message)
        self.signum = signum

    def __reduce__(self):  # through a process pool
        return type(self), (str(self), self.signum)


class StoreFull(PhnlabError):
    """A file of the results store could not be written (a full disk, no permission)."""


def _note(signum, frame) -> None:
    _state["signal"] = signum
    for s in SIGNALS:  # a second signal acts at once
        signal.signal(s, signal.SIG_DFL if s != signal.SIGINT else signal.default_int_handler)


@contextlib.contextmanager
def graceful():
    """Within: the first SIGTERM / SIGINT is noted for `check`. Outside the main thread it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.getsignal(s) for s in SIGNALS}
    _state["signal"] = None
    for s in SIGNALS:
        signal.signal(s, _note)
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
        _state["signal"] = None


def install_in_worker() -> None:
    """A sweep's worker process: note the first signal as well (its parent forwards SIGTERM)."""
    _state["signal"] = None
    for s in SIGNALS:
        signal.signal(s, _note)


def requested() -> int | None:
    """The signal received, or None."""
    return _state["signal"]


def check() -> None:
    """Raise Interrupted when a signal has been noted (called after every training step)."""
    signum = _state["signal"]
    if signum is not None:
        raise Interrupted(f"stopped by {signal.Signals(signum).name}", signum)
