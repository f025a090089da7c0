"""The results store: results/<spec hash>/ holds spec.json, metrics.json, checkpoint.pt (after each
experience, while the run is unfinished) and model.pt (the final weights); first-experience/<key>.pt
holds experience 1's epochs for every run that trains them alike (`first_experience`).

Writes are atomic (temp file + fsync + rename), so a reader never sees half a file; JSON files
carry a checksum, so a corrupt file is detected, reported and recomputed, never used; a per-spec
lock (fcntl) keeps two workers off the same spec, and dies with its process.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import sys
from pathlib import Path
from typing import NamedTuple

import torch

from ..errors import BadInput, PhnlabError
from ..files import atomic_write_bytes
from .stopping import StoreFull
from .spec import RunSpec

__all__ = ["ResultsStore", "StoreSnapshot", "StoredRun", "SpecLocked"]


class StoredRun(NamedTuple):
    """A finished run as the store holds it: unpacks as (spec, metrics), and reads as a run result
    (`.spec`, `.metrics`) for the analyses that take results."""
    spec: RunSpec
    metrics: dict


class SpecLocked(PhnlabError):
    """Another process is running this spec."""


def _checksum(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class ResultsStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise BadInput(f"results directory {self.root} exists and is not a directory")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise BadInput(f"results directory {self.root} cannot be created: {e.strerror}") from None
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise BadInput(f"results directory {self.root} is not writable")

    def dir(self, spec: RunSpec) -> Path:
        return self.root / spec.key()

    # ---- JSON with checksums -----------------------------------------------------------------
    def _write(self, path: Path, data: bytes) -> None:
        """One file, atomically; a failed write (a full disk, no permission) is one clear error, and the
        file it would have replaced is still there, whole."""
        try:
            atomic_write_bytes(path, data)
        except OSError as e:
            raise StoreFull(f"cannot write {path}: {e.strerror or e}; nothing was half-written and the store's "
                            "earlier files (the last checkpoint included) are intact: free space or fix the "
                            "directory, then run the same command again to resume") from None

    def _write_json(self, path: Path, payload) -> None:
        self._write(path, json.dumps({"checksum": _checksum(payload), "payload": payload}, indent=1).encode())

    def _read_json(self, path: Path):
        """The payload, or None when absent; a corrupt file is reported, moved aside and treated as absent."""
        if not path.exists():
            return None
        try:
            doc = json.loads(path.read_text())
            if _checksum(doc["payload"]) != doc["checksum"]:
                raise ValueError("checksum mismatch")
            return doc["payload"]
        except (ValueError, KeyError, TypeError) as e:
            self._quarantine(path, f"corrupt result file ({e})")
            return None

    def _quarantine(self, path: Path, why: str) -> None:
        print(f"phnlab: {why}: {path}; it will be recomputed", file=sys.stderr)
        os.replace(path, path.with_name(path.name + ".corrupt"))

    # ---- finished metrics ---------------------------------------------------------------------
    def metrics(self, spec: RunSpec) -> dict | None:
        return self._read_json(self.dir(spec) / "metrics.json")

    def save_spec(self, spec: RunSpec) -> None:
        """The spec of a run that starts, so that the store can say what its folder holds before it finishes."""
        self._write_json(self.dir(spec) / "spec.json", spec.to_dict())

    def save_metrics(self, spec: RunSpec, metrics: dict) -> None:
        self._write_json(self.dir(spec) / "spec.json", spec.to_dict())
        self._write_json(self.dir(spec) / "metrics.json", metrics)

    def all_metrics(self) -> list[StoredRun]:
        out = []
        for d in sorted(p for p in self.root.iterdir() if p.is_dir()):
            spec_d = self._read_json(d / "spec.json")
            metrics = self._read_json(d / "metrics.json") if spec_d is not None else None
            if metrics is None:
                continue
            spec = RunSpec.from_dict(spec_d)
            if spec.key() == d.name:  # another spec version's result is kept, never mixed in
                out.append(StoredRun(spec, metrics))
        return out

    # ---- tensors: a checkpoint after each experience, the final model ---------------------------
    def _save_torch(self, path: Path, state: dict) -> None:
        buf = io.BytesIO()
        torch.save(state, buf)
        self._write(path, buf.getvalue())

    def _load_torch(self, path: Path, what: str) -> dict | None:
        if not path.exists():
            return None
        try:
            return torch.load(path, map_location="cpu", weights_only=False)
        except Exception as e:  # noqa: BLE001 - anything unreadable is recomputed
            self._quarantine(path, f"unreadable {what} ({type(e).__name__})")
            return None

    def save_checkpoint(self, spec: RunSpec, state: dict) -> None:
        self._save_torch(self.dir(spec) / "checkpoint.pt", state)

    def load_checkpoint(self, spec: RunSpec) -> dict | None:
        return self._load_torch(self.dir(spec) / "checkpoint.pt", "checkpoint")

    def save_model(self, spec: RunSpec, state: dict) -> None:
        """The final weights of a finished run (model.pt), kept beside its metrics."""
        self._save_torch(self.dir(spec) / "model.pt", state)

    def load_model(self, spec: RunSpec) -> dict | None:
        return self._load_torch(self.dir(spec) / "model.pt", "model file")

    def save_first_experience(self, key: str, state: dict) -> None:
        """Experience 1's epochs, shared by the specs that train them alike (`first_experience.shared_key`)."""
        self._save_torch(self.root / "first-experience" / f"{key}.pt", state)

    def load_first_experience(self, key: str) -> dict | None:
        return self._load_torch(self.root / "first-experience" / f"{key}.pt", "first-experience file")

    def drop_checkpoint(self, spec: RunSpec) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.dir(spec) / "checkpoint.pt").unlink()

    # ---- a checkpoint kept after one experience for an analysis that reads it (Figure 6) ----------
    def keep_after(self, spec: RunSpec, experience: int) -> None:
        """Ask the run of `spec` to keep its checkpoint after `experience` (1-based) once it is finished,
        when it has not passed that experience yet: a finished run keeps only its final model."""
        self._write(self.dir(spec) / f"keep-after{experience}", b"")

    def keeps_after(self, spec: RunSpec, experience: int) -> bool:
        return (self.dir(spec) / f"keep-after{experience}").exists()

    def save_kept(self, spec: RunSpec, experience: int, state: dict) -> None:
        self._save_torch(self.dir(spec) / f"checkpoint-after{experience}.pt", state)

    def load_kept(self, spec: RunSpec, experience: int) -> dict | None:
        return self._load_torch(self.dir(spec) / f"checkpoint-after{experience}.pt", "kept checkpoint")

    # ---- what the store holds ------------------------------------------------------------------------
    def inventory(self) -> list[dict]:
        """Every run folder: its spec (None where unreadable), state ("finished", "checkpointed" after
        `experiences` experiences, "started"; `running`: a process holds its lock) and training seconds."""
        out = []
        for d in sorted(p for p in self.root.iterdir() if p.is_dir() and p.name != "first-experience"):
            spec_d, metrics = self._read_json(d / "spec.json"), self._read_json(d / "metrics.json")
            if spec_d is None and not (d / "checkpoint.pt").exists():
                continue  # not a run of this store (or only its lock)
            spec = RunSpec.from_dict(spec_d) if spec_d is not None else None
            row = {"key": d.name, "spec": spec, "running": _locked(d / "lock"), "experiences": 0, "seconds": 0.0}
            if metrics is not None:
                row.update(state="finished", experiences=len(metrics["accuracy_matrix"]),
                           seconds=float(metrics.get("wall_time_s", 0.0)))
            elif (d / "checkpoint.pt").exists():
                ckpt = self._load_torch(d / "checkpoint.pt", "checkpoint") or {}
                row.update(state="checkpointed", experiences=int(ckpt.get("next", 0)),
                           seconds=float(sum(ckpt.get("times", ()))))
            else:
                row.update(state="started")
            out.append(row)
        return out

    # ---- one worker per spec ----------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, spec: RunSpec, *, wait: bool = False):
        d = self.dir(spec)
        d.mkdir(parents=True, exist_ok=True)
        with open(d / "lock", "w") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise SpecLocked(f"run {spec.key()} ({spec.label()}) is being computed by another process") from None
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


class StoreSnapshot:
    """A store's finished runs read once, for an analysis that selects from them many times over (`all_metrics`
    as `ResultsStore` has it); what is stored later is not in it."""

    def __init__(self, store: ResultsStore):
        self.root, self._pairs = store.root, store.all_metrics()

    def all_metrics(self) -> list[StoredRun]:
        return list(self._pairs)


def _locked(path: Path) -> bool:
    """Whether a process holds the run's lock (it is computing the run now)."""
    if not path.exists():
        return False
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
    return False
