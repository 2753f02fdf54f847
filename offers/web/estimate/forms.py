"""Forms of the estimate page: usage lines (a formset), the horizon and currency, the usage upload.

The whole input lives in the query string (GET), so an estimate can be bookmarked and shared:
usage-TOTAL_FORMS, usage-N-model, usage-N-input_tokens, ..., usage-N-service_tier (empty =
standard), usage-N-override-<provider>=<model>, months, currency, as_of, include_expired, region
(empty = home prices), hourly_profile (empty = not given, flat, beijing, california, imported) and
hourly_usage (24 comma-separated weights, for "imported"). `to_request` turns valid forms into the estimator's
request document and `apply_errors` puts the estimator's JSON-path errors back beside the fields.

The per-vendor model choices (overrides) are selects in the result, tied to the form with the
HTML `form` attribute; an empty value means the mapped model, and empty ones are left out of the
links. The estimator validates them; `override_fields` describes the selects.
"""

# size: the page's forms and the one mapping from their fields to the estimator's request (and of
# its errors back to the fields) stay together, so a field's name, parsing and path live in one place.

import dataclasses
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offers.bills.openai import MAX_BYTES
from offers.catalog import safety
from offers.catalog.safety import is_clean, validate_clean_text
from offers.estimator import MAX_MONTHS, MAX_TOKENS, EstimateRequest, UsageLine
from offers.estimator.request import BASELINE, BASELINES, LONG_CONTEXT
from offers.estimator.snapshot import compiled
from offers.models import Price
from offers.web.estimate.query import MAX_PAGE_LINES, OVERRIDE_KEY_RE, PREFIX
from offers.web.widgets import (
    FastCheckboxInput,
    FastDateInput,
    FastHiddenInput,
    FastNumberInput,
    FastSelect,
    FastTextInput,
)

BASE_CURRENCIES = ("CNY", "USD")
PATH_RE = re.compile(r"^usage\[(\d+)\]\.(\w+)")
OVERRIDE_PATH_RE = re.compile(r"^usage\[(\d+)\]\.overrides\.(.+)$")
# Office hours as UTC weights (1 for each UTC hour the office is open, 0 otherwise). The profile of
# DESIGN.md rule 6 is the same every day of the week, so it cannot leave out weekends.
# Beijing, 09:00-18:00 Asia/Shanghai (UTC+8 all year): UTC hours 1-9.
# California, 09:00-17:00 America/Los_Angeles: UTC hours 16-23 under PDT (UTC-7, March to
# November), 17-23 and 0 under PST (UTC-8); the offset of the estimate's as-of date is used.
OFFICE_HOURS = {"beijing": ("Asia/Shanghai", 9, 18), "california": ("America/Los_Angeles", 9, 17)}


def office_hours(profile, on):
    """24 UTC weights for the office hours `profile` on date `on`."""
    zone, start, end = OFFICE_HOURS[profile]
    weights = [0] * 24
    for hour in range(start, end):
        weights[datetime(on.year, on.month, on.day, hour, tzinfo=ZoneInfo(zone)).astimezone(UTC).hour] = 1
    return weights


def estimator_accepts():
    """The rule-6 keys the estimator's request reads: a subset of {service_tier, region, hourly_usage}.

    The page sends a key only when the estimator reads it, so that nothing is priced as if it
    had been taken into account when it was not."""
    line_keys = {f.name for f in dataclasses.fields(UsageLine)}
    request_keys = {f.name for f in dataclasses.fields(EstimateRequest)}
    return ({"service_tier"} & line_keys) | ({"region", "hourly_usage"} & request_keys)


def openai_model_choices(baseline=BASELINE):
    """(slug, label) of the baseline's models in the catalog (OpenAI's, or Anthropic's: rule 10),
    for the model picker (from the compiled catalog: no query beyond the version check)."""
    catalog = compiled()
    rows = catalog.openai_models if baseline == BASELINE else catalog.baseline_models.get(baseline, [])
    return [(slug, f"{slug} · {name}" if name and name.lower() != slug else slug) for slug, name in rows]


def baseline_of(query):
    """The baseline a page query asks for ("baseline", empty = openai); an unknown one is openai
    (the form reports it)."""
    value = query.get("baseline") or BASELINE
    return value if value in BASELINES else BASELINE


def currency_choices():
    """CNY and USD, plus every currency the stored exchange rates can reach (via USD)."""
    codes = set(BASE_CURRENCIES)
    for base, quote in compiled().rates:
        if "USD" in (base, quote):
            codes.update((base, quote))
    return [(c, c) for c in sorted(codes)]


