"""Form widgets that write the HTML of Django's own widget templates in Python.

The estimate page renders about 30 widgets, four of them selects of every OpenAI model; through
the template engine (a template, an include per option and per attribute list) they were a fifth
of the page's time. These classes build the same string directly from the same `get_context`, so
the output is byte for byte Django's (tests/test_widgets.py compares them); a subclass with
another template, or a select with option groups, falls back to the template.
"""

from django import forms
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

_CONTEXT = Context(autoescape=True)
SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
INPUTS = {f"django/forms/widgets/{kind}.html" for kind in ("text", "number", "date", "hidden", "checkbox")}


def _value(value):
    """`{{ value }}` in an autoescaping template."""
    return render_value_in_context(value, _CONTEXT)


def _formatted(value):
    """`{{ value|stringformat:'s' }}` in an autoescaping template."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = "%s" % value  # noqa: UP031 -- the filter's own formatting
    except (ValueError, TypeError):
        text = ""
    if isinstance(value, SafeData):
        text = mark_safe(text)
    return conditional_escape(text)


def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(" " + _value(name))
            if value is not True:
                out.append('="' + _formatted(value) + '"')
    return "".join(out)


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        if self.template_name != SELECT or self.option_template_name != OPTION:
            return super().render(name, value, attrs, renderer)
        widget = self.get_context(name, value, attrs)["widget"]
        parts = ['<select name="', _value(widget["name"]), '"', _attrs(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                return super().render(name, value, attrs, renderer)
            for option in options:
                if option["template_name"] != OPTION:
                    return super().render(name, value, attrs, renderer)
                parts += [
                    '\n  <option value="', _formatted(option["value"]), '"', _attrs(option["attrs"]), ">",
                    _value(option["label"]), "</option>\n",
                ]  # fmt: skip
        parts.append("\n</select>")  # the renderer strips the template's last newline
        return mark_safe("".join(parts))


class _FastInput:
    def render(self, name, value, attrs=None, renderer=None):
        if self.template_name not in INPUTS:
            return super().render(name, value, attrs, renderer)
        widget = self.get_context(name, value, attrs)["widget"]
        parts = ['<input type="', _value(widget["type"]), '" name="', _value(widget["name"]), '"']
        if widget["value"] is not None:
            parts += [' value="', _formatted(widget["value"]), '"']
        parts += [_attrs(widget["attrs"]), ">"]  # stripped, as the form renderer does
        return mark_safe("".join(parts))


class FastTextInput(_FastInput, forms.TextInput):
    pass


class FastNumberInput(_FastInput, forms.NumberInput):
    pass


class FastDateInput(_FastInput, forms.DateInput):
    pass


class FastHiddenInput(_FastInput, forms.HiddenInput):
    pass


class FastCheckboxInput(_FastInput, forms.CheckboxInput):
    pass
