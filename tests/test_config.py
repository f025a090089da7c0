"""Every numeric preset field is checked where it is declared: 0, -1 and a wrong type are one clear line."""

import pytest

from phnlab.config import AT_LEAST_ZERO, _numeric_fields, get_preset
from phnlab.errors import BadInput

NUMERIC = sorted(_numeric_fields())


def test_the_numeric_fields_are_found():
    assert {"epochs", "batch_size", "lr", "task_lr", "buffer_size", "reg_coef"} <= set(NUMERIC)


@pytest.mark.parametrize("key", NUMERIC)
def test_a_negative_a_zero_and_a_wrong_type_are_refused(key):
    preset = get_preset("ci")
    for bad in (-1, "three", [2], True) + (() if key in AT_LEAST_ZERO else (0,)):
        with pytest.raises(BadInput, match=f"^{key} must be (a positive|an integer >= 0|a number >= 0)"):
            preset.with_overrides(**{key: bad})
    preset.with_overrides(**{key: 1})  # an allowed value passes
    if key in AT_LEAST_ZERO:
        preset.with_overrides(**{key: 0})
