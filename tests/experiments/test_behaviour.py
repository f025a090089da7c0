"""The paper's qualitative effects on the `ci` synthetic split stream (a deliberate end-to-end check).

Measured (2-core CPU, seed 0): Naive forgets ~10 points; HN-4 ~5; LR-3 with c = 1 forgets less
than with c = 0 (~−4 vs ~5). Bounds are two-sided: a run that is too good is as wrong as a broken one.
"""

import pytest

from phnlab.experiments.runner import run
from phnlab.experiments.spec import RunSpec


@pytest.fixture(scope="module")
def ci_runs(tmp_path_factory, data_root):
    results = tmp_path_factory.mktemp("results")

    def metrics(strategy, k=0, c=1.0):
        # no per-epoch curves: only the accuracy matrix is read, and curves change what a run records, not what it trains
        spec = RunSpec("split", strategy, k, replay_coef=c, seed=0, preset="ci", overrides=(("curve_every_epoch", False),))
        return run(spec, results_dir=results, device="cpu", data_root=data_root, quiet=True).metrics

    return metrics


@pytest.mark.slow
def test_naive_forgets_and_hn4_forgets_far_less(ci_runs):
    naive, hn4 = ci_runs("naive"), ci_runs("hn", 4)
    assert 0.05 < naive["forgetting"] < 0.6
    assert 0.3 < naive["learning_accuracy"] < 0.95  # learns (chance: 0.2), not perfectly
    assert 0.22 < hn4["learning_accuracy"] < 0.95  # HN-4 learns too: its low forgetting is not idleness
    assert hn4["forgetting"] < 0.6 * naive["forgetting"]


@pytest.mark.slow
def test_latent_replay_forgets_less_with_replay(ci_runs):
    without, with_replay = ci_runs("lr", 3, 0.0), ci_runs("lr", 3, 1.0)
    assert with_replay["forgetting"] < without["forgetting"]
    assert -0.3 < with_replay["forgetting"] < 0.3 and -0.3 < without["forgetting"] < 0.5
