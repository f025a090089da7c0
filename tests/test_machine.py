"""The load a timing was measured under: sampled at the start, on a clock, and at the end."""

import time

from phnlab.machine import LoadSampler, machine_load


def test_a_load_snapshot_names_the_cores_and_the_load():
    load = machine_load()
    assert load["cpus"] >= 1 and load["loadavg_1min"] >= 0


def test_the_sampler_samples_at_the_start_on_its_clock_and_at_the_end():
    with LoadSampler(every_s=0.05) as load:
        time.sleep(0.3)
    times = [s["at_s"] for s in load.samples]
    assert len(times) >= 4 and times[0] == 0.0 and times == sorted(times)
    summary = load.summary()
    assert summary["samples"] == len(load.samples)
    values = [s["loadavg_1min"] for s in load.samples]
    assert summary["loadavg_1min_min"] == min(values) <= summary["loadavg_1min_median"] <= max(values) == summary[
        "loadavg_1min_max"]
    n = len(load.samples)
    time.sleep(0.15)
    assert len(load.samples) == n  # the thread stopped with the block


def test_provenance_names_the_checkouts_commit_and_the_cpu():
    import subprocess
    from pathlib import Path

    from phnlab.machine import _commit, provenance

    here = Path(__file__).resolve().parents[1]
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True).stdout.strip()
    commit = _commit()  # (provenance keeps the first answer of the process: the code it loaded)
    assert commit is None or commit.split("+")[0] == head  # None outside a git checkout
    p = provenance()
    assert p["commit"] is None or len(p["commit"].split("+")[0]) == 40
    assert p["cpu"] and p["cpus"] >= 1 and p["threads"] >= 1 and p["torch"]
