"""Chapter 7's analysis: time, memory and the committed benchmark."""

import json

import pytest

from phnlab import paper
from phnlab.analysis import cost
from phnlab.counting import account
from fakes import assert_labelled, fake_table2_rows, result


def test_cost_frame_relative_to_naive():
    t2 = paper.TABLE2["cifar100"]
    rows = [{"strategy": "Naive", "minutes": 0.5, "paper_minutes": t2["Naive"]["minutes"]},
            {"strategy": "HN-F", "minutes": 2.0, "paper_minutes": t2["HN-F"]["minutes"]}]
    c = cost.cost_frame(rows)
    t2 = paper.TABLE2["cifar100"]
    assert c.loc["HN-F", "ours × Naive"] == 4.0
    assert c.loc["HN-F", "paper × Naive"] == round(t2["HN-F"]["minutes"] / t2["Naive"]["minutes"], 2)
    assert c.loc["Naive", "ours (s per run)"] == 30.0
    assert_labelled(cost.plot_cost(c))
    v = cost.time_verdict(fake_table2_rows())
    assert v["HN-F is slower"].holds and v["HN-F is slower"].ours == "HN-F takes 4.0× the time of HN-4"
    assert v["The partial HNs' times"].paper == "HN-F > HN-1 > HN-2 > HN-3 > HN-4"
    assert "LR-4 takes 1.00× Naive's time" in v.notes[0]


def test_memory_frame_compares_measured_with_counted():
    hn = account(freeze_depth=4, tasks=3, classes=5).hn_memory_bytes
    lr = account(freeze_depth=2, tasks=3, classes=5, buffer_size=100).lr_memory_bytes
    T = len(result().metrics["accuracy_matrix"])  # 3 experiences of 5 classes: 100 slots fill unevenly, all of them
    short = result(strategy="lr", freeze_depth=2, memory_bytes=lr * (T * 5 * 4) // 100)  # 4 training samples a class
    short.metrics["stream"]["train_per_class"] = 4
    results = [result(strategy="hn", freeze_depth=4, memory_bytes=hn), result(strategy="lr", freeze_depth=2, memory_bytes=lr),
               result(strategy="lr", freeze_depth=3, memory_bytes=123), result(strategy="naive", freeze_depth=0), short]
    m = cost.memory_frame(results)
    assert list(m.model) == ["HN-4", "LR-2", "LR-3", "LR-2"] and list(m.equal) == [True, True, False, True]
    assert m.loc[1, "counted (MB)"] == pytest.approx(100 * 40 * 16 * 16 * 4 / 2**20)
    assert m.loc[3, "counted (MB)"] == pytest.approx(60 * 40 * 16 * 16 * 4 / 2**20)
    verdict, table = cost.memory_verdict(m)
    assert verdict.claims[0].holds is False and verdict.claims[0].ours == "equal in 3 of 4 runs"
    assert bool(table.loc[("LR-3", "latent buffer"), "equal in every run"]) is False


def test_table6_frame_and_verdict():
    t6 = cost.table6_frame()
    assert len(t6) == 10
    assert (t6["HN-k (MB)"] == t6["HN-k paper"]).all()
    v = cost.table6_verdict(t6)
    less = v["The partial HN stores less"]
    assert less.holds and less.paper == "8 of 10"
    assert less.ours == "in 8 of 10 settings: CIFAR-100 at k = 1, 2, 3; TinyImageNet at k = 0, 1, 2, 3, 4"
    falls = v["The HN's memory falls"]
    assert falls.holds and falls.ours.startswith("HN-F 4.86 MB → HN-4 2.04 MB") and "largest at k = 1" in falls.detail


def test_stored_bench_reads_the_committed_json_or_says_it_is_missing(tmp_path):
    assert cost.stored_bench(tmp_path) is None
    assert "is missing" in cost.bench_caption(None)
    (tmp_path / "docs").mkdir()
    (tmp_path / cost.BENCH_FILE).write_text("[1, 2]")  # not a bench result
    assert cost.stored_bench(tmp_path) is None
    (tmp_path / cost.BENCH_FILE).write_text(json.dumps({"step_ms": {}, "hn4_over_naive": 0.4, "device": "cpu",
                                                        "lookahead_first_over_none": 1.05, "tasks": 20}))
    path, doc = cost.stored_bench(tmp_path)
    assert path == cost.BENCH_FILE and doc["hn4_over_naive"] == 0.4
    assert "task 20" in cost.bench_caption((path, doc)) and str(tmp_path) not in cost.bench_caption((path, doc))
    f = cost.bench_frame(doc)
    t2 = paper.TABLE2["cifar100"]
    assert list(f.index) == ["lookahead_first_over_none", "hn4_over_naive"]
    assert f.loc["hn4_over_naive", "paper"] == f"{t2['HN-4']['minutes'] / t2['Naive']['minutes']:.2f}"
    assert f.loc["lookahead_first_over_none", "target (≤)"] == "1.10" and f.loc["hn4_over_naive", "within target"] == "yes"
    assert cost.bench_verdict(doc).claims[0].holds and not cost.bench_verdict(doc).notes


def test_the_bench_table_says_which_ratio_misses_its_target():
    doc = {"step_ms": {}, "device": "cpu", "device_name": "x86_64 CPU, 2 threads", "threads": 2, "tasks": 20,
           "second_over_first_hnf": 3.63, "lookahead_first_over_none_hnf": 1.05, "hn4_over_naive": 0.29}
    f = cost.bench_frame(doc)
    assert f.loc["second_over_first_hnf", "within target"] == "no" and f.loc["hn4_over_naive", "within target"] == "yes"
    assert f.loc["lookahead_first_over_none_hnf", ["target (≤)", "within target"]].tolist() == ["—", "—"]
    (claim,) = cost.bench_verdict(doc).claims
    assert claim.holds is False and claim.ours == "1 of 2 within target" and "`second_over_first_hnf` 3.63 > 2.50" in claim.detail
    assert "The missed target" in cost.bench_verdict(doc).notes[0]
    assert cost.bench_caption(("docs/bench-cpu.json", doc)).count("thread") == 1
