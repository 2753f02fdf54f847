"""The estimate request: the JSON document checked field by field (types, ranges, the limits
of one request) into an `EstimateRequest`, or `EstimateError` with messages keyed by JSON path."""

import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from offers import tokens
from offers.catalog import safety
from offers.catalog.safety import is_clean, printable
from offers.models import Price

BASELINE = "openai"
# Rule 10: the providers whose bills can be the baseline, and the other baselines that are also
# alternatives for each (a team leaving Claude may move to OpenAI; Anthropic does not sell to the
# teams leaving OpenAI in China, and no mapping leads from OpenAI models to Claude).
BASELINES = ("openai", "anthropic")
ALTERNATIVE_BASELINES = {"openai": (), "anthropic": ("openai",)}
# A usage line's context_window "200k-1M" (Anthropic's usage report): every request had more than
# 200K input tokens, so its prompt length is at least this (Anthropic prices such a request whole
# at the long-context rate: the tier from 200,001 tokens).
LONG_CONTEXT = "200k-1M"
CONTEXT_WINDOWS = ("0-200k", LONG_CONTEXT)
LONG_CONTEXT_MIN = 200_001
USD = "USD"
DEFAULT_MONTHS = 12
MAX_MONTHS = 60
# One request's cost is bounded against the rate limit (issue 21): the worst request accepted,
# 100 lines over 60 months with every override, region and hourly profile, costs about 30 typical
# 3-line ones (scripts/bench --worst; the page's 50 lines with detail about as much), where 10,000
# lines cost 2,300 of them and answered 8 MB. An OpenAI bill has a line per model and tier: 100 is
# far above a real one and twice the page's 50. More are refused with an error on "usage".
MAX_USAGE_LINES = 100
# A quadrillion tokens a month is far beyond any real bill; the cap keeps numbers sane.
MAX_TOKENS = 10**15
# Bounds on one request's cost (README "Limits"): strings, overrides, providers, detail, errors.
MAX_ID_LENGTH = 200  # a model id or provider slug
MAX_OVERRIDES_PER_LINE = 50
MAX_OVERRIDES = 2_000  # over all lines
MAX_PROVIDERS = 200
MAX_DETAIL_LINES = 50  # "detail": true is for up to this many usage lines (the page's most)
MAX_ERRORS = 50  # error paths reported; the rest are counted under "more"
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# as_of must leave room in the calendar for every date the estimate reads around it (rates and
# programmes months before, 60 months of 30 days after): years 2000 to 2999 do, with room to spare.
MIN_AS_OF = date(2000, 1, 1)
MAX_AS_OF = date(2999, 12, 31)
AS_OF_RANGE = f"From {MIN_AS_OF.isoformat()} to {MAX_AS_OF.isoformat()}; null for today."
STANDARD = str(Price.ServiceTier.STANDARD)
SERVICE_TIERS = tuple(str(t) for t in Price.ServiceTier)
THINKING = str(Price.Mode.THINKING)
NON_THINKING = str(Price.Mode.NON_THINKING)
MODES = (THINKING, NON_THINKING)
REGIONS = tuple(str(r) for r in Price.Region)
HOURS = 24
CACHE_WRITES = ("cache_write_5m_tokens", "cache_write_1h_tokens")


class EstimateError(Exception):
    """Bad input; `errors` maps a JSON path to a list of messages."""

    def __init__(self, errors):
        if len(errors) > MAX_ERRORS:
            kept = dict(list(errors.items())[:MAX_ERRORS])
            more = len(errors) - MAX_ERRORS
            kept["more"] = [
                ngettext("And %(n)s more error.", "And %(n)s more errors.", more) % {"n": f"{more:,}"}
            ]
            errors = kept
        self.errors = errors
        super().__init__("; ".join(f"{path}: {' '.join(msgs)}" for path, msgs in errors.items()))


# --- the request ------------------------------------------------------------------------------


