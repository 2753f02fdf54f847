"""Forms of the estimate page: usage lines (a formset), the horizon and currency, the usage upload.

The whole input lives in the query string (GET), so an estimate can be bookmarked and shared:
usage-TOTAL_FORMS, usage-N-model, usage-N-input_tokens, ..., months, currency, as_of,
include_expired. `to_request` turns valid forms into the estimator's request document and
`apply_errors` puts the estimator's JSON-path errors back beside the fields.
"""

import re

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .estimator import BASELINE, MAX_MONTHS, MAX_TOKENS
from .models import ExchangeRate, Model
from .usage_import import MAX_BYTES

PREFIX = "usage"
# The page is for people typing; programs with thousands of lines use the API.
MAX_PAGE_LINES = 50
BASE_CURRENCIES = ("CNY", "USD")
DEFAULT_LINE = {
    "model": "gpt-4o",
    "input_tokens": 30_000_000,
    "cached_input_tokens": 0,
    "output_tokens": 10_000_000,
}
PATH_RE = re.compile(r"^usage\[(\d+)\]\.(\w+)")


def openai_model_choices():
    """(slug, label) of the OpenAI models in the catalog, for the model picker."""
    rows = Model.objects.filter(provider__slug=BASELINE).order_by("slug").values_list("slug", "name")
    return [(slug, f"{slug} · {name}" if name and name.lower() != slug else slug) for slug, name in rows]


def currency_choices():
    """CNY and USD, plus every currency the stored exchange rates can reach."""
    codes = set(BASE_CURRENCIES)
    for base, quote in (
        ExchangeRate.objects.filter(Q(base="USD") | Q(quote="USD")).values_list("base", "quote").distinct()
    ):
        codes.update((base, quote))
    return [(c, c) for c in sorted(codes)]


class NumberInput(forms.NumberInput):
    def __init__(self, **attrs):
        super().__init__(attrs={"inputmode": "numeric", "step": "1", "min": "0", **attrs})


class UsageLineForm(forms.Form):
    model = forms.ChoiceField(label=_("OpenAI model"))
    input_tokens = forms.IntegerField(
        label=_("Input tokens / month"), min_value=0, max_value=MAX_TOKENS, widget=NumberInput()
    )
    cached_input_tokens = forms.IntegerField(
        label=_("of which cached"),
        min_value=0,
        max_value=MAX_TOKENS,
        required=False,
        widget=NumberInput(),
        help_text=_("Part of the input tokens served from OpenAI's prompt cache."),
    )
    output_tokens = forms.IntegerField(
        label=_("Output tokens / month"), min_value=0, max_value=MAX_TOKENS, widget=NumberInput()
    )
    requests = forms.IntegerField(
        label=_("Requests / month"),
        min_value=1,
        max_value=MAX_TOKENS,
        required=False,
        widget=NumberInput(min="1"),
        help_text=_("Optional: picks the price tier by average prompt length."),
    )

    def __init__(self, *args, model_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("— choose —")), *model_choices]

    def clean(self):
        data = super().clean()
        cached, given = data.get("cached_input_tokens"), data.get("input_tokens")
        if cached is not None and given is not None and cached > given:
            self.add_error("cached_input_tokens", _("Cannot exceed the input tokens."))
        return data

    def as_line(self):
        data = self.cleaned_data
        return {
            "model": data["model"],
            "input_tokens": data["input_tokens"],
            "cached_input_tokens": data.get("cached_input_tokens") or 0,
            "output_tokens": data["output_tokens"],
            "requests": data.get("requests"),
        }


class BaseUsageFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.lines():
            raise forms.ValidationError(_("Enter at least one usage line."))

    def lines(self):
        """(form index, line) of the filled-in lines; untouched blank lines are skipped."""
        return [(i, f.as_line()) for i, f in enumerate(self.forms) if f.has_changed() and f.cleaned_data]


UsageFormSet = forms.formset_factory(
    UsageLineForm,
    formset=BaseUsageFormSet,
    extra=0,
    max_num=MAX_PAGE_LINES,
    validate_max=True,
    absolute_max=MAX_PAGE_LINES,
)


