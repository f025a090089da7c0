"""Verdicts as records: one renderer writes every sentence."""

import numpy as np
import pytest

from phnlab.analysis.claims import Claim, Verdict


def test_a_claim_renders_its_answer_the_paper_and_the_noise():
    c = Claim("HN-k beats LR-k in ACA", np.False_, "at 0 of 5 depths", paper="4 of 4", clear=np.True_, detail="HN 40")
    assert c.holds is False and c.clear is True  # plain bools, whatever computed them
    assert c.render() == ("- HN-k beats LR-k in ACA: **no**, at 0 of 5 depths (paper: 4 of 4); clear of the sampling "
                          "noise: **yes**. HN 40.")
    assert Claim("x", None, "no data").render() == "- x: **cannot tell**, no data."


def test_a_verdict_finds_its_claims_and_renders_notes_after_them():
    v = Verdict((Claim("HN forgets less", True, "5 of 5"), Claim("HN learns less", False, "0 of 5")),
                notes=("A thin sample.",), details=("k = 1: 2.0",))
    assert v["HN forgets"].holds and v["HN learns"].holds is False
    with pytest.raises(KeyError):
        v["HN"]  # two claims start so
    assert v.render().split("\n\n") == ["**Verdict:**", "- HN forgets less: **yes**, 5 of 5.\n- HN learns less: **no**, 0 of 5.",
                                        "A thin sample.", "- k = 1: 2.0"]
    assert v._repr_markdown_() == v.render() and Verdict(()).render() == ""
