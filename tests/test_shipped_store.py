"""The repository's shipped results store (`book/store`): every run is current under today's code, and
the cheapest ones, computed again here, give the same accuracy matrices (exactly on the CPU model that
computed them, within RECOMPUTE_TOLERANCE on another)."""

from __future__ import annotations

import os

import pytest
import torch

from phnlab.data.datasets import dataset_info
from phnlab.experiments.shipped import SHIPPED_DIR, scan, stale_lines
from phnlab.machine import provenance

RECOMPUTE_SAMPLE = 1  # the cheapest shipped run(s) trained again
# Another CPU model sums in another order (SIMD width, kernels), and a short run amplifies it. Measured with
# another order on one CPU (the two cheapest shipped runs, 2 torch threads instead of 1): entries of the matrix
# moved by up to 4.4 points, ACA by up to 1.0. Allowed on another CPU model: ACA within 3 points, every entry
# within 10.
RECOMPUTE_ACA_TOLERANCE = 0.03
RECOMPUTE_ENTRY_TOLERANCE = 0.10


def test_every_shipped_run_is_current():
    runs = scan(SHIPPED_DIR)
    assert runs, f"{SHIPPED_DIR} ships no run"
    stale = stale_lines(runs)
    assert not stale, f"{len(stale)} shipped run(s) are stale under the current code:\n" + "\n".join(stale)


def _data_present(spec) -> bool:
    names = {spec.dataset or spec.resolved_preset().dataset, spec.dataset2} - {None}
    return all(dataset_info(n)["present"] for n in names)


@pytest.mark.slow
def test_the_cheapest_shipped_runs_compute_again_alike(tmp_path):
    from phnlab.experiments.runner import run

    runs = sorted((r for r in scan(SHIPPED_DIR) if r.current), key=lambda r: r.metrics["wall_time_s"])
    assert runs, f"{SHIPPED_DIR} ships no current run"
    for r in runs[:RECOMPUTE_SAMPLE]:
        if not _data_present(r.spec):
            message = f"{r.label}'s data set is missing: `make data` (or `phnlab data get fashionmnist`) gets it"
            if os.environ.get("PHNLAB_REQUIRE_SHIPPED_CHECK") == "1":
                pytest.fail(message)
            pytest.skip(message)
        by = r.metrics["computed_by"]
        threads = torch.get_num_threads()
        torch.set_num_threads(by.get("threads") or threads)  # the same reduction order as the shipped run
        try:
            again = run(r.spec, results_dir=tmp_path / r.folder.name, device="cpu", quiet=True).metrics
        finally:
            torch.set_num_threads(threads)
        shipped, now = r.metrics["accuracy_matrix"], again["accuracy_matrix"]
        if by.get("cpu") == provenance()["cpu"]:
            assert now == shipped, f"{r.label} ({r.folder.name}) computed on {by['cpu']} differs from its shipped matrix"
        else:
            worst = max(abs(a - b) for ra, rb in zip(now, shipped) for a, b in zip(ra, rb))
            aca = abs(again["aca"] - r.metrics["aca"])
            assert worst <= RECOMPUTE_ENTRY_TOLERANCE and aca <= RECOMPUTE_ACA_TOLERANCE, (
                f"{r.label} ({r.folder.name}) on {provenance()['cpu']}, shipped from {by['cpu']}: ACA moved by "
                f"{100 * aca:.1f} points, an entry by {100 * worst:.1f}")


def test_the_converged_counts_in_config_are_the_shipped_stores_measurement():
    from types import SimpleNamespace

    from phnlab.analysis.convergence import converged_steps, convergence_frame
    from phnlab.config import CONVERGED_STEPS
    from phnlab.experiments.store import ResultsStore

    results = [SimpleNamespace(spec=s, metrics=m) for s, m in ResultsStore(SHIPPED_DIR).all_metrics()]
    for preset, streams in CONVERGED_STEPS.items():
        for stream, recorded in streams.items():
            found = converged_steps(convergence_frame(results, preset, stream=stream))
            assert not found.uncomputed and found.steps == recorded, (
                f"config.CONVERGED_STEPS[{preset!r}][{stream!r}] = {recorded}, the shipped runs measure {found.steps}: "
                + found.describe())
