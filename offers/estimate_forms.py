"""Forms of the estimate page: usage lines (a formset), the horizon and currency, the usage upload.

The whole input lives in the query string (GET), so an estimate can be bookmarked and shared:
usage-TOTAL_FORMS, usage-N-model, usage-N-input_tokens, ..., usage-N-override-<provider>=<model>,
months, currency, as_of, include_expired. `to_request` turns valid forms into the estimator's
request document and `apply_errors` puts the estimator's JSON-path errors back beside the fields.

The per-vendor model choices (overrides) are selects in the result, tied to the form with the
HTML `form` attribute; an empty value means the mapped model, and empty ones are left out of the
links. The estimator validates them; `override_fields` describes the selects.
"""

import re

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import safety
from .estimator import BASELINE, MAX_MONTHS, MAX_TOKENS
from .models import ExchangeRate, Model
from .safety import is_clean, validate_clean_text
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
OVERRIDE_PATH_RE = re.compile(r"^usage\[(\d+)\]\.overrides\.(.+)$")
OVERRIDE_KEY_RE = re.compile(rf"^{PREFIX}-(\d+)-override-(.+)$")
LINE_FIELDS = ("model", "input_tokens", "cached_input_tokens", "output_tokens", "requests")


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
        # {provider slug: [messages]} from the estimator, shown beside that vendor's select.
        self.override_errors = {}

    def overrides(self):
        """{provider slug: model slug} chosen for this line; an empty choice is the mapped model."""
        start = f"{self.prefix}-override-"
        return {
            key[len(start) :]: value.strip()
            for key, value in self.data.items()
            if key.startswith(start) and key != start and value.strip()
        }

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
            "overrides": self.overrides(),
        }


class BaseUsageFormSet(forms.BaseFormSet):
    def clean(self):
        # The per-vendor model choices are read from the raw query (UsageLineForm.overrides).
        if any(
            not (is_clean(key) and is_clean(value))
            for key, value in self.data.items()
            if OVERRIDE_KEY_RE.match(key) or key.startswith(f"{self.prefix}-")
        ):
            raise forms.ValidationError(safety.MESSAGE)
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
    current = forms.CharField(required=False, widget=forms.HiddenInput, validators=[validate_clean_text])

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
        override = OVERRIDE_PATH_RE.match(path)
        if override and int(override[1]) < len(indices):
            line_form = formset.forms[indices[int(override[1])]]
            line_form.override_errors.setdefault(override[2], []).extend(messages)
            continue
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
        for key in LINE_FIELDS:
            value = line.get(key)
            query[f"{PREFIX}-{i}-{key}"] = "" if value is None else str(value)
        for provider, model in sorted((line.get("overrides") or {}).items()):
            if model:
                query[f"{PREFIX}-{i}-override-{provider}"] = model
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
    lines = [{key: query.get(f"{PREFIX}-{i}-{key}", "") for key in LINE_FIELDS} for i in range(total)]
    for line in lines:
        line["overrides"] = {}
    for key, value in query.items():
        match = OVERRIDE_KEY_RE.match(key)
        if match and int(match[1]) < total:
            lines[int(match[1])]["overrides"][match[2]] = value.strip()
    if remove is not None and 0 <= remove < len(lines):
        del lines[remove]
    if add and len(lines) < MAX_PAGE_LINES:
        lines.append(dict.fromkeys(LINE_FIELDS, ""))
    settings = {key: query.get(key) for key in ("months", "currency", "as_of", "include_expired")}
    return lines_query(lines, settings)


def without_empty_overrides(query):
    """A copy of `query` without the override selects left on "mapped": links stay readable."""
    clean = query.copy()
    for key in list(clean):
        if OVERRIDE_KEY_RE.match(key) and not clean.get(key, "").strip():
            del clean[key]
    return clean


def _model_label(slug, name):
    return f"{slug} · {name}" if name and name.lower() != slug else slug


def override_fields(formset, indices, document, snapshot):
    """The model select of every (usage line, vendor) pair, keyed by (line number, provider slug).

    One query reads the models of every vendor, of the kinds the lines need, whatever their number.
    Models retired on or before the as-of date are left out unless already chosen.
    """
    usage = document["usage"]
    kinds = {m.kind for m in snapshot.openai_models.values()}
    by_vendor = {}
    for provider_id, kind, slug, name, retired in (
        Model.objects.filter(provider_id__in=[p.pk for p in snapshot.providers], kind__in=kinds)
        .order_by("slug")
        .values_list("provider_id", "kind", "slug", "name", "deprecated_on")
    ):
        if retired is None or retired > snapshot.as_of:
            by_vendor.setdefault((provider_id, kind), []).append((slug, name))
    fields = {}
    for k, line in enumerate(usage):
        openai_model = snapshot.openai_models.get(line["model"])
        if openai_model is None:
            continue
        i = indices[k]
        line_form = formset.forms[i]
        for provider in snapshot.providers:
            mapped = snapshot.mappings.get((line["model"], provider.pk))
            chosen = line["overrides"].get(provider.slug, "")
            models = by_vendor.get((provider.pk, openai_model.kind), [])
            options = [
                (
                    "",
                    _("%(model)s (mapped)") % {"model": mapped.slug} if mapped else _("— no mapped model —"),
                    not chosen,
                )
            ]
            known = False
            for slug, name in models:
                if mapped and slug == mapped.slug and chosen != slug:
                    continue
                known = known or slug == chosen
                options.append((slug, _model_label(slug, name), slug == chosen))
            if chosen and not known:
                options.append((chosen, chosen, True))
            name = f"{PREFIX}-{i}-override-{provider.slug}"
            fields[(k, provider.slug)] = {
                "name": name,
                "id": f"id_{name}",
                "openai_model": line["model"],
                "label": _("Model at %(vendor)s in place of %(model)s (line %(n)s)")
                % {"vendor": provider.display_name, "model": line["model"], "n": i + 1},
                "options": options,
                "mapped": mapped.slug if mapped else None,
                "is_override": bool(chosen),
                "errors": line_form.override_errors.pop(provider.slug, []),
            }
    return fields
