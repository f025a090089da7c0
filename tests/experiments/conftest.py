import pytest

from phnlab.experiments.spec import RunSpec
from phnlab.strategies import registry

TINY = dict((("num_experiences", 3), ("classes_per_experience", 2), ("train_per_class", 24), ("test_per_class", 12),
        ("epochs", 1), ("batch_size", 16), ("eval_batch_size", 32), ("buffer_size", 24), ("replay_batch_size", 8),
        ("curve_every_epoch", True)))


@pytest.fixture
def tiny_spec():
    def make(strategy="hn", freeze_depth=3, *, seed=0, stream="split", **changes):
        """A tiny run; `changes` override preset fields (e.g. epochs=2); another strategy's hyperparameters
        (the replay buffer of a run that replays nothing) are left out."""
        owners = registry.hyperparameter_fields()
        overrides = tuple((k, v) for k, v in dict(TINY, **changes).items() if strategy in owners.get(k, (strategy,)))
        return RunSpec(stream, strategy, freeze_depth, seed=seed, preset="ci", overrides=overrides)

    return make
