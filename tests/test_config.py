"""Every numeric preset field is checked where it is declared: 0, -1 and a wrong type are one clear line."""

import pytest

from phnlab.config import Preset, get_preset
from phnlab.strategies import registry


def numeric_fields() -> dict[str, tuple[tuple[type, ...], bool, bool]]:
    """Every preset field typed int or float: (its types, whether None is allowed, whether 0 is)."""
    out = {}
    for key in Preset.field_names():
        kinds, optional = Preset.field_kinds(key)
        if set(kinds) & {int, float}:
            h = registry.hyperparameters().get(key)
            out[key] = (kinds, optional, bool(h and h.zero_allowed))
    return out
from phnlab.errors import BadInput

NUMERIC = numeric_fields()


def test_the_numeric_fields_are_found_in_every_part_and_in_the_strategies_files():
    assert {"epochs", "batch_size", "lr", "num_experiences", "curve_experiences", "task_lr", "buffer_size",
            "reg_coef", "ewc_lambda"} <= set(NUMERIC)
    assert {k for k, (_, _, zero) in NUMERIC.items() if zero} == {"buffer_size", "reg_coef", "ewc_lambda"}


@pytest.mark.parametrize("key", sorted(NUMERIC))
def test_a_negative_a_zero_and_a_wrong_type_are_refused(key):
    preset = get_preset("ci")
    zero_allowed = NUMERIC[key][2]
    for bad in (-1, "three", [2], True) + (() if zero_allowed else (0,)):
        with pytest.raises(BadInput, match=f"^{key} must be (a positive|an integer >= 0|a number >= 0)"):
            preset.with_overrides(**{key: bad})
    preset.with_overrides(**{key: 1})  # an allowed value passes
    if zero_allowed:
        preset.with_overrides(**{key: 0})


def test_a_preset_reads_every_part_flat_and_keeps_only_hyperparameters_that_differ_from_the_strategy_file():
    ci = get_preset("ci")
    assert (ci.epochs, ci.dataset, ci.channels_last) == (ci.training.epochs, ci.stream.dataset, ci.options.channels_last)
    assert ci.reg_coef == 0.5 and "reg_coef" not in dict(ci.hyperparameters)  # partial_hn.py's default
    assert dict(ci.hyperparameters)["buffer_size"] == 100
    changed = ci.with_overrides(reg_coef=0.25, epochs=3, curve_every_epoch=False)
    assert (changed.reg_coef, changed.training.epochs, changed.options.curve_every_epoch) == (0.25, 3, False)
    assert changed.with_overrides(reg_coef=0.5) == ci.with_overrides(epochs=3, curve_every_epoch=False)
    assert set(ci.values()) == {"name", *Preset.field_names()}


def test_set_parses_a_field_of_any_part_to_its_type():
    assert Preset.parse_override("reg_coef=1") == ("reg_coef", 1.0)
    assert Preset.parse_override("task_lr=None") == ("task_lr", None)
    assert Preset.parse_override("transfer_pairs=[['a', 'b']]") == ("transfer_pairs", (("a", "b"),))
    with pytest.raises(BadInput, match="fields: .*reg_coef"):
        Preset.parse_override("no_such_field=1")