class NumberInput(FastNumberInput):
    def __init__(self, **attrs):
        super().__init__(attrs={"inputmode": "numeric", "step": "1", "min": "0", **attrs})


# A count as people write it: 300M, 1.2B, 30k, 300,000,000, 3亿, 5千万, 1.5 万.
MULTIPLIERS = {
    "": 1, "k": 10**3, "m": 10**6, "b": 10**9, "g": 10**9, "t": 10**12,
    "千": 10**3, "万": 10**4, "十万": 10**5, "百万": 10**6, "千万": 10**7, "亿": 10**8,
    "十亿": 10**9, "百亿": 10**10, "千亿": 10**11, "万亿": 10**12,
}  # fmt: skip
COUNT_RE = re.compile(r"^(-?)(\d+(?:\.\d+)?)([a-z]|[千万十百亿]+)?$")
# Group separators people type: commas (ASCII, full-width, ideographic), spaces, underscores, apostrophes.
SEPARATORS_RE = re.compile(r"[,，、_'\s\u00a0\u202f]")
# Digits a count may have before or after its point: 10^15 tokens (the estimator's cap) has 16.
MAX_COUNT_DIGITS = 40


def parse_count(text):
    """A whole count from "300M", "1.2B", "30k", "300,000,000", "3亿", "5千万"; None if it is not one."""
    raw = SEPARATORS_RE.sub("", str(text)).lower()
    match = COUNT_RE.match(raw)
    if not match or (match[3] or "") not in MULTIPLIERS:
        return None
    whole, _dot, frac = match[2].partition(".")
    whole = whole.lstrip("0") or "0"
    if len(whole) > MAX_COUNT_DIGITS or len(frac) > MAX_COUNT_DIGITS:
        return None  # far beyond any count (and Python refuses int() of 4,300+ digits)
    scale = MULTIPLIERS[match[3] or ""]
    value = int(whole) * scale
    if frac:
        numerator = int(frac) * scale
        if numerator % 10 ** len(frac):
            return None  # "1.5" tokens, "1.2345k": not a whole number
        value += numerator // 10 ** len(frac)
    return -value if match[1] else value


