import json

import pytest

from phnlab import paper
from phnlab.cli import main
from phnlab.counting import account, table3_rows, table6_rows


@pytest.mark.parametrize("k", range(5))
def test_table6_counts_are_exact(k):
    a = account(freeze_depth=k, tasks=20, classes=100, chunk_dim=32)
    assert a.hypernetwork_params == paper.TABLE6["cifar100"][k]["hn_params"]


@pytest.mark.parametrize("d", sorted(paper.TABLE3))
def test_table3_counts_are_exact(d):
    assert account(freeze_depth=0, tasks=10, classes=10, chunk_dim=d).hypernetwork_params == paper.TABLE3[d][0]


def test_each_unit_of_d_adds_11207_and_compression_matches():
    base = account(freeze_depth=0, tasks=10, classes=10, chunk_dim=1).hypernetwork_params - 11_207
    assert base == 406_833
    assert [r["compression_pct"] for r in table3_rows()] == [r["paper_compression_pct"] for r in table3_rows()]


def test_counts_for_configurations_no_table_lists():
    # derived by hand: embeddings 3·32; MLP 3,282; classifier head 33·160·7; bias table 3·7
    a = account(freeze_depth=4, tasks=3, classes=7, chunk_dim=5)
    assert a.hypernetwork_params == 3 * 32 + 3_282 + 33 * 160 * 7 + 3 * 7
    # trained models with the classifier sized per experience (paper-facts): C = 10, T = 20
    assert [account(freeze_depth=k, tasks=20, classes=10).hypernetwork_params for k in (0, 4)] == [795_877, 56_922]
    assert account(freeze_depth=2, tasks=1, classes=1).stateful_params == 66_740


@pytest.mark.parametrize("benchmark", ["cifar100", "tinyimagenet"])
def test_table6_memory(benchmark):
    for row in table6_rows(benchmark):
        assert round(row["lr_mb"], 2) == pytest.approx(row["paper_lr_mb"], abs=0.006)
        assert round(row["hn_mb"], 2) == row["paper_hn_mb"]
    # the paper's LR-2 exemplar "4×16×16" is a typo: 40×16×16 gives its 7.81 MB
    assert table6_rows("cifar100")[2]["exemplar_shape"] == "40×16×16"


def test_cli_params_json(capsys):
    assert main(["params", "--freeze-depth", "2", "--tasks", "20", "--classes", "100", "--chunk-dim", "32", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hypernetwork_params"] == 1_119_522 and out["stateful_params"] == 66_740


@pytest.mark.parametrize("table", ["3", "6"])
def test_cli_tables_print_ours_beside_the_papers(capsys, table):
    assert main(["params", "--table", table]) == 0
    out = capsys.readouterr().out
    assert "≠" not in out and out.count("=") >= 5


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--freeze-depth", "5"], "allowed: 0, 1, 2, 3, 4"),
        (["--tasks", "0"], "tasks must be a positive integer"),
        (["--classes", "-3"], "classes must be a positive integer"),
        (["--chunk-dim", "0"], "chunk dim d must be a positive integer"),
        (["--table", "7"], "allowed: 3, 6"),
        (["--tasks", "many"], "invalid int value"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(capsys, argv, fragment):
    rc = main(["params", *argv])
    err = capsys.readouterr().err
    assert rc == 2
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err

