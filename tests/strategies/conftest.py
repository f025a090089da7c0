import pytest

from phnlab.config import get_preset

TINY = dict(num_experiences=3, classes_per_experience=2, train_per_class=24, test_per_class=12, epochs=1,
            batch_size=16, eval_batch_size=32, buffer_size=24, replay_batch_size=8)


@pytest.fixture(scope="session")
def tiny_preset():
    return get_preset("ci").with_overrides(**TINY)


@pytest.fixture(scope="session")
def tiny_stream(tiny_preset, data_root):
    from phnlab.data.streams import build_stream

    return build_stream("split", preset=tiny_preset, seed=0, data_root=data_root)


@pytest.fixture(scope="session")
def train_stream():
    return _train_stream


def _train_stream(strategy, stream, upto=None):
    """Train experience by experience through the Avalanche benchmark with phnlab tensors attached."""
    from phnlab.strategies import attach_tensors

    benchmark = stream.to_avalanche()
    exps = list(benchmark.train_stream)[:upto]
    for exp, e in zip(exps, stream.experiences):
        attach_tensors(exp, e)
    for exp in exps:
        strategy.train(exp, eval_streams=[])
        yield exp
