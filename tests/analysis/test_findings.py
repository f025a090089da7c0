"""The introduction's findings: the chapters' claims by paper claim and data set, never half-written."""

from types import SimpleNamespace

import pytest

from phnlab.analysis import findings
from phnlab.analysis.claims import Claim
from phnlab.config import get_preset


def _params(tmp_path, preset="ci"):
    return SimpleNamespace(results_dir=tmp_path, preset=get_preset(preset))


def test_recorded_claims_fill_their_cells_and_the_rest_reads_not_computed(tmp_path):
    params = _params(tmp_path)
    findings.record(params, "04", {"hn-beats-lr": Claim("x", False, "at 0 of 5 depths", clear=True, effect=-3.1,
                                                        se=0.6, seeds=3, seeds_needed=3),
                                   "hn2-hnf": None})
    findings.record(params, "04", {"hn-beats-lr": Claim("x", True, "2 of 2", clear=True, seeds=1, seeds_needed=3)},
                    data="fashionmnist", schedule="its runs' schedule has not converged (chapter 9)")
    table = findings.summary_markdown(tmp_path, "ci", {"synthetic": "synthetic", "fashionmnist": "Fashion-MNIST"})
    row = next(line for line in table.splitlines() if "HN-k beats LR-k in ACA at every freeze depth (our" in line)
    assert "**no**: at 0 of 5 depths (effect -3.1 ± 0.6 SE, 3 seeds)" in row
    assert "**not resolved** (point estimate: yes; 1 of 3 seeds)" in row
    assert row.count("has not converged") == 1 and "2 of 2; its runs' schedule has not converged (chapter 9)" in row
    hn2 = next(line for line in table.splitlines() if "HN-2 reaches" in line)
    assert hn2.count("not computed") == 2
    assert len(table.splitlines()) == 2 + len(findings.PAPER_CLAIMS)


def test_a_chapter_run_again_starts_from_nothing_and_unknown_ids_are_refused(tmp_path):
    params = _params(tmp_path)
    findings.record(params, "05", {"lookahead": Claim("x", True, "3 of 5")})
    findings.clear(tmp_path, "ci", ["05"])
    assert findings.load(tmp_path, "ci") == {}
    with pytest.raises(KeyError, match="unknown paper claim"):
        findings.record(params, "05", {"look-ahead": Claim("x", True, "3 of 5")})
    assert not list((tmp_path / "findings" / "ci").glob("*.tmp"))


def test_a_claim_links_its_chapter_only_where_the_build_has_it(tmp_path):
    table = findings.summary_markdown(tmp_path, "ci", {"synthetic": "synthetic"}, pages=["04-split-benchmarks.ipynb"])
    assert "[Section 4.3, Table 2](04-split-benchmarks.ipynb)" in table
    assert "(Appendix E, Figure 12)" in table and "(06-gradient-cosine.ipynb)" not in table


def test_every_claim_a_chapter_records_is_one_an_analysis_makes():
    """A chapter names the claims it records by the start of their text (`verdict.get("...")`): each such start
    begins a `Claim(...)` (or `every_claim(...)`) text of `phnlab.analysis`, so that a reworded claim cannot drop out of the table."""
    import ast
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    texts = []
    for path in (root / "phnlab" / "analysis").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Claim", "every_claim") and node.args:
                first = node.args[0]
                if isinstance(first, ast.JoinedStr):
                    first = first.values[0] if first.values else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    texts.append(first.value)
    recorded = []
    for notebook in sorted((root / "book").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            source = "".join(cell["source"])
            for call in re.findall(r"findings\.record\((.*?)\)(?:\n|$)", source, re.S):
                recorded += [(notebook.name, start) for start in re.findall(r'verdict\.get\("([^"]+)"\)', call)]
    assert len(recorded) >= 8
    for notebook, start in recorded:
        assert any(text.startswith(start) for text in texts), f"{notebook} records {start!r}, which no Claim begins with"