class CountField(forms.CharField):
    """A token or request count typed with a unit or separators; cleans to an int."""

    default_error_messages = {
        "invalid": _("Enter a whole number such as 300000000, 300,000,000, 300M, 1.2B, 30k or 3亿."),
        "min_value": _("Ensure this value is greater than or equal to %(limit_value)s."),
        "max_value": _("Ensure this value is less than or equal to %(limit_value)s."),
    }

    def __init__(self, *, min_value=0, max_value=MAX_TOKENS, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        attrs = {"inputmode": "text", "autocomplete": "off", "spellcheck": "false", "class": "count"}
        kwargs.setdefault("widget", FastTextInput(attrs=attrs))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        number = parse_count(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if number < self.min_value:
            raise forms.ValidationError(
                self.error_messages["min_value"], code="min_value", params={"limit_value": self.min_value}
            )
        if number > self.max_value:
            raise forms.ValidationError(
                self.error_messages["max_value"], code="max_value", params={"limit_value": self.max_value}
            )
        return number


class UsageLineForm(forms.Form):
    model = forms.ChoiceField(label=_("OpenAI model"), widget=FastSelect)
    input_tokens = CountField(label=_("Input tokens / month"))
    cached_input_tokens = CountField(
        label=_("of which cached"),
        required=False,
        help_text=_("Part of the input tokens served from OpenAI's prompt cache."),
    )
    output_tokens = CountField(label=_("Output tokens / month"))
    requests = CountField(
        label=_("Requests / month"),
        min_value=1,
        required=False,
        help_text=_(
            "Optional, but it matters: the average prompt (input / requests) picks the prompt-length "
            "tier, and the average reply (output / requests) picks the reply-length band of vendors "
            "that price short replies lower (GLM-4.7, Doubao Seed: under 200 tokens). Left empty, "
            "ordinary, longer replies are assumed and the estimate says so."
        ),
    )
    # Empty is standard, so an untouched blank line stays unchanged (and is skipped).
    service_tier = forms.ChoiceField(
        widget=FastSelect,
        label=_("Service tier"),
        required=False,
        choices=[("", Price.ServiceTier.STANDARD.label)]
        + [(t.value, t.label) for t in Price.ServiceTier if t != Price.ServiceTier.STANDARD],
    )

    def echoes(self):
        """{field name: the whole number read} for counts typed otherwise than as plain digits."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return {}
        out = {}
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            raw = str(self.data.get(self.add_prefix(name), "")).strip()
            if isinstance(field, CountField) and value is not None and raw != str(value):
                out[name] = value
        return out

    # Claude lines (rule 10): prompt-cache writes, parts of the input tokens, and the long context.
    cache_write_5m_tokens = CountField(
        label=_("of which 5-minute cache writes"),
        required=False,
        help_text=_("Part of the input tokens written to the prompt cache for 5 minutes (1.25 x input)."),
    )
    cache_write_1h_tokens = CountField(
        label=_("of which 1-hour cache writes"),
        required=False,
        help_text=_("Part of the input tokens written to the prompt cache for 1 hour (2 x input)."),
    )
    context_window = forms.ChoiceField(
        widget=FastSelect,
        label=_("Context window"),
        required=False,
        choices=[
            ("", _("Up to 200K input tokens a request")),
            (LONG_CONTEXT, _("Above 200K input tokens a request")),
        ],
    )

    def __init__(self, *args, model_choices=(), baseline=BASELINE, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("— choose —")), *model_choices]
        self.baseline = baseline
        if baseline == "anthropic":
            self.fields["model"].label = _("Claude model")
            self.fields["cached_input_tokens"].help_text = _(
                "Part of the input tokens read from Claude's prompt cache."
            )
        else:  # the Claude-only fields are not on the page
            for name in ("cache_write_5m_tokens", "cache_write_1h_tokens", "context_window"):
                del self.fields[name]
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
        elif (
            given is not None
            and (cached or 0)
            + (data.get("cache_write_5m_tokens") or 0)
            + (data.get("cache_write_1h_tokens") or 0)
            > given
        ):
            self.add_error(
                "cache_write_5m_tokens", _("Cached and cache-write tokens cannot exceed the input tokens.")
            )
        return data

    def as_line(self):
        data = self.cleaned_data
        return {
            "model": data["model"],
            "input_tokens": data["input_tokens"],
            "cached_input_tokens": data.get("cached_input_tokens") or 0,
            "output_tokens": data["output_tokens"],
            "requests": data.get("requests"),
            "service_tier": data.get("service_tier") or Price.ServiceTier.STANDARD,
            "overrides": self.overrides(),
            **{
                key: data[key]
                for key in ("cache_write_5m_tokens", "cache_write_1h_tokens", "context_window")
                if data.get(key)
            },
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
    currency = forms.ChoiceField(label=_("Currency"), widget=FastSelect)
    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        widget=FastDateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=_("Prices, rates and programmes are read on this date; empty means today."),
    )
    include_expired = forms.BooleanField(
        widget=FastCheckboxInput,
        label=_("Include expired programmes"),
        required=False,
        help_text=_("See the July 2024 offers as they were."),
    )
    # Rule 5: offers for new accounts count only for a team new at the vendor. On by default: a
    # query without the switch's marker (new_customer_shown, a hidden input beside it) is one
    # made before the switch existed, or a bare link, and reads as new.
    new_customer = forms.BooleanField(
        widget=FastCheckboxInput,
        label=_("I am new at these vendors"),
        required=False,
        help_text=_("Offers for new accounts (free quotas, sign-up packs) count only when this is on."),
    )
    region = forms.ChoiceField(
        widget=FastSelect,
        label=_("Prices of region"),
        required=False,
        choices=[("", _("Each vendor's home prices")), *Price.Region.choices],
    )
    hourly_profile = forms.ChoiceField(
        widget=FastSelect,
        label=_("When you send requests"),
        required=False,
        choices=[
            ("", _("Not given: all-day prices")),
            ("flat", _("Evenly round the clock")),
            ("beijing", _("Office hours in Beijing (09:00–18:00)")),
            ("california", _("Office hours in California (09:00–17:00)")),
            ("imported", _("Imported hourly profile")),
        ],
        help_text=_("Prices with off-peak hours apply to the share of tokens sent in their hours."),
    )
    baseline = forms.ChoiceField(
        widget=FastSelect,
        label=_("Your bill today"),
        required=False,
        choices=[("", _("OpenAI API")), ("anthropic", _("Claude API (Anthropic)"))],
        help_text=_("Whose usage the lines are: the models, prices and programmes follow it."),
    )
    billed_usd = forms.DecimalField(
        label=_("Anthropic billed (USD a month)"),
        required=False,
        min_value=0,
        max_digits=20,
        decimal_places=6,
        widget=FastTextInput(attrs={"inputmode": "decimal"}),
        help_text=_(
            "Token costs a month from the Claude cost report; the upload fills it. Shown beside the estimate."
        ),
    )
    hourly_usage = forms.CharField(
        widget=FastTextInput,
        label=_("Hourly profile (UTC 0–23)"),
        required=False,
        max_length=600,
        help_text=_(
            "24 numbers separated by commas: tokens or weights per UTC hour; the usage import fills it."
        ),
    )

    # Rule 9: the hash of a stored sample of the user's text (the estimate page's sample form
    # stores it); the link carries the hash, never the text.
    sample = forms.CharField(required=False, widget=FastHiddenInput, max_length=64)

    def __init__(self, *args, currencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = list(currencies)
        if self.is_bound and not self.data.get("new_customer_shown"):
            # A query without the switch's marker reads as new (see new_customer): the switch is
            # shown on, so that submitting the form again keeps what the estimate counted.
            data = self.data.copy()
            data["new_customer"] = "on"
            self.data = data

    def clean_sample(self):
        from offers.tokens.samples import load

        digest = self.cleaned_data.get("sample", "").strip()
        if not digest:
            return None
        sample = load(digest)
        if sample is None:
            raise forms.ValidationError(_("This sample of your text is not stored here; add it again."))
        return sample

    def clean_hourly_usage(self):
        text = self.cleaned_data.get("hourly_usage", "").strip()
        if not text:
            return None
        try:
            weights = [Decimal(part.strip()) for part in text.split(",")]
        except InvalidOperation:
            weights = []
        if len(weights) != 24 or any(not w.is_finite() or w < 0 for w in weights) or not any(weights):
            raise forms.ValidationError(_("Enter 24 numbers of 0 or more, not all 0, separated by commas."))
        return [int(w) if w == w.to_integral_value() else w for w in weights]

    def clean(self):
        data = super().clean()
        if (
            data.get("hourly_profile") == "imported"
            and not data.get("hourly_usage")
            and "hourly_usage" in data
        ):
            self.add_error("hourly_usage", _("Import an hourly usage export, or enter the 24 weights."))
        return data

    def hourly_weights(self, on):
        """The request's `hourly_usage` for the chosen profile on date `on`; None when not given."""
        profile = self.cleaned_data.get("hourly_profile")
        if profile == "flat":
            return [1] * 24
        if profile in OFFICE_HOURS:
            return office_hours(profile, on)
        if profile == "imported":
            return self.cleaned_data.get("hourly_usage")
        return None


class UsageImportForm(forms.Form):
    file = forms.FileField(
        label=_("Usage export (OpenAI or Claude)"),
        help_text=_(
            "OpenAI: the Usage API's completions JSON (one or several pages) or the dashboard's usage CSV. "
            "Claude: the Admin API's usage_report/messages JSON. At most 5 MB."
        ),
    )
    cost_report = forms.FileField(
        label=_("Claude cost report (optional)"),
        required=False,
        help_text=_(
            "The Admin API's cost_report JSON of the same period: the page shows how the estimate compares."
        ),
    )
    unassigned_model = forms.ChoiceField(
        widget=FastSelect,
        label=_("Usage not grouped by model counts as"),
        required=False,
        help_text=_("The Usage API reports model null unless asked to group by model."),
    )
    # The query string of the estimate on screen, so its lines and settings survive a failed upload.
    current = forms.CharField(required=False, widget=FastHiddenInput, validators=[validate_clean_text])

    def __init__(self, *args, model_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unassigned_model"].choices = [("", _("— leave it out —")), *model_choices]

    def clean_cost_report(self):
        upload = self.cleaned_data.get("cost_report")
        if upload and upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the limit is %(max)s MB. Export a shorter period.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}", "max": MAX_BYTES // (1024 * 1024)}
            )
        return upload

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the limit is %(max)s MB. Export a shorter period.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}", "max": MAX_BYTES // (1024 * 1024)}
            )
        return upload


