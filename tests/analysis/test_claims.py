"""Verdicts as records: one renderer writes every sentence."""

import numpy as np
import pytest

from phnlab.analysis.claims import Claim, Verdict


def test_a_claim_renders_its_answer_the_paper_and_the_noise():
    c = Claim("HN-k beats LR-k in ACA", np.False_, "at 0 of 5 depths", paper="4 of 4", clear=np.True_, detail="HN 40")
    assert c.holds is False and c.clear is True  # plain bools, whatever computed them
    assert c.render() == ("- HN-k beats LR-k in ACA: **no**, at 0 of 5 depths (paper: 4 of 4); clear of its noise: "
                          "**yes**. HN 40.")
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


def test_a_claim_within_its_noise_is_not_resolved_and_says_which_way_it_leaned():
    c = Claim("HN moves less", True, "2 of 3", clear=False, effect=0.4, se=3.2, seeds=3, rule="|effect| > 2 SE")
    assert c.verdict == "not resolved" and c.holds is True  # the record keeps the point estimate
    assert c.render().startswith("- HN moves less: **not resolved** (the point estimate says yes; within the noise)")
    assert "(effect +0.4 ± 3.2 SE, 3 seeds; |effect| > 2 SE)" in c.render()
    other = Claim("HN learns less", True, "1 of 3", effect=1.0, se=0.1, seeds=3, rule="a one-sided rule")
    text = Verdict((c, other, c)).render()  # a verdict states each rule once, after its claims
    assert "(effect +0.4 ± 3.2 SE, 3 seeds)" in text and text.count("|effect| > 2 SE") == 1
    assert "*How they are decided*: claims 1, 3: |effect| > 2 SE; claim 2: a one-sided rule." in text
    assert Claim("x", False, "0 of 5", clear=True).verdict == "no" and Claim("x", True, "1").verdict == "yes"


def test_a_headline_claim_short_of_its_seeds_is_not_resolved_and_says_why():
    c = Claim("HN beats LR", True, "5 of 5", clear=True, seeds=1, seeds_needed=3)
    assert c.verdict == "not resolved" and "(the point estimate says yes; 1 of the 3 seeds it needs)" in c.render()
    assert Claim("HN beats LR", True, "5 of 5", clear=True, seeds=3, seeds_needed=3).verdict == "yes"
    both = Claim("HN beats LR", False, "2 of 5", clear=False, seeds=2, seeds_needed=3).render()
    assert "(the point estimate says no; 2 of the 3 seeds it needs; within the noise)" in both  # both reasons
