"""The kernel's ``Text`` field, which every service's names and free text go through: what it refuses is a
ValidationError naming the field, never a value that fails later in the database or misleads a reader."""
import pytest
from marshmallow import Schema

from haven_kernel.errors import ValidationError
from haven_kernel.validation import Text, load


class Named(Schema):
    name = Text(max_length=100)


def refused(value):
    with pytest.raises(ValidationError) as error:
        load(Named(), {"name": value}, field="site")
    assert list(error.value.errors) == ["site.name"], error.value.errors
    return error.value.errors["site.name"][0]


def test_a_lone_surrogate_is_refused():
    assert "Unicode" in refused("Ami\ud800na")


def test_a_nul_is_refused():
    assert "control" in refused("Amina\x00Juma")


def test_a_name_of_zero_width_characters_only_is_refused():
    assert "visible" in refused("\u200b\u200c\u200d\ufeff")


def test_a_name_of_control_characters_only_is_refused():
    assert "control" in refused("\x07\x1b")


@pytest.mark.parametrize("mark", ["\u202e", "\u202d", "\u202a", "\u2066", "\u2067", "\u2068", "\u2069"])
def test_bidi_override_and_isolate_characters_are_refused(mark):
    assert "bidirectional" in refused(f"Camp {mark}ASIRE")


def test_real_names_pass_trimmed():
    for value in ("Amina", "  José-María ", "محمد", "नमस्ते", "می‌خواهم", "Lê Thị\u200e", "Ana\nMaria"):
        assert load(Named(), {"name": value})["name"] == value.strip()
    assert "between 1 and 100" in refused("x" * 100_000)
