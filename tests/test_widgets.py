"""The estimate page's widgets write exactly what Django's widget templates write."""

import datetime

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from offers.widgets import (
    FastCheckboxInput,
    FastDateInput,
    FastHiddenInput,
    FastNumberInput,
    FastSelect,
    FastTextInput,
)

CHOICES = [
    ("", gettext_lazy("— choose —")),
    ("gpt-4o", "gpt-4o · GPT-4o"),
    ("a&b", 'quote " and <tag>'),
    (3, mark_safe("<b>safe</b>")),
    ("x", 12345),
]


@pytest.mark.parametrize("value", [None, "", "gpt-4o", "a&b", 3, "missing", ["x"]])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_m", "required": True, "aria-invalid": "true", "disabled": False}]
)
def test_select_is_djangos(value, attrs):
    fast = FastSelect(choices=CHOICES, attrs={"class": "c<&"})
    slow = forms.Select(choices=CHOICES, attrs={"class": "c<&"})
    assert fast.render("usage-0-model", value, attrs) == slow.render("usage-0-model", value, attrs)


def test_select_with_groups_falls_back_to_the_template():
    choices = [("Group <1>", [("a", "A"), ("b", "B")]), ("c", "C")]
    fast, slow = FastSelect(choices=choices), forms.Select(choices=choices)
    assert fast.render("g", "b") == slow.render("g", "b")
    assert "<optgroup" in fast.render("g", "b")


@pytest.mark.parametrize(
    ("fast", "slow"),
    [
        (
            FastTextInput(attrs={"inputmode": "text", "class": "count"}),
            forms.TextInput(attrs={"inputmode": "text", "class": "count"}),
        ),
        (
            FastNumberInput(attrs={"min": "1", "max": "60"}),
            forms.NumberInput(attrs={"min": "1", "max": "60"}),
        ),
        (
            FastDateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        ),
        (FastHiddenInput(), forms.HiddenInput()),
        (FastCheckboxInput(), forms.CheckboxInput()),
    ],
)
@pytest.mark.parametrize(
    "value", [None, "", "300M", 'a "quoted" <value> & more', 12, True, False, datetime.date(2024, 7, 10)]
)
def test_inputs_are_djangos(fast, slow, value):
    attrs = {"id": "id_x", "required": True, "aria-describedby": "id_x_helptext", "readonly": False}
    assert fast.render("x", value, attrs) == slow.render("x", value, attrs)
