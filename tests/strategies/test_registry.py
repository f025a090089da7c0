"""The strategy registry: one file per strategy, read from source for specs, imported for training."""

import pytest

from phnlab.errors import BadInput
from phnlab.experiments.spec import RunSpec
from phnlab.strategies import registry


def test_every_strategy_file_reads_the_same_from_source_and_from_import():
    for name in registry.names():
        assert registry.declaration(name).identity() == registry.identity(name)


def test_names_labels_and_depths_come_from_the_files():
    assert registry.names()[:4] == ("naive", "ewc", "lr", "hn")  # the paper's, then any reference strategy
    assert [registry.label("lr", 3, 0.0), registry.label("hn", 0), registry.label("hn", 2), registry.label("ewc")] == [
        "LR-3 (c=0)", "HN-F", "HN-2", "EWC"]
    with pytest.raises(BadInput, match="unknown strategy 'sgd'; allowed: naive, ewc, lr, hn"):
        registry.check("sgd", 0)
    with pytest.raises(BadInput, match="strategy naive freezes nothing"):
        registry.check("naive", 2)


def test_a_hyperparameter_of_another_strategy_is_refused():
    with pytest.raises(BadInput, match="--set reg_coef: a hyperparameter of hn, not of naive; naive's own: none"):
        RunSpec("split", "naive", overrides=(("reg_coef", 1.0),))
    RunSpec("split", "hn", 2, overrides=(("reg_coef", 1.0),))  # its own


def test_a_strategy_file_without_its_declaration_fails_in_one_line(tmp_path, monkeypatch):
    incomplete = tmp_path / "half.py"
    incomplete.write_text("from dataclasses import dataclass\n\n@dataclass\nclass H:\n    x: int = 1\n\n"
                          "DECLARATION = Declaration(name='half', label='Half', depths=(0,), hyperparameters=H)\n")
    monkeypatch.setattr(registry, "_source", lambda module: tmp_path / f"{module}.py")
    with pytest.raises(TypeError, match="half.py: its Declaration lacks build, first_experience, authors_bn, step_cost"):
        registry._read_identity("half")
    (tmp_path / "none.py").write_text("X = 1\n")
    with pytest.raises(TypeError, match="none.py declares no DECLARATION"):
        registry._read_identity("none")


def test_the_readmes_example_strategy_file_declares_what_the_registry_needs(tmp_path, monkeypatch):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = next(block for block in re.findall(r"```python\n(.*?)```", readme, re.S) if "DECLARATION" in block)
    (tmp_path / "shrink.py").write_text(example)
    monkeypatch.setattr(registry, "_source", lambda module: tmp_path / f"{module}.py")
    found = registry._read_identity("shrink")
    assert found.name == "shrink" and not found.in_paper
    assert (found.hyperparameters["shrink"].default, found.hyperparameters["shrink"].after_first) == (0.01, True)


def test_a_new_strategys_hyperparameter_is_a_preset_field_at_once_and_leaves_every_other_key_alone(tmp_path,
                                                                                                  monkeypatch):
    import re
    from pathlib import Path

    from phnlab import config
    from phnlab.experiments.spec import RunSpec

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = next(block for block in re.findall(r"```python\n(.*?)```", readme, re.S) if "DECLARATION" in block)
    (tmp_path / "shrink.py").write_text(example)
    source = registry._source
    before = [RunSpec("split", s, k).key() for s, k in (("naive", 0), ("lr", 2), ("hn", 3))]
    monkeypatch.setattr(registry, "_source", lambda m: tmp_path / f"{m}.py" if m == "shrink" else source(m))
    monkeypatch.setattr(registry, "MODULES", registry.MODULES + ("shrink",))
    for cached in (registry.identities, registry.hyperparameters, config._part_of):
        cached.cache_clear()
    try:
        assert config.get_preset("ci").shrink == 0.01 and "shrink" in config.Preset.field_names()
        assert config.Preset.parse_override("shrink=0.05") == ("shrink", 0.05)
        assert RunSpec("split", "shrink", overrides=(("shrink", 0.05),)).key() != RunSpec("split", "shrink").key()
        assert [RunSpec("split", s, k).key() for s, k in (("naive", 0), ("lr", 2), ("hn", 3))] == before
    finally:
        monkeypatch.undo()
        registry.identities.cache_clear()
        registry.hyperparameters.cache_clear()