@dataclass
class UsageLine:
    model: str
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    requests: int | None = None
    overrides: dict = field(default_factory=dict)
    service_tier: str = "standard"
    mode: str | None = None  # rule 6: asked for by the line; None = by the baseline model
    wanted_mode: str | None = None  # rule 6: the mode priced (set by the estimate from `mode`)
    # Rule 10: parts of input_tokens written to the prompt cache (apart from cached_input_tokens).
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    context_window: str | None = None  # "200k-1M": every request above 200K input tokens

    @property
    def tokens(self):
        return self.input_tokens + self.output_tokens

    @property
    def reply_length(self):
        """Output tokens per request (rounded up), or None without `requests` (rule 1's bands)."""
        if self.requests is None:
            return None
        return -(-self.output_tokens // self.requests)

    @property
    def uncached_tokens(self):
        return (
            self.input_tokens
            - self.cached_input_tokens
            - self.cache_write_5m_tokens
            - self.cache_write_1h_tokens
        )

    @property
    def prompt_length(self):
        """Whole tokens per request (rounded up), or None without `requests`; at least 200,001 for
        a line of the long context window."""
        if self.context_window == LONG_CONTEXT:
            if self.requests is None:
                return LONG_CONTEXT_MIN
            return max(LONG_CONTEXT_MIN, -(-self.input_tokens // self.requests))
        if self.requests is None:
            return None
        return -(-self.input_tokens // self.requests)


@dataclass
class EstimateRequest:
    usage: list
    months: int = DEFAULT_MONTHS
    currency: str = USD
    as_of: date = None
    include_expired: bool = False
    # Rule 5: a team that moves is new at the vendor unless it says otherwise.
    new_customer: bool = True
    providers: list | None = None
    detail: bool = False
    region: str | None = None  # rule 6: None (home prices), "cn" or "intl"
    hourly_usage: tuple | None = None  # rule 6: 24 exact weights (Fractions), or None
    sample: object = None  # rule 9: an offers.tokens.Sample (keyed by its hash), or None
    baseline: str = BASELINE  # rule 10: whose bill the usage lines are, "openai" or "anthropic"

    def __post_init__(self):
        if self.as_of is None:
            self.as_of = timezone.localdate()


class Errors(dict):
    def add(self, path, message):
        self.setdefault(path, []).append(str(message))


def _whole(value):
    """An int from a JSON integer (or an integral float such as 3e7); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _tokens(raw, key, path, errors, *, default=0):
    if key not in raw:
        return default
    value = _whole(raw[key])
    if value is None or value < 0:
        errors.add(path, _("Enter a whole number of tokens, 0 or more."))
        return None
    if value > MAX_TOKENS:
        errors.add(path, _("At most %(max)s tokens a month.") % {"max": f"{MAX_TOKENS:,}"})
        return None
    return value


def _id_problem(value):
    """Why `value` is not a usable model id or slug (None when it is)."""
    if not is_clean(value):
        return safety.MESSAGE
    if len(value) > MAX_ID_LENGTH:
        return _("At most %(max)s characters.") % {"max": MAX_ID_LENGTH}
    return None


def _parse_line(raw, path, errors):
    if not isinstance(raw, dict):
        errors.add(path, _("Expected an object with model and token counts."))
        return None
    model = raw.get("model")
    if not isinstance(model, str) or not model.strip():
        errors.add(f"{path}.model", _("Enter a model id of the baseline, e.g. gpt-4o or claude-sonnet-4-5."))
        model = None
    elif problem := _id_problem(model):
        errors.add(f"{path}.model", problem)
        model = None
    counts = {
        key: _tokens(raw, key, f"{path}.{key}", errors)
        for key in ("input_tokens", "cached_input_tokens", "output_tokens", *CACHE_WRITES)
    }
    requests = raw.get("requests")
    if requests is not None:
        requests = _whole(requests)
        if requests is None or requests < 1:
            errors.add(f"{path}.requests", _("Enter a whole number of requests, 1 or more, or null."))
        elif requests > MAX_TOKENS:
            errors.add(f"{path}.requests", _("Too many requests."))
            requests = None
    overrides = raw.get("overrides")
    if overrides is None:
        overrides = {}
    elif not isinstance(overrides, dict):
        errors.add(f"{path}.overrides", _("Expected an object of provider slug to model id."))
        overrides = {}
    elif len(overrides) > MAX_OVERRIDES_PER_LINE:
        errors.add(
            f"{path}.overrides", _("At most %(max)s overrides a line.") % {"max": MAX_OVERRIDES_PER_LINE}
        )
        overrides = {}
    else:
        for slug, model_slug in overrides.items():
            at = f"{path}.overrides.{printable(slug)}"
            if problem := _id_problem(slug):
                errors.add(at, problem)
            elif not isinstance(model_slug, str) or not model_slug:
                errors.add(at, _("Expected a model id of this provider."))
            elif problem := _id_problem(model_slug):
                errors.add(at, problem)
    service_tier = raw.get("service_tier")
    if service_tier is None:
        service_tier = STANDARD
    if service_tier not in SERVICE_TIERS:
        errors.add(
            f"{path}.service_tier",
            _("Expected one of %(choices)s, or null for standard.") % {"choices": ", ".join(SERVICE_TIERS)},
        )
        service_tier = STANDARD
    mode = raw.get("mode")
    if mode is not None and mode not in MODES:
        errors.add(
            f"{path}.mode",
            _("Expected one of %(choices)s, or null to follow the model.") % {"choices": ", ".join(MODES)},
        )
        mode = None
    if None not in counts.values() and counts["cached_input_tokens"] > counts["input_tokens"]:
        errors.add(
            f"{path}.cached_input_tokens",
            _("Cached input tokens are part of the input tokens, so they cannot exceed them."),
        )
    elif None not in counts.values() and (
        counts["cached_input_tokens"] + sum(counts[k] for k in CACHE_WRITES) > counts["input_tokens"]
    ):
        errors.add(
            f"{path}.cache_write_5m_tokens"
            if counts["cache_write_5m_tokens"]
            else f"{path}.cache_write_1h_tokens",
            _(
                "Cached and cache-write tokens are parts of the input tokens, so together they cannot exceed them."
            ),
        )
    context_window = raw.get("context_window")
    if context_window is not None and context_window not in CONTEXT_WINDOWS:
        errors.add(
            f"{path}.context_window",
            _("Expected %(choices)s, or null.") % {"choices": ", ".join(CONTEXT_WINDOWS)},
        )
        context_window = None
    if model is None or None in counts.values():
        return None
    return UsageLine(
        model=model.strip(), requests=requests, overrides=dict(overrides), service_tier=service_tier, mode=mode,
        context_window=context_window, **counts,
    )  # fmt: skip


def parse_request(data):
    """Check a request document (already decoded JSON); raise EstimateError on any problem."""
    errors = Errors()
    if not isinstance(data, dict):
        raise EstimateError({"body": [_("Expected a JSON object with a usage list.")]})
    lines = []
    usage = data.get("usage")
    if usage is None:
        errors.add("usage", _("This field is required."))
    elif not isinstance(usage, list):
        errors.add("usage", _("Expected a list of usage lines."))
    elif not usage:
        errors.add("usage", _("Enter at least one usage line."))
    elif len(usage) > MAX_USAGE_LINES:
        errors.add(
            "usage",
            _("At most %(max)s usage lines (got %(n)s); merge lines of the same model.")
            % {"max": MAX_USAGE_LINES, "n": len(usage)},
        )
    else:
        for i, raw in enumerate(usage):
            line = _parse_line(raw, f"usage[{i}]", errors)
            if line is not None:
                lines.append(line)
        overrides = sum(len(line.overrides) for line in lines)
        if overrides > MAX_OVERRIDES:
            errors.add(
                "usage",
                _("At most %(max)s overrides in all (got %(n)s).") % {"max": MAX_OVERRIDES, "n": overrides},
            )

    months = data.get("months", DEFAULT_MONTHS)
    if months is None:
        months = DEFAULT_MONTHS
    months = _whole(months)
    if months is None or not 1 <= months <= MAX_MONTHS:
        errors.add("months", _("Enter a whole number of months from 1 to %(max)s.") % {"max": MAX_MONTHS})

    currency = data.get("currency")
    if currency is None:
        currency = USD
    if not isinstance(currency, str) or not CURRENCY_RE.match(currency.strip().upper()):
        errors.add("currency", _("Enter a three-letter currency code such as CNY or USD."))
    else:
        currency = currency.strip().upper()

    as_of = data.get("as_of")
    if as_of is None:
        as_of = timezone.localdate()
    else:
        as_of = _parse_date(as_of)
        if as_of is None:
            errors.add("as_of", _("Enter a date as YYYY-MM-DD."))
        elif not MIN_AS_OF <= as_of <= MAX_AS_OF:
            errors.add(
                "as_of",
                _("Enter a date from %(min)s to %(max)s.")
                % {"min": MIN_AS_OF.isoformat(), "max": MAX_AS_OF.isoformat()},
            )

    include_expired = data.get("include_expired", False)
    if include_expired is None:
        include_expired = False
    if not isinstance(include_expired, bool):
        errors.add("include_expired", _("Expected true or false."))

    new_customer = data.get("new_customer", True)
    if new_customer is None:
        new_customer = True
    if not isinstance(new_customer, bool):
        errors.add("new_customer", _("Expected true or false."))

    providers = data.get("providers")
    if providers is not None:
        if not isinstance(providers, list):
            errors.add("providers", _("Expected a list of provider slugs, or null for all."))
        elif len(providers) > MAX_PROVIDERS:
            errors.add("providers", _("At most %(max)s providers.") % {"max": MAX_PROVIDERS})
        else:
            for j, slug in enumerate(providers):
                if not isinstance(slug, str) or not slug:
                    errors.add(f"providers[{j}]", _("Expected a provider slug."))
                elif problem := _id_problem(slug):
                    errors.add(f"providers[{j}]", problem)

    detail = data.get("detail", False)
    if not isinstance(detail, bool):
        errors.add("detail", _("Expected true or false."))
    elif detail and isinstance(usage, list) and len(usage) > MAX_DETAIL_LINES:
        errors.add(
            "detail",
            _("Detail is given for at most %(max)s usage lines; leave it out for more.")
            % {"max": MAX_DETAIL_LINES},
        )

    baseline = data.get("baseline")
    if baseline is None:
        baseline = BASELINE
    if baseline not in BASELINES:
        errors.add(
            "baseline", _("Expected %(choices)s, or null for openai.") % {"choices": " or ".join(BASELINES)}
        )

    region = data.get("region")
    if region is not None and region not in REGIONS:
        errors.add("region", _("Expected cn, intl or null (the vendors' home prices)."))
    hourly_usage = parse_hourly_usage(data.get("hourly_usage"), "hourly_usage", errors)
    sample = parse_sample(data.get("sample"), "sample", errors)

    if errors:
        raise EstimateError(dict(errors))
    return EstimateRequest(
        usage=lines,
        months=months,
        currency=currency,
        as_of=as_of,
        include_expired=include_expired,
        new_customer=new_customer,
        providers=list(dict.fromkeys(providers)) if providers is not None else None,
        detail=detail,
        region=region,
        hourly_usage=hourly_usage,
        sample=sample,
        baseline=baseline,
    )


def parse_sample(value, path, errors):
    """Rule 9's `sample`: null/absent or a list of strings (at most 1 MB of text, no NUL, no
    unpaired surrogate) -> an offers.tokens.Sample, or None when absent or empty."""
    if value is None:
        return None
    try:
        texts = tokens.validate_sample(value)
    except tokens.SampleError as exc:
        errors.add(path, str(exc))
        return None
    return tokens.Sample.of(texts) if any(texts) else None


def parse_hourly_usage(value, path, errors):
    """24 weights >= 0, not all 0, as exact Fractions (0.1 is 1/10), or None; errors by path."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != HOURS:
        errors.add(path, _("Expected a list of 24 numbers (UTC hours 0 to 23), or null."))
        return None
    weights = []
    for h, raw in enumerate(value):
        weight = _weight(raw)
        if weight is None:
            errors.add(f"{path}[{h}]", _("Expected a number, 0 or more."))
        weights.append(weight)
    if None in weights:
        return None
    if not any(weights):
        errors.add(path, _("At least one hour must have usage."))
        return None
    return tuple(weights)


def _weight(raw):
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = Fraction(raw)
    elif isinstance(raw, float) and math.isfinite(raw):
        value = Fraction(Decimal(repr(raw)))  # the number as written: 0.1 is 1/10
    elif isinstance(raw, str):
        try:
            number_ = Decimal(raw.strip())
        except ArithmeticError:
            return None
        if not number_.is_finite():
            return None
        value = Fraction(number_)
    else:
        return None
    return value if 0 <= value <= MAX_TOKENS else None


def _parse_date(value):
    if not isinstance(value, str) or not DATE_RE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