class EstimateForm(forms.Form):
    months = forms.IntegerField(
        label=_("Months"),
        min_value=1,
        max_value=MAX_MONTHS,
        initial=12,
        widget=NumberInput(min="1", max="60"),
    )
    currency = forms.ChoiceField(label=_("Currency"))
    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=_("Prices, rates and programmes are read on this date; empty means today."),
    )
    include_expired = forms.BooleanField(
        label=_("Include expired programmes"),
        required=False,
        help_text=_("See the July 2024 offers as they were."),
    )

    def __init__(self, *args, currencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = list(currencies)


class UsageImportForm(forms.Form):
    file = forms.FileField(
        label=_("OpenAI usage export"),
        help_text=_(
            "The Usage API's completions JSON (one or several pages) or the dashboard's usage CSV; at most 5 MB."
        ),
    )
    unassigned_model = forms.ChoiceField(
        label=_("Usage not grouped by model counts as"),
        required=False,
        help_text=_("The Usage API reports model null unless asked to group by model."),
    )
    # The query string of the estimate on screen, so its lines and settings survive a failed upload.
    current = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, model_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unassigned_model"].choices = [("", _("— leave it out —")), *model_choices]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the limit is %(max)s MB. Export a shorter period.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}", "max": MAX_BYTES // (1024 * 1024)}
            )
        return upload


def to_request(form, formset):
    """The estimator's request document for valid forms, and the form index of each usage line."""
    indices, usage = [], []
    for i, line in formset.lines():
        indices.append(i)
        usage.append(line)
    data = form.cleaned_data
    request = {
        "usage": usage,
        "months": data["months"],
        "currency": data["currency"],
        "as_of": (data.get("as_of") or timezone.localdate()).isoformat(),
        "include_expired": bool(data.get("include_expired")),
        "detail": True,
    }
    return request, indices


def apply_errors(errors, form, formset, indices):
    """Put estimator errors ({json path: [messages]}) beside the matching fields."""
    for path, messages in errors.items():
        match = PATH_RE.match(path)
        if match and int(match[1]) < len(indices):
            line_form = formset.forms[indices[int(match[1])]]
            name = match[2] if match[2] in line_form.fields else None
            for message in messages:
                line_form.add_error(name, message)
        elif path in form.fields:
            for message in messages:
                form.add_error(path, message)
        else:
            for message in messages:
                form.add_error(None, f"{path}: {message}")


def lines_query(lines, settings):
    """The page's query string for usage lines (dicts) and settings (months, currency, ...)."""
    query = QueryDict(mutable=True)
    query[f"{PREFIX}-TOTAL_FORMS"] = str(len(lines))
    query[f"{PREFIX}-INITIAL_FORMS"] = "0"
    for i, line in enumerate(lines):
        for key in ("model", "input_tokens", "cached_input_tokens", "output_tokens", "requests"):
            value = line.get(key)
            query[f"{PREFIX}-{i}-{key}"] = "" if value is None else str(value)
    for key, value in settings.items():
        if value not in (None, "", False):
            query[key] = "on" if value is True else str(value)
    return query


def edit_lines(query, *, add=False, remove=None):
    """A copy of the page's query string with a blank line added or line `remove` taken out."""
    try:
        total = max(0, min(int(query.get(f"{PREFIX}-TOTAL_FORMS", "0")), MAX_PAGE_LINES))
    except ValueError:
        total = 0
    fields = ("model", "input_tokens", "cached_input_tokens", "output_tokens", "requests")
    lines = [{key: query.get(f"{PREFIX}-{i}-{key}", "") for key in fields} for i in range(total)]
    if remove is not None and 0 <= remove < len(lines):
        del lines[remove]
    if add and len(lines) < MAX_PAGE_LINES:
        lines.append(dict.fromkeys(fields, ""))
    settings = {key: query.get(key) for key in ("months", "currency", "as_of", "include_expired")}
    return lines_query(lines, settings)
