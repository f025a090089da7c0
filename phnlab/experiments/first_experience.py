"""Experience 1 trained once for every spec that trains it alike.

Until experience 1 ends, Naive, EWC and LR-k (any k, any c, any buffer) all train the same multi-head
ResNet from the same seed on the same data: EWC's penalty and LR's replay start with experience 2, and a
prefix is frozen only after the epochs. HN-k runs that differ only in look-ahead or regulariser weight
likewise train the same prefix and hypernetwork, and so do runs on the noisy stream and its clean twin,
whose experience 1 is clean. The outcome of those epochs (weights, random states,
clock and learning-curve points) is stored under a key of what they depend on (`shared_key`); a later run
with the same key loads it instead of training, then carries on from its own end-of-experience step
(LR's freeze and buffer, EWC's importances, HN's freeze), so its result is the one it would have computed.
`tests/experiments/test_first_experience.py` checks that the restored runs equal runs computed afresh.
"""

from __future__ import annotations

import hashlib
import json
import time

from ..strategies import registry
from .checkpoint import model_state, restore_training_state, training_state
from .spec import RECORDING_ONLY, SPEC_VERSION, RunSpec

__all__ = ["shared_key", "data_digest", "SharedFirstExperience", "unread_in_first", "FIRST_ALIKE"]

# BatchNorm buffers a model holds or not by its freeze depth (running statistics of the prefix): under the
# population policy they are recomputed when the prefix is frozen, so they are not part of the shared state
RUNNING_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


# streams whose experience 1 is another's: the noisy stream's is clean (noise starts with experience 2). (A
# transfer stream's is not the same for two second data sets: both class orders are drawn before its images.)
# The runner's key also holds a digest of the experience's own tensors: a stream that does not keep to this
# shares nothing.
FIRST_ALIKE = {"noisy": "clean"}


def data_digest(stream) -> str:
    """Experience 1's images, labels and normalisation, and the stream's length and classes (the model's heads)."""
    e = stream.experiences[0]
    h = hashlib.sha256(repr((len(stream.experiences), stream.num_classes_per_experience, e.task_id, e.noise,
                             tuple(e.mean), tuple(e.std))).encode())
    for t in (e.train_x, e.train_y, e.test_x, e.test_y):
        h.update(t.contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def unread_in_first(strategy: str) -> tuple[str, ...]:
    """Preset fields that do not act on a strategy's experience 1: every hyperparameter of the other strategies,
    and its own that act only from experience 2 on (replay, EWC's penalty, the regulariser). A "plain" strategy
    trains the plain ResNet as Naive does and reads none of them."""
    own = registry.identity(strategy)
    out = []
    for found in registry.identities().values():
        if found is not own or own.first_experience == "plain":
            out += list(found.hyperparameters)
    return tuple(dict.fromkeys(out + list(own.after_first())))


def shared_key(spec: RunSpec, stream=None, device: str | None = None) -> str:
    """What experience 1's epochs of `spec` depend on, hashed: equal keys, equal epochs. Without the built
    `stream` (planning a sweep) the key stands in for its experience 1 by the spec's stream and data sets;
    the runner adds the `device` type ("cpu", "cuda"): random states and float sums are a device's own."""
    p = spec.resolved_preset()
    plain = registry.identity(spec.strategy).first_experience == "plain"
    skip = unread_in_first(spec.strategy)
    # recording-only fields (per-epoch curves) do not enter: a run without curves loads a run's with them
    fields = {k: v for k, v in p.values().items() if k not in skip + RECORDING_ONLY and k not in ("name", "bn_policy")}
    payload = {
        "v": SPEC_VERSION,
        "model": "resnet" if plain else f"{spec.strategy}-{spec.freeze_depth}",
        # the policy the model runs under; a plain model's depth only decides which BatchNorm layers also
        # keep running statistics, which under "population" are recomputed at the freeze
        "bn_policy": registry.resolve_bn_policy(p.bn_policy, spec.strategy, spec.freeze_depth),
        "stream": FIRST_ALIKE.get(spec.stream, spec.stream), "dataset": spec.dataset, "dataset2": spec.dataset2,
        "seed": spec.seed,
        "preset": fields, "data": None if stream is None else data_digest(stream),
        "device": device,
    }
    text = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class SharedFirstExperience:
    """The strategy's hook around experience 1's epochs (`PhnTemplate._train_exp`): `restore` loads them
    from the store when another run has trained them, `save` stores them after training."""

    def __init__(self, store, key: str, progress, bar, steps: int):
        self.store, self.key, self.progress, self.bar, self.steps = store, key, progress, bar, steps
        self.restored = False
        self.train_s = 0.0  # seconds the epochs took, here or in the run that trained them
        self.train_cpu_s = 0.0  # and their CPU seconds

    def restore(self, strategy) -> bool:

        self._t0, self._c0 = time.perf_counter(), time.process_time()  # `save` times the epochs from here when trained
        saved = self.store.load_first_experience(self.key)
        if saved is None or (self.progress.every_epoch and not saved.get("curves")):
            return False  # nothing stored, or stored without the curve points this run records: train here
        model = strategy.model
        own = model.state_dict()
        state = {k: v for k, v in saved["model"].items() if k in own}
        missing = set(own) - set(state)
        if any(not k.endswith(RUNNING_BUFFERS) for k in missing | (set(saved["model"]) - set(own))):
            return False  # another model's layout: train here
        model.load_state_dict(state, strict=False)
        restore_training_state(strategy, self.progress, saved)
        self.progress.evaluated_state = model_state(model) if saved["curve_current"] else None
        self.train_s = float(saved["train_s"])
        self.train_cpu_s = float(saved.get("train_cpu_s", saved["train_s"]))  # stored before CPU time was: its wall
        if not self.progress.every_epoch:  # the epochs alone: without the curve points and their seconds
            self.train_s -= sum(self.progress.eval_s)
            self.train_cpu_s = max(0.0, self.train_cpu_s - sum(self.progress.eval_s))
            self.progress.curves, self.progress.eval_s, self.progress.evaluated_state = [], [], None
        self.bar.update(self.steps)
        self.restored = True
        return True

    def save(self, strategy) -> None:

        self.train_s = time.perf_counter() - self._t0
        self.train_cpu_s = time.process_time() - self._c0
        self.store.save_first_experience(self.key, {
            "model": strategy.model.state_dict(), **training_state(strategy, self.progress), "train_s": self.train_s,
            "train_cpu_s": self.train_cpu_s,
            "curve_current": self.progress.evaluated_state is not None
            and self.progress.evaluated_state == model_state(strategy.model),
        })
