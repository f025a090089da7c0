"""A spec is light: sweep workers and the store hash specs without importing torch or Avalanche."""

import subprocess
import sys

import pytest

from phnlab.errors import BadInput
from phnlab.experiments.spec import RunSpec


def test_spec_key_imports_neither_torch_nor_avalanche():
    code = ("import sys; from phnlab.experiments.spec import RunSpec; "
            "RunSpec(stream='split', strategy='hn', freeze_depth=2).key(); "
            "print(sorted(m for m in ('torch', 'avalanche') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_irrelevant_options_hash_equally_and_labels_are_the_papers():
    a = RunSpec(stream="split", strategy="lr", freeze_depth=3, lookahead="second", replay_coef=0)
    assert a.key() == RunSpec(stream="split", strategy="lr", freeze_depth=3, replay_coef=0.0).key()
    assert a.label() == "LR-3 (c=0)" and RunSpec(stream="split", strategy="hn").label() == "HN-F"
    with pytest.raises(BadInput, match="freeze depth must be 0"):
        RunSpec(stream="split", strategy="ewc", freeze_depth=2)


def test_a_policy_that_computes_the_default_shares_its_key():
    from phnlab.experiments.spec import RunSpec

    plain = RunSpec("split", "naive", preset="quick")
    assert RunSpec("split", "naive", preset="quick", overrides=(("bn_policy", "authors"),)).key() == plain.key()
    assert RunSpec("split", "hn", 0, preset="quick", overrides=(("bn_policy", "batch"),)).key() == \
        RunSpec("split", "hn", 0, preset="quick").key()
    lr = RunSpec("split", "lr", 4, preset="quick", overrides=(("bn_policy", "authors"),))
    assert lr.key() == RunSpec("split", "lr", 4, preset="quick", overrides=(("bn_policy", "running"),)).key()
    assert lr.key() != RunSpec("split", "lr", 4, preset="quick").key()
    hn = RunSpec("split", "hn", 2, preset="quick", overrides=(("bn_policy", "authors"),))
    assert hn.normalized().overrides == (("bn_policy", "batch"),)


def test_a_changed_training_constant_changes_the_key(monkeypatch):
    """The key holds the values a run trains with: a changed preset constant never reads an old result."""
    from dataclasses import replace

    from phnlab import config

    spec = RunSpec("split", "hn", 2, preset="quick")
    before, quick = spec.key(), config.PRESETS["quick"]
    monkeypatch.setitem(config.PRESETS, "quick", quick.with_overrides(reg_coef=0.25))
    assert spec.key() != before
    monkeypatch.setitem(config.PRESETS, "quick", quick.with_overrides(seeds=(7,)))
    assert spec.key() == before  # the preset's seed list trains nothing


def test_an_override_equal_to_the_presets_value_is_no_override():
    from phnlab.config import get_preset

    own = get_preset("quick").epochs
    assert RunSpec("split", "lr", 4, preset="quick", overrides=(("epochs", own),)).key() == \
        RunSpec("split", "lr", 4, preset="quick").key()
    assert RunSpec("split", "lr", 4, preset="quick", overrides=(("epochs", own + 1),)).key() != \
        RunSpec("split", "lr", 4, preset="quick").key()
