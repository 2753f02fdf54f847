"""The estimate page's widgets write exactly what Django's widget templates write."""

import datetime

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from offers.web.widgets import (
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


# The estimate page's per-vendor select, as the template partial it replaces wrote it.
OVERRIDE_SELECT_PARTIAL = """{% load i18n %}
{# A vendor's model in place of one usage line: part of the estimate form (form=), so it travels in the URL. #}
<div class="override{% if f.errors %} has-error{% endif %}">
  <label class="visually-hidden" for="{{ f.id }}">{{ f.label }}</label>
  <select name="{{ f.name }}" id="{{ f.id }}" form="estimate-form" aria-describedby="{{ f.id }}-status {{ f.id }}-errors"{% if f.errors %} aria-invalid="true"{% endif %}
          hx-get="{{ estimate_url }}" hx-include="#estimate-form" hx-trigger="change delay:300ms" hx-target="#estimate-result"
          hx-swap="outerHTML" hx-push-url="true" hx-sync="#estimate-form:replace" hx-indicator="#estimate-form">
    {% for value, label, selected in f.options %}<option value="{{ value }}"{% if selected %} selected{% endif %}>{{ label }}</option>{% endfor %}
  </select>
  <span id="{{ f.id }}-status" class="override-status{% if f.is_override %} chosen{% endif %}">{% if f.is_override %}{% translate "your choice" %}{% elif f.mapped %}{% translate "mapped" %}{% else %}{% translate "not mapped" %}{% endif %}</span>
  {% if f.hidden %}<a class="more-models" href="{{ share_url }}&amp;models={{ f.provider }}#{{ f.id }}" hx-get="{{ share_url }}&amp;models={{ f.provider }}" hx-target="#estimate-result" hx-swap="outerHTML" hx-push-url="false">{% blocktranslate count n=f.hidden %}{{ n }} more model{% plural %}{{ n }} more models{% endblocktranslate %}</a>{% endif %}
  <span class="error" id="{{ f.id }}-errors">{{ f.errors|join:" " }}</span>
</div>
"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    "f",
    [
        {"errors": [], "hidden": 0, "is_override": False, "mapped": "glm-4"},
        {"errors": ["No <model> & such."], "hidden": 1, "is_override": True, "mapped": None},
        {"errors": ["a", "b"], "hidden": 88, "is_override": False, "mapped": None},
    ],
)
def test_override_select_is_the_partial(f, language):
    from django.template import Context, Template
    from django.utils import translation

    field = {
        "name": "usage-0-override-zhipu",
        "id": "id_usage-0-override-zhipu",
        "label": 'Model at Zhipu "AI" in place of gpt-4o (line 1)',
        "options": [
            ("", "glm-4 (mapped)", True),
            ("a&b", "A <b>", False),
            ("glm-4-air", "glm-4-air · GLM", False),
        ],
        "provider": "zhipu",
        **f,
    }
    context = {
        "f": field,
        "estimate_url": "/estimate/",
        "share_url": "/estimate/?usage-0-model=gpt-4o&months=12",
    }
    with translation.override(language):
        expected = Template(OVERRIDE_SELECT_PARTIAL).render(Context(context))
        got = Template("{% load banjia %}{% override_select f %}").render(Context(context))
    assert got == expected
