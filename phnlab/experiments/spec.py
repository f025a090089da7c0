"""A run as data: the spec that names a directory in the results store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace

from ..choices import STREAM_KINDS, check_lookahead
from ..config import Preset, get_preset
from ..strategies import registry
from ..errors import BadInput

__all__ = ["RunSpec", "RECORDING_ONLY"]

# Preset fields that change what a run records, never what it trains: two specs that differ only in them
# train the same model to the same accuracy matrix (`tests/experiments/test_runner.py`).
RECORDING_ONLY = ("curve_every_epoch", "curve_experiences")

# Preset fields the key leaves out: the preset's seed list (a run has one seed of its own), its name (the key
# holds its values), and its data set names (the key holds the data sets the run reads: `data_sets`).
NOT_TRAINED = ("name", "seeds", "dataset", "transfer_pairs")

# Strategy hyperparameters that version-4 keys hold for every run, whatever its strategy: they were fields of
# one flat preset then. A strategy's other hyperparameters enter its own runs' keys only, so that a new strategy
# leaves every stored key as it was.
KEYED_FOR_EVERY_RUN = ("buffer_size", "chunk_dim", "embedding_dim", "ewc_lambda", "hidden_dim", "reg_coef",
                       "reg_tasks_per_step", "replay_batch_size", "task_lr")

# bump when a change to training code makes old results incomparable (a changed preset value changes the
# key by itself: `trained_values`)
# 3: experiences stored in a seeded random order instead of class by class (evaluation batches mixed)
# 4: the key holds what the run trains with and records (data sets, every preset value), not the preset's name
#    and overrides: two specs that train and record the same share a key, whatever preset names them
SPEC_VERSION = 4


def _plain(value):
    """A preset value as JSON has it (tuples as lists)."""
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


@dataclass(frozen=True)
class RunSpec:
    stream: str
    strategy: str
    freeze_depth: int = 0
    lookahead: str = "first"  # hn only
    replay_coef: float = 1.0  # lr only
    seed: int = 0
    preset: str = "ci"
    dataset: str | None = None  # None: the preset's
    dataset2: str | None = None  # transfer only
    overrides: tuple[tuple[str, object], ...] = field(default=())  # preset fields, e.g. (("epochs", 1),)

    def __post_init__(self):
        if self.stream not in STREAM_KINDS:
            raise BadInput(f"unknown stream {self.stream!r}; allowed: {', '.join(STREAM_KINDS)}")
        registry.check(self.strategy, self.freeze_depth)
        check_lookahead(self.lookahead)
        if not isinstance(self.seed, int) or self.seed < 0:
            raise BadInput(f"seed must be a non-negative integer, got {self.seed!r}")
        self.resolved_preset()  # unknown preset or override field, or a value out of range → BadInput
        owners = registry.hyperparameter_fields()
        for key, _ in self.overrides:
            if self.strategy not in owners.get(key, (self.strategy,)):
                own = [n for n, o in owners.items() if self.strategy in o]
                raise BadInput(f"--set {key}: a hyperparameter of {', '.join(owners[key])}, not of {self.strategy}; "
                               f"{self.strategy}'s own: {', '.join(own) or 'none'} (and the fields every strategy "
                               "shares: schedule, optimiser, data)")
        if self.dataset2 is not None and self.stream != "transfer":
            raise BadInput("--dataset2 is only for the transfer stream")

    def resolved_preset(self) -> Preset:
        return get_preset(self.preset).with_overrides(**dict(self.overrides))

    def normalized(self) -> "RunSpec":
        """Irrelevant options reset, so equal runs hash equally (e.g. look-ahead of an LR run, or a
        BatchNorm policy that computes what the default does)."""
        overrides, declared = dict(self.overrides), registry.identity(self.strategy).options
        if "bn_policy" in overrides:
            policy = registry.resolve_bn_policy(overrides["bn_policy"], self.strategy, self.freeze_depth)
            if policy == "population":
                del overrides["bn_policy"]
            else:
                overrides["bn_policy"] = policy
        return replace(
            self,
            lookahead=self.lookahead if "lookahead" in declared else "first",
            replay_coef=float(self.replay_coef) if "replay_coef" in declared else 1.0,
            overrides=tuple(sorted(overrides.items())),
        )

    def trained(self) -> "RunSpec":
        """`normalized()` without the recording-only fields: what the run trains, whatever it records."""
        n = self.normalized()
        return replace(n, overrides=tuple(kv for kv in n.overrides if kv[0] not in RECORDING_ONLY))

    def to_dict(self) -> dict:
        d = asdict(self.normalized())
        d["overrides"] = [list(kv) for kv in d["overrides"]]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RunSpec":
        d = dict(d)
        d["overrides"] = tuple(tuple(kv) for kv in d.get("overrides", ()))
        return cls(**d)

    def trained_values(self) -> dict:
        """Every preset value this run trains with (recording-only fields, the seed list and the name left
        out): part of the key, so that a changed training constant gives a new key, never an old result."""
        p = self.normalized().resolved_preset()
        skip = RECORDING_ONLY + NOT_TRAINED
        others = set(registry.hyperparameters()) - set(registry.identity(self.strategy).hyperparameters)
        return {k: _plain(v) for k, v in p.values().items()
                if k not in skip and (k not in others or k in KEYED_FOR_EVERY_RUN)}

    def data_sets(self) -> tuple[str, ...]:
        """The data sets the run reads, its preset's where the spec names none."""
        p = self.resolved_preset()
        if self.stream == "transfer":
            first, second = p.transfer_pairs[0] if p.transfer_pairs else (None, None)
            return (self.dataset or first, self.dataset2 or second)
        return (self.dataset or p.dataset,)

    def key(self) -> str:
        """The store's name for the run: a hash of what it trains and records (never of how it is named)."""
        n = self.normalized()
        what = {"stream": n.stream, "strategy": n.strategy, "freeze_depth": n.freeze_depth, "lookahead": n.lookahead,
                "replay_coef": n.replay_coef, "seed": n.seed, "data": list(self.data_sets())}
        preset = n.resolved_preset()
        records = {k: _plain(getattr(preset, k)) for k in RECORDING_ONLY}
        if not records["curve_every_epoch"]:  # no curve at all: which experiences it would cover is moot
            records["curve_experiences"] = None
        payload = json.dumps({"v": SPEC_VERSION, **what, "trains": self.trained_values(), "records": records},
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def with_overrides(self, overrides) -> "RunSpec":
        """The same run with these preset fields changed besides its own overrides (`phnlab sweep --set`)."""
        if not overrides:
            return self
        return replace(self, overrides=tuple(sorted({**dict(self.overrides), **dict(overrides)}.items())))

    def label(self) -> str:
        return registry.label(self.strategy, self.freeze_depth, self.replay_coef, self.lookahead)