class SampleForm(forms.Form):
    """A sample of the user's own text (rule 9): pasted, or a .txt / .jsonl file (chat requests,
    whose message contents are counted). At most 1 MB of text."""

    text = forms.CharField(
        label=_("Paste your text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Prompts and replies as you send them; at most 1 MB."),
    )
    file = forms.FileField(
        label=_("or upload a file"),
        required=False,
        help_text=_(
            ".txt, or .jsonl of chat requests (each line with messages; their contents are counted)."
        ),
    )
    current = forms.CharField(required=False, widget=FastHiddenInput, validators=[validate_clean_text])

    def __init__(self, *args, **kwargs):
        # Its own ids: the usage upload on the same page has a `file` field too (id_file).
        kwargs.setdefault("auto_id", "id_sample_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        from offers.tokens import SampleError, validate_sample
        from offers.tokens.samples import texts_from_text, texts_from_upload

        data = super().clean()
        upload, text = data.get("file"), data.get("text") or ""
        try:
            if upload is not None:
                texts = texts_from_upload(upload.name, upload.read(4 * 1_000_000 + 1))
            else:
                texts = validate_sample(texts_from_text(text))
        except SampleError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not any(texts):
            raise forms.ValidationError(_("Paste some text or choose a file."))
        data["texts"] = texts
        return data


def to_request(form, formset):
    """The estimator's request document for valid forms, and the form index of each usage line."""
    indices, usage = [], []
    for i, line in formset.lines():
        indices.append(i)
        usage.append(line)
    data = form.cleaned_data
    as_of = data.get("as_of") or timezone.localdate()
    accepts = estimator_accepts()
    if "service_tier" not in accepts:
        for line in usage:
            line.pop("service_tier", None)
    request = {
        "usage": usage,
        "months": data["months"],
        "currency": data["currency"],
        "as_of": as_of.isoformat(),
        "include_expired": bool(data.get("include_expired")),
        "new_customer": bool(data.get("new_customer")) if form.data.get("new_customer_shown") else True,
        "detail": True,
    }
    if data.get("sample") is not None:
        request["sample"] = list(data["sample"].texts)
    if data.get("baseline"):
        request["baseline"] = data["baseline"]
    if "region" in accepts:
        request["region"] = data.get("region") or None
    if "hourly_usage" in accepts:
        hourly = form.hourly_weights(as_of)
        request["hourly_usage"] = (
            [float(w) if isinstance(w, Decimal) else w for w in hourly] if hourly else None
        )
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


def _model_label(slug, name):
    return f"{slug} · {name}" if name and name.lower() != slug else slug


# A vendor with more models of a kind than this shows a short list in each select (its mapped
# models, the models its programmes name, the one chosen, then the first by slug) and a link that
# loads them all for that vendor (?models=<vendor>): the page stays light with any catalog size.
SHORTLIST = 12


def _shortlist(models, keep):
    """`models` [(slug, name)] cut to SHORTLIST, keeping the slugs in `keep` first."""
    first = [m for m in models if m[0] in keep]
    rest = [m for m in models if m[0] not in keep][: max(0, SHORTLIST - len(first))]
    return sorted(first + rest)


def override_fields(formset, indices, document, snapshot, expand=""):
    """The model select of every (usage line, vendor) pair, keyed by (line number, provider slug).

    The models of every vendor come from the compiled catalog (no query), by kind.
    Models not available on the as-of date (not yet released, or retired) are left out unless
    already chosen. Vendors with more than SHORTLIST models of a kind list a short list, except
    the vendor named by `expand`.
    """
    usage = document["usage"]
    kinds = {m.kind for m in snapshot.openai_models.values()}
    catalog = snapshot.catalog if snapshot.catalog is not None else compiled()
    by_vendor = {}
    for provider in snapshot.providers:
        for kind in kinds:
            available = catalog.available_models(provider.pk, kind, snapshot.as_of)
            if available:
                by_vendor[(provider.pk, kind)] = available
    notable = {}  # provider pk: slugs of its mapped models and of the models its programmes name
    for (_openai, provider_id), model in snapshot.mappings.items():
        notable.setdefault(provider_id, set()).add(model.slug)
    for provider in snapshot.providers:
        for program in snapshot.programs.get(provider.pk, ()):
            for benefit in snapshot.benefits.get(program.pk, ()):
                notable.setdefault(provider.pk, set()).update(m.slug for m in benefit.models)
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
            hidden = 0
            if len(models) > SHORTLIST and provider.slug != expand:
                short = _shortlist(models, notable.get(provider.pk, set()) | {chosen})
                hidden, models = len(models) - len(short), short
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
                "provider": provider.slug,
                "hidden": hidden,
                "errors": line_form.override_errors.pop(provider.slug, []),
            }
    return fields
