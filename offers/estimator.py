"""Price a team's OpenAI usage at every vendor, month by month (shared/DESIGN.md, "Estimator rules").

Three steps, each usable alone:

- `parse_request(data)` checks the JSON request (types, ranges) and returns an `EstimateRequest`,
  or raises `EstimateError` with messages keyed by JSON path ("usage[0].output_tokens").
- `load_snapshot(request)` selects what the request needs from the compiled catalog of the
  current version (`offers.compiled`: built once per version and process in a fixed number of
  queries, 8 whatever the size of the catalog); no SQL beyond the version check.
- `estimate(request, snapshot)` is pure computation over that snapshot and returns the response
  document of the contract; catalog-dependent errors (unknown model, no OpenAI price, no rate into
  the output currency) raise `EstimateError` too.

Decisions the design leaves open, stated once here:

- One price per line for the whole horizon: prices are read as of `as_of`, rates too.
- Prompt length for tiers is ceil(input_tokens / requests): tier bounds count whole tokens, so a
  fractional average belongs to the tier holding the next whole token (32000.5 -> 32001). No tier
  holding it leaves the line unpriced. Without `requests`, the tier with the smallest minimum.
- A model listed in several currencies is priced in its "home" currency: the currency of most of
  its input rows (then alphabetical). Other kinds use rows in that currency where they exist,
  otherwise their own rows, converted.
- A cached_input row missing (or with no tier holding the prompt length) means the input price.
- "The order programmes and benefits are listed" is the catalog's: programmes by slug (the order
  of the catalog format and of `programs` in the response), benefits by position in the document.
- A programme with no starts_on has started, with no ends_on has not ended ("open ends").
- `perks` lists each perk kind once, sorted.
- Every benefit selects lines by alternative model, so lines sharing an alternative model share
  their uncovered fraction u; the simulation runs per model group, which keeps 10,000 lines fast.
- FX: direct rate on or before as_of, else inverse, else cross via USD (each leg direct or
  inverse on or before as_of); only then the earliest later rate (direct, inverse, cross), and the
  fx entry carries `"after_as_of": true`. A credit that cannot be converted is not counted (noted
  in the detail); a price that cannot be converted makes the vendor incomplete.
- Rule 4: the counterpart of an OpenAI model is `offers.counterparts` (the same function the pages
  use); an override names a model directly and is used whatever its dates.
- Rule 5: programmes are read once with their state on as_of (`MigrationProgram.status_on`);
  `programs_left_out` lists published programmes only (unpublished ones are omitted).
- Rule 6: a model's rows are chosen by region, then tier, then window (`select_rows`); "has any"
  means any row in force on as_of, of any kind. Window rows take their window's share of the
  tokens of the kinds they price (cached tokens fall back to the window's input row); the
  all-day rows price the rest. Windows of one model are expected not to overlap: a later window
  (by `window_key`) gets at most the share the earlier ones left. Hourly weights are exact (a
  JSON 0.1 is 1/10); minutes are counted one by one in the window's zone, so DST days and
  half-hour offsets come out exact.
- Warnings (`warnings`, additive): `fx_rate_far_from_as_of` for every rate used dated more than
  45 days before or after as_of; `stale_price` for every (provider, model) whose price rows used
  include one checked more than BANJIA_STALE_AFTER_DAYS days before as_of. For as_of = today
  that is the pages' "stale"; for a past as_of a price checked on or after as_of - N days is
  fresh, including a check made after as_of (a row in force on as_of and seen later was the
  price then); a future as_of is judged against that date too, so a long projection from a
  far date warns. Only prices that priced a line of the baseline or of a complete alternative
  count.
- savings_percent is null when the baseline total is 0. Ties in the ranking are on total_cost at
  the cent, then provider slug.
- Arithmetic is exact and never uses floats: prices, rates and benefits are read as Decimals; a
  line's cost is one Fraction (1/rate and c/E are not finite decimals) and `simulate` works in
  integers over common scales (see its docstring), so a result of exactly half a cent rounds up
  however it was reached; money is rounded half up (away from 0) to 2 places only when written. Token
  counts in `detail` and derived rates are written with at most 6 and 12 decimals.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from . import compiled as compiled_catalog
from . import safety
from .catalog_io import fmt_decimal
from .fx import RATE_OLD_AFTER_DAYS
from .models import (
    WEEKDAYS,
    Benefit,
    MigrationProgram,
    Model,
    Price,
    window_key,
)
from .safety import is_clean, printable

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
# 10,000 lines are accepted and priced (lines are grouped by model, so this stays fast);
# more are refused with an error on "usage".
MAX_USAGE_LINES = 10_000
# A quadrillion tokens a month is far beyond any real bill; the cap keeps numbers sane.
MAX_TOKENS = 10**15
# Bounds on one request's cost (README "Limits"): strings, overrides, providers, detail, errors.
MAX_ID_LENGTH = 200  # a model id or provider slug
MAX_OVERRIDES_PER_LINE = 50
MAX_OVERRIDES = 2_000  # over all lines
MAX_PROVIDERS = 200
MAX_DETAIL_LINES = 100  # "detail": true is for up to this many usage lines
MAX_ERRORS = 50  # error paths reported; the rest are counted under "more"
DAYS_PER_MONTH = 30
MILLION = 1_000_000
CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
POOL_KINDS = (Benefit.Kind.FREE_TOKENS, Benefit.Kind.MATCHED_TOKENS)
STANDARD = str(Price.ServiceTier.STANDARD)
SERVICE_TIERS = tuple(str(t) for t in Price.ServiceTier)
REGIONS = tuple(str(r) for r in Price.Region)
HOURS = 24
CACHE_WRITES = ("cache_write_5m_tokens", "cache_write_1h_tokens")
# Input kinds a model may lack: their tokens are then priced at the input row (rules 1 and 10).
OPTIONAL_INPUT_KINDS = (Price.Kind.CACHED_INPUT, Price.Kind.CACHE_WRITE_5M, Price.Kind.CACHE_WRITE_1H)
# The token slots of a line's plan: (price kind, index into price_line's token tuple).
TOKEN_SLOTS = (
    (Price.Kind.INPUT, 0),
    (Price.Kind.CACHED_INPUT, 1),
    (Price.Kind.CACHE_WRITE_5M, 2),
    (Price.Kind.CACHE_WRITE_1H, 3),
    (Price.Kind.OUTPUT, 4),
)
# A rate dated further than this from as_of is named in `warnings` (issue 8, point 4).
PERK_KINDS = {str(k) for k in Benefit.PERKS}
# The same kinds as plain strings, for the simulation's hot loop (enum member lookups are slower).
_FREE, _MATCHED, _CREDIT, _DISCOUNT = (
    str(k.value)
    for k in (
        Benefit.Kind.FREE_TOKENS,
        Benefit.Kind.MATCHED_TOKENS,
        Benefit.Kind.CREDIT,
        Benefit.Kind.DISCOUNT,
    )
)
_POOLS = frozenset((_FREE, _MATCHED))
# Line plans kept per catalog version (price_line); the dict is emptied when it reaches this size.
MAX_PLANS = 20_000


@lru_cache(maxsize=4096)
def exact(value):
    """A Decimal from the catalog (price, rate, ratio, percent) as an exact Fraction."""
    return Fraction(value)


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
    # Rule 10: parts of input_tokens written to the prompt cache (apart from cached_input_tokens).
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    context_window: str | None = None  # "200k-1M": every request above 200K input tokens

    @property
    def tokens(self):
        return self.input_tokens + self.output_tokens

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
    providers: list | None = None
    detail: bool = False
    region: str | None = None  # rule 6: None (home prices), "cn" or "intl"
    hourly_usage: tuple | None = None  # rule 6: 24 exact weights (Fractions), or None
    baseline: str = BASELINE  # rule 10: whose bill the usage lines are, "openai" or "anthropic"

    def __post_init__(self):
        if self.as_of is None:
            self.as_of = timezone.localdate()


class _Errors(dict):
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
        model=model.strip(), requests=requests, overrides=dict(overrides), service_tier=service_tier,
        context_window=context_window, **counts,
    )  # fmt: skip


def parse_request(data):
    """Check a request document (already decoded JSON); raise EstimateError on any problem."""
    errors = _Errors()
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

    include_expired = data.get("include_expired", False)
    if include_expired is None:
        include_expired = False
    if not isinstance(include_expired, bool):
        errors.add("include_expired", _("Expected true or false."))

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

    if errors:
        raise EstimateError(dict(errors))
    return EstimateRequest(
        usage=lines,
        months=months,
        currency=currency,
        as_of=as_of,
        include_expired=include_expired,
        providers=list(dict.fromkeys(providers)) if providers is not None else None,
        detail=detail,
        region=region,
        hourly_usage=hourly_usage,
        baseline=baseline,
    )


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


# --- the catalog snapshot ---------------------------------------------------------------------


# The catalog is read once per version into `offers.compiled` (rows as small tuples, shared by
# every request); `load_snapshot` selects one request's part of it in Python.
PRICE_FIELDS = compiled_catalog.PRICE_FIELDS
BENEFIT_FIELDS = compiled_catalog.BENEFIT_FIELDS


@dataclass(frozen=True, slots=True)
class ModelRef:
    pk: int
    slug: str
    name: str
    kind: str = "chat"


@dataclass(slots=True)
class BenefitRow:
    id: int
    program_id: int
    kind: str
    tokens: int | None
    ratio: Decimal | None
    percent: Decimal | None
    months: int | None
    amount: Decimal | None
    currency: str
    valid_days: int | None
    description: str
    models: list = field(default_factory=list)  # ModelRef; empty = every line


@dataclass
class Snapshot:
    """What one estimate reads from the catalog, loaded by `load_snapshot`."""

    as_of: date
    providers: list  # the published alternative providers asked for, by slug
    openai_models: dict  # slug -> ModelRef: the baseline's models (OpenAI's, or Anthropic's: rule 10)
    models: dict  # (provider slug, model slug) -> ModelRef, for overrides
    mappings: dict  # (openai slug, provider id) -> ModelRef of the counterpart on as_of (rule 4)
    prices: dict  # model id -> [price row (PRICE_FIELDS)] in force on as_of
    programs: dict  # provider id -> [MigrationProgram] in application order
    programs_left_out: dict  # provider id -> [{"program", "reason", "date"}] (rule 5)
    benefits: dict  # programme id -> [BenefitRow] by position
    rates: list  # candidate ExchangeRate rows (latest <= as_of and earliest later, per pair)
    unknown_providers: list = field(default_factory=list)  # (index, slug) asked for, not published
    # OpenAI model slug -> the later valid_from its baseline is priced at (no price yet on as_of)
    baseline_after: dict = field(default_factory=dict)
    plans: dict | None = None  # the compiled catalog's line plans (price_line), shared per version
    catalog: object = None  # the compiled catalog it was selected from (offers.compiled.Compiled)


AUDIENCE = "audience"  # rule 5: a programme for another baseline's users (programs_left_out reason)


def _for_baseline(program, baseline):
    """Rule 5, who a programme is for: one with an audience ("openai", "anthropic") counts only for
    that baseline; one without, for anyone."""
    audience = getattr(program, "audience", None)
    return not audience or audience == baseline


def load_snapshot(req, catalog=None):
    """The part of the catalog `req` needs, selected in Python from the compiled catalog of the
    current version (`offers.compiled`): no SQL beyond the version check, except for the build
    queries (a fixed number) of the first request after a catalog change. `catalog` is a
    `Compiled` catalog to read instead (benchmarks)."""
    catalog = catalog if catalog is not None else compiled_catalog.compiled()
    as_of = req.as_of
    baseline = getattr(req, "baseline", BASELINE)
    openai_slugs = sorted({line.model for line in req.usage})
    override_pairs = {(p, m) for line in req.usage for p, m in line.overrides.items() if isinstance(m, str)}

    # The alternative providers (published, by slug): the vendors, and for a Claude baseline OpenAI.
    providers = catalog.providers
    others = [
        catalog.baseline_providers[s]
        for s in ALTERNATIVE_BASELINES[baseline]
        if s in catalog.baseline_providers
    ]
    if others:
        providers = sorted([*providers, *others], key=lambda p: p.slug)
    if req.providers is not None:
        asked = set(req.providers)
        providers = [p for p in providers if p.slug in asked]
    else:
        providers = list(providers)
    found = {p.slug for p in providers}
    unknown = [
        (j, slug) for j, slug in enumerate(req.providers or ()) if slug not in found and slug != baseline
    ]
    provider_ids = {p.pk for p in providers}

    # The OpenAI models of the lines and the models named by overrides.
    models = {}
    for key in [(baseline, slug) for slug in openai_slugs] + sorted(override_pairs):
        model = catalog.models.get(key)
        if model is not None:
            models[key] = model
    openai_models = {slug: m for (p, slug), m in models.items() if p == baseline}

    # The counterpart of each OpenAI model at each provider on as_of (rule 4): the best-ranked
    # mapping whose model is available (released, not yet retired) on as_of.
    mappings = {}
    for slug, model in openai_models.items():
        for provider_id, counterpart in catalog.counterpart(model.pk, provider_ids, as_of).items():
            mappings[(slug, provider_id)] = counterpart

    # Prices in force on as_of of every model involved, of every tier, region and window (rule 6
    # chooses among them per line in `select_rows`). A line's OpenAI model launched after as_of
    # (gpt-4o-mini on 2024-07-18, asked about on 2024-07-10) is priced at its first price and the
    # response warns, rather than refusing the whole estimate.
    model_ids = {m.pk for m in models.values()} | {m.pk for m in mappings.values()}
    prices, baseline_after = {}, {}
    for model_id in model_ids:
        rows = [
            p
            for p in catalog.prices.get(model_id, ())
            if p.valid_from <= as_of and (p.valid_to is None or p.valid_to > as_of)
        ]
        if rows:
            prices[model_id] = rows
    for slug, model in openai_models.items():
        if model.pk not in prices:
            later = [p for p in catalog.prices.get(model.pk, ()) if p.valid_from > as_of]
            if later:
                first = min(p.valid_from for p in later)
                prices[model.pk] = [p for p in later if p.valid_from == first]
                baseline_after[slug] = first

    # Published programmes with their state on as_of (rule 5) and the benefits of those that
    # apply. Unpublished programmes are not in the compiled catalog: the public API omits them
    # from programs_left_out.
    programs, left_out, benefits = {}, {}, {}
    counted = {MigrationProgram.ACTIVE}
    if req.include_expired:
        counted |= {MigrationProgram.ENDED, MigrationProgram.UNCONFIRMED}
    for provider in providers:
        for program in catalog.programs.get(provider.pk, ()):
            state, when = program.status_on(as_of)
            if state in counted and not _for_baseline(program, baseline):
                state, when = AUDIENCE, None
            if state in counted:
                programs.setdefault(program.provider_id, []).append(program)
                benefits[program.pk] = catalog.benefits.get(program.pk, [])
            else:
                left_out.setdefault(program.provider_id, []).append(
                    {"program": program.slug, "reason": state, "date": when.isoformat() if when else None}
                )

    # Rates between every currency involved (and USD, for crosses): per pair the latest on or
    # before as_of and the earliest after it.
    currencies = {req.currency, USD} | {p.currency for rows in prices.values() for p in rows}
    currencies |= {
        b.currency for rows in benefits.values() for b in rows if b.kind == Benefit.Kind.CREDIT and b.currency
    }
    rates = catalog.rate_rows(currencies, as_of) if len(currencies) > 1 else []
    return Snapshot(
        as_of=as_of,
        providers=providers,
        openai_models=openai_models,
        models=models,
        mappings=mappings,
        prices=prices,
        programs=programs,
        programs_left_out=left_out,
        benefits=benefits,
        rates=rates,
        unknown_providers=unknown,
        baseline_after=baseline_after,
        plans=catalog.plans,
        catalog=catalog,
    )


# --- exchange rates ---------------------------------------------------------------------------


class Fx:
    """Conversion factors into one currency, by the rule of DESIGN.md step 6."""

    def __init__(self, rows, as_of, currency):
        self.currency = currency
        self.as_of = as_of
        self.before = {}
        self.after = {}
        for row in rows:
            table = self.before if row.date <= as_of else self.after
            table[(row.base, row.quote)] = row
        self._cache = {}

    def _leg(self, a, b, table):
        row = table.get((a, b))
        if row is not None and row.rate > 0:
            return exact(row.rate), (row,)
        row = table.get((b, a))
        if row is not None and row.rate > 0:
            return 1 / exact(row.rate), (row,)
        return None

    def _leg_any(self, a, b):
        return self._leg(a, b, self.before) or self._leg(a, b, self.after)

    def _cross(self, a, b, leg):
        if USD in (a, b):
            return None
        first, second = leg(a, USD), leg(USD, b)
        if first and second:
            return first[0] * second[0], first[1] + second[1]
        return None

    def factor(self, currency):
        """(rate, rows used) to convert an amount in `currency`, or None when no rate exists."""
        if currency == self.currency:
            return Fraction(1), ()
        if currency not in self._cache:
            a, b = currency, self.currency
            self._cache[currency] = (
                self._leg(a, b, self.before)
                or self._cross(a, b, lambda x, y: self._leg(x, y, self.before))
                or self._leg(a, b, self.after)
                or self._cross(a, b, self._leg_any)
            )
        return self._cache[currency]


def fx_entry(row, as_of):
    entry = {
        "base": row.base,
        "quote": row.quote,
        "rate": fmt_decimal(row.rate),
        "date": row.date.isoformat(),
    }
    if row.date > as_of:
        entry["after_as_of"] = True
    return entry


# --- pricing one line -------------------------------------------------------------------------


class Unpriced(Exception):
    """A line cannot be priced; `fx` tells a missing rate from a missing price."""

    def __init__(self, reason, *, fx=False):
        self.reason = reason
        self.fx = fx
        super().__init__(reason)


@dataclass
class PricedLine:
    line: UsageLine
    model: ModelRef
    parts: list  # (kind used for, tokens, price row, rate into the output currency)
    monthly_cost: Fraction
    rates: tuple  # ExchangeRate rows used
    tier_used: str = STANDARD  # rule 6: the service tier whose rows priced the line
    windows: list = field(default_factory=list)  # rule 6: [{"window", "share", "saved"}]


def _tier_min(price):
    return price.tier_min_input_tokens or 0


def _tier_max(price):
    return math.inf if price.tier_max_input_tokens is None else price.tier_max_input_tokens


def _pick_tier(rows, length):
    if length is None:
        return min(rows, key=lambda p: (_tier_min(p), _tier_max(p), p.id))
    holding = [p for p in rows if _tier_min(p) <= length <= _tier_max(p)]
    if not holding:
        return None
    # Overlapping tiers: the narrowest one that holds the prompt length.
    return min(holding, key=lambda p: (-_tier_min(p), _tier_max(p), p.id))


def _home_currency(rows):
    counts = {}
    for p in rows:
        counts[p.currency] = counts.get(p.currency, 0) + 1
    return min(counts, key=lambda c: (-counts[c], c))


def choose_prices(model, rows, line, on):
    """The Price rows used for input, cached_input and output of `line` at `model`."""
    by_kind = {}
    for p in rows:
        by_kind.setdefault(p.kind, []).append(p)
    # Embedding models produce no output tokens and vendors publish no output price for them.
    needed = (Price.Kind.INPUT,) if _input_only(model, line) else (Price.Kind.INPUT, Price.Kind.OUTPUT)
    for kind in needed:
        if not by_kind.get(kind):
            raise Unpriced(
                _("%(model)s has no %(kind)s price on %(date)s")
                % {"model": model.slug, "kind": Price.Kind(kind).label.lower(), "date": on.isoformat()}
            )
    home = _home_currency(by_kind[Price.Kind.INPUT])
    length = line.prompt_length
    chosen = {}
    for kind in (Price.Kind.INPUT, *OPTIONAL_INPUT_KINDS, Price.Kind.OUTPUT):
        kind_rows = by_kind.get(kind)
        if not kind_rows:
            continue
        same = [p for p in kind_rows if p.currency == home]
        if not same:
            other = _home_currency(kind_rows)
            same = [p for p in kind_rows if p.currency == other]
        tier = _pick_tier(same, length)
        if tier is None and kind not in OPTIONAL_INPUT_KINDS:
            raise Unpriced(
                _("%(model)s has no %(kind)s price tier for a prompt of %(n)s tokens")
                % {"model": model.slug, "kind": Price.Kind(kind).label.lower(), "n": f"{length:,}"}
            )
        if tier is not None:
            chosen[kind] = tier
    for kind in OPTIONAL_INPUT_KINDS:  # rules 1 and 10: else the input price
        chosen.setdefault(kind, chosen[Price.Kind.INPUT])
    return chosen


def _input_only(model, line):
    return model.kind == Model.Kind.EMBEDDING and line.output_tokens == 0


@dataclass(frozen=True)
class Dimensions:
    """The request's pricing dimensions (rule 6) beside each line's service tier."""

    region: str | None = None
    hourly_usage: tuple | None = None
    as_of: date | None = None


def select_rows(rows, line, dims):
    """Rule 6: (all-day rows, {window key: window rows}, tier used) of one model for `line`.

    By region (the request's region where the model has any row of it, else the home rows with
    region null), then service tier (the line's tier where the model has any row of it, else
    standard), then window (rows without a window; rows with one only with an hourly profile)."""
    region = dims.region if dims else None
    regional = [p for p in rows if p.region == region] if region is not None else []
    rows = regional or [p for p in rows if p.region is None]
    tier_used = line.service_tier
    tiered = [p for p in rows if p.service_tier == tier_used]
    if not tiered and tier_used != STANDARD:
        tier_used = STANDARD
        tiered = [p for p in rows if p.service_tier == STANDARD]
    all_day = [p for p in tiered if p.time_window is None]
    windows = {}
    if dims is not None and dims.hourly_usage is not None:
        for p in tiered:
            if p.time_window is not None:
                windows.setdefault(window_key(p.time_window), []).append(p)
    return all_day, windows, tier_used


@lru_cache(maxsize=512)
def _window_minutes(key, as_of):
    """Per UTC hour h: the minutes of h inside the window, summed over the 7 days from as_of, in
    hours (/60) and averaged over the days (/7), exactly. `key` is (start, end, tz, days)."""
    start, end, tz, days = key
    zone = ZoneInfo(tz)
    s = int(start[:2]) * 60 + int(start[3:])
    e = int(end[:2]) * 60 + int(end[3:])
    allowed = None if days is None else {WEEKDAYS.index(d) for d in days}

    def on(weekday):
        return allowed is None or weekday in allowed

    def inside(t, wd):
        # Past midnight (e <= s) the evening part belongs to its day, the morning to the day before.
        if s < e:
            return s <= t < e and on(wd)
        return (t >= s and on(wd)) or (t < e and on((wd - 1) % 7))

    counts = [0] * HOURS
    for k in range(7):
        day = as_of + timedelta(days=k)
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        for hour in range(HOURS):
            begin = midnight + timedelta(hours=hour)
            first = begin.astimezone(zone)
            last = (begin + timedelta(minutes=59)).astimezone(zone)
            if first.utcoffset() == last.utcoffset():
                # One offset all hour (the usual case): step through local minutes arithmetically.
                t0, wd0 = first.hour * 60 + first.minute, first.weekday()
                for minute in range(60):
                    t, wd = t0 + minute, wd0
                    if t >= 24 * 60:
                        t, wd = t - 24 * 60, (wd + 1) % 7
                    counts[hour] += inside(t, wd)
            else:  # the offset changes within this hour: convert each minute
                for minute in range(60):
                    local = (begin + timedelta(minutes=minute)).astimezone(zone)
                    counts[hour] += inside(local.hour * 60 + local.minute, local.weekday())
    return tuple(Fraction(c, 60 * 7) for c in counts)


def window_share(window, hourly_usage, as_of):
    """The share of tokens sent inside `window` (rule 6), exact: sum over the UTC hours of
    share(h) x the hours of h inside the window (averaged over the 7 days from as_of)."""
    key = (
        window["start"],
        window["end"],
        window["tz"],
        tuple(window["days"]) if window.get("days") else None,
    )
    minutes = _window_minutes(key, as_of)
    total = sum(hourly_usage, Fraction(0))
    return sum((w * m for w, m in zip(hourly_usage, minutes, strict=True)), Fraction(0)) / total


def _window_prices(rows, length, home):
    """The rows of one window per kind (rule 1 within the window); cached falls back to the
    window's input row. Kinds the window does not price keep the all-day price."""
    chosen = {}
    for kind in (Price.Kind.INPUT, Price.Kind.CACHED_INPUT, Price.Kind.OUTPUT):
        kind_rows = [p for p in rows if p.kind == kind]
        if not kind_rows:
            continue
        same = [p for p in kind_rows if p.currency == home] or [
            p for p in kind_rows if p.currency == _home_currency(kind_rows)
        ]
        tier = _pick_tier(same, length)
        if tier is not None:
            chosen[kind] = tier
    if Price.Kind.INPUT in chosen:
        for kind in OPTIONAL_INPUT_KINDS:  # rules 1 and 10: else the input price
            chosen.setdefault(kind, chosen[Price.Kind.INPUT])
    return chosen


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one model prices lines of one shape (service tier, prompt length, input only) under
    one request's dimensions and currency: which rows price which share of which tokens, and the
    cost of a token of each part in the output currency over a common denominator `den`.
    A plan depends on the catalog version only through its rows, so it is kept per version
    (`offers.compiled`) and shared by requests."""

    tier_used: str
    parts: tuple  # (kind, token slot 0..4 (uncached, cached, 5m write, 1h write, output), share, price, rate)
    nums: tuple  # per part: the cost of one token over `den`
    den: int
    rates: tuple  # ExchangeRate rows used
    windows: tuple  # (window, share, ((slot, share, price row, all-day row), ...))


def _plan_context(fx, dims):
    """The part of a plan's key that is the same for every line of one request."""
    return (
        fx.as_of,
        fx.currency,
        dims.region if dims else None,
        dims.hourly_usage if dims else None,
        get_language(),
    )


def price_line(line, model, rows, fx, dims=None, plans=None, context=None):
    """Monthly cost of `line` at `model` in the output currency; raises Unpriced.

    `plans` is a dict to keep plans in (the compiled catalog's, per version): the choice of rows
    and rates is then made once per model and line shape, and a line costs a few integer
    products and one Fraction. `context` is `_plan_context(fx, dims)`, worked out once per
    request by the caller (or here)."""
    length = line.prompt_length
    input_only = _input_only(model, line)
    plan = None
    if plans is not None:
        writes = bool(line.cache_write_5m_tokens or line.cache_write_1h_tokens)
        key = (model.pk, line.service_tier, length, input_only, writes, context or _plan_context(fx, dims))
        plan = plans.get(key)
    if plan is None:
        try:
            plan = _plan(line, model, rows, fx, dims)
        except Unpriced as exc:
            plan = exc
        if plans is not None:
            if len(plans) >= MAX_PLANS:
                plans.clear()
            plans[key] = plan
    if isinstance(plan, Unpriced):
        raise Unpriced(plan.reason, fx=plan.fx)
    tokens = (
        line.uncached_tokens,
        line.cached_input_tokens,
        line.cache_write_5m_tokens,
        line.cache_write_1h_tokens,
        line.output_tokens,
    )
    cost = Fraction(
        sum(tokens[part[1]] * num for part, num in zip(plan.parts, plan.nums, strict=True)), plan.den
    )
    parts = [
        (kind, tokens[slot] if share == 1 else tokens[slot] * share, price, rate)
        for kind, slot, share, price, rate in plan.parts
    ]
    offpeak = []
    for window, share, kinds in plan.windows:
        saved = (
            sum(
                (
                    tokens[slot]
                    * part
                    * (
                        exact(base.amount) * fx.factor(base.currency)[0]
                        - exact(price.amount) * fx.factor(price.currency)[0]
                    )
                    for slot, part, price, base in kinds
                ),
                Fraction(0),
            )
            / MILLION
        )
        offpeak.append({"window": window, "share": share, "saved": saved})
    return PricedLine(
        line=line, model=model, parts=parts, monthly_cost=cost, rates=plan.rates, tier_used=plan.tier_used,
        windows=offpeak,
    )  # fmt: skip


def _plan(line, model, rows, fx, dims):
    """The `_Plan` of `line`'s shape at `model`; raises Unpriced."""
    all_day, windows, tier_used = select_rows(rows, line, dims)
    chosen = choose_prices(model, all_day, line, fx.as_of)
    # Lines without cache writes (every OpenAI line) have no cache-write parts: their detail is as before.
    writes = line.cache_write_5m_tokens or line.cache_write_1h_tokens
    kinds = TOKEN_SLOTS if writes else tuple(k for k in TOKEN_SLOTS if k[1] not in (2, 3))
    # Rule 6 windows: each takes its share of the tokens of the kinds it prices; the all-day
    # rows price the rest. Overlapping windows (not expected) are capped at what is left.
    portions = []  # (kind, slot, share, price)
    window_uses = []  # (window, share, ((slot, share, window price, all-day price), ...))
    left = {kind: Fraction(1) for kind, _s in kinds}
    if windows:
        home = _home_currency([p for p in all_day if p.kind == Price.Kind.INPUT] or all_day or rows)
        for key in sorted(windows):
            window_rows = windows[key]
            share = window_share(window_rows[0].time_window, dims.hourly_usage, dims.as_of)
            wchosen = _window_prices(window_rows, line.prompt_length, home)
            if share == 0 or not wchosen:
                continue
            used = []
            for kind, slot in kinds:
                price = wchosen.get(kind)
                if price is None or kind not in chosen:
                    continue
                part = min(share, left[kind])
                left[kind] -= part
                portions.append((kind, slot, part, price))
                used.append((slot, part, price, chosen[kind]))
            window_uses.append((window_rows[0].time_window, share, tuple(used)))
    all_day_portions = []
    for kind, slot in kinds:
        price = chosen.get(kind)
        if price is None:  # an embedding line: no output tokens, no output price needed
            continue
        all_day_portions.append((kind, slot, 1 if left[kind] == 1 else left[kind], price))
    parts, used, coefs = [], [], []
    for kind, slot, share, price in all_day_portions + portions:
        got = fx.factor(price.currency)
        if got is None:
            raise Unpriced(
                _("no exchange rate from %(a)s to %(b)s") % {"a": price.currency, "b": fx.currency}, fx=True
            )
        rate, rows_used = got
        used.extend(rows_used)
        parts.append((kind, slot, share, price, rate))
        n, scale = _scaled(price.amount)
        coefs.append(Fraction(n, MILLION * 10**scale) * share * rate)
    den = math.lcm(1, *(c.denominator for c in coefs))
    return _Plan(
        tier_used=tier_used,
        parts=tuple(parts),
        nums=tuple(c.numerator * (den // c.denominator) for c in coefs),
        den=den,
        rates=tuple(used),
        windows=tuple(window_uses),
    )


@lru_cache(maxsize=4096)
def _scaled(amount):
    """A Decimal price as (n, k) with amount = n / 10^k exactly."""
    sign, digits, exponent = amount.as_tuple()
    n = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    if exponent >= 0:
        return n * 10**exponent, 0
    return n, -exponent


# --- programmes -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Group:
    """Lines sharing one alternative model: they share their uncovered fraction.

    `scaled_list` and `scaled_tokens` are the list cost and tokens over the simulation's common
    money and token scales; `u` (the tokens not yet covered by a pool this month, scaled) and
    `cost` (this month's cost so far, scaled) are reset every month."""

    tokens: int
    list_num: int  # the list cost over the lines' common denominator (simulate's `line_scale`)
    scaled_list: int = 0
    scaled_tokens: int = 0
    u: int = 0
    cost: int = 0


@dataclass(slots=True)
class _BenefitUse:
    benefit: BenefitRow
    program: MigrationProgram
    models: frozenset | None  # model ids, None = every line
    size: Fraction | int | None = None  # pool tokens or credit amount in the output currency
    remaining: int | None = None  # over the simulation's scale (tokens or money)
    note: str = ""
    groups: list = field(default_factory=list)  # the _Groups it covers
    cut: tuple = (0, 1)  # a discount's percent / 100 as (numerator, denominator)
    # Per month, over the simulation's scales: tokens (pools) or money (credits) used; money saved.
    scaled_used: list = field(default_factory=list)
    scaled_value: list = field(default_factory=list)
    used_scale: int = 1
    value_scale: int = 1
    full_demand: int = 0  # a pool's demand with every line uncovered (0: it can never be used)
    until: int = 0  # the last month it can be used in (`usable`), within the horizon
    live: bool = False  # a pool's state this month

    def usable(self, month):
        days = self.benefit.valid_days
        return days is None or (month - 1) * DAYS_PER_MONTH < days

    def covers(self, model_id):
        return self.models is None or model_id in self.models

    @property
    def used(self):
        """Per month: tokens (pools) or money (credits, discounts) used, exact Fractions."""
        return _unscaled(self.scaled_used, self.used_scale)

    @property
    def value(self):
        """Per month: money saved, exact Fractions."""
        return _unscaled(self.scaled_value, self.value_scale)


@lru_cache(maxsize=256)
def _cut(percent):
    """A discount's percent / 100 as (numerator, denominator), reduced."""
    cut = exact(percent) / 100
    return cut.numerator, cut.denominator


def _unscaled(values, scale):
    memo = {}
    out = []
    for v in values:
        if v not in memo:
            memo[v] = Fraction(v, scale) if type(v) is int else v / scale
        out.append(memo[v])
    return out


def simulate(priced, programs, benefits, months, fx, detail=True):
    """Apply the programmes to priced lines month by month; returns a dict of exact Fractions.
    Without `detail`, the month by month figures (each benefit's use and value, "month_costs")
    are not kept: "month_costs" is None and the benefits' `used` and `value` are empty.

    Arithmetic is in integers over two scales common to the whole simulation: money over the lcm
    of the lines' list costs' and credits' denominators times every discount's denominator (so a
    discount's share of a group's cost divides exactly), tokens over the lcm of the pools' sizes'
    denominators. Only the month a pool runs out (it covers a fraction of the demand) can leave
    the integers: that fraction's denominator (the demand) enters once, not month by month.

    Cost: every month costs O(P x G + D x G + C) integer operations (P pools, D discounts,
    C credits, G groups of lines sharing a model) while a pool or a time-limited discount is still
    running; once none is (pools spent or expired, discounts past their months), the month's cost
    before credits is computed once and each later month costs O(C) for the credits, and once the
    credits are spent too the remaining months are copies of one month: O(1) each."""
    # The list costs in integers over the lcm of the lines' denominators (no Fraction sums).
    line_scale = math.lcm(1, *(pl.monthly_cost.denominator for pl in priced))
    groups = {}
    openai_tokens = 0
    for pl in priced:
        g = groups.get(pl.model.pk)
        if g is None:
            g = groups[pl.model.pk] = _Group(tokens=0, list_num=0)
        tokens = pl.line.tokens
        g.tokens += tokens
        openai_tokens += tokens
        cost = pl.monthly_cost
        g.list_num += cost.numerator * (line_scale // cost.denominator)
    month_list = Fraction(sum(g.list_num for g in groups.values()), line_scale)

    uses, perks, rates = [], set(), []
    for program in programs:
        for b in benefits.get(program.pk, ()):
            if b.kind in PERK_KINDS:
                perks.add(b.kind)
                continue
            ids = frozenset(m.pk for m in b.models) or None
            use = _BenefitUse(benefit=b, program=program, models=ids)
            kind = b.kind
            if kind == _FREE:
                use.size = b.tokens  # an int: its numerator and denominator are those of Fraction(tokens)
            elif kind == _MATCHED:
                use.size = exact(b.ratio) * openai_tokens
            elif kind == _CREDIT:
                got = fx.factor(b.currency)
                if got is None:
                    use.size = Fraction(0)
                    use.note = _("not counted: no exchange rate from %(a)s to %(b)s") % {
                        "a": b.currency,
                        "b": fx.currency,
                    }
                else:
                    use.size = exact(b.amount) * got[0]
                    rates.extend(got[1])
            elif kind != _DISCOUNT:
                continue
            use.groups = (
                list(groups.values()) if ids is None else [g for pk, g in groups.items() if pk in ids]
            )
            uses.append(use)
    if not uses:
        # No programme, or perks only: every month costs the list cost.
        return {
            "monthly_list_cost": month_list,
            "month_costs": [month_list] * months if detail else None,
            "total_cost": month_list * months,
            "benefits": uses,
            "perks": sorted(perks),
            "rates": rates,
        }
    pools = [x for x in uses if x.benefit.kind in _POOLS]
    discounts = [x for x in uses if x.benefit.kind == _DISCOUNT]
    credits = [x for x in uses if x.benefit.kind == _CREDIT]

    # The common scales: money over the lcm of the lines' and credits' denominators times
    # every discount's denominator, tokens over the lcm of the pools' sizes' denominators. A share
    # that would not divide (a pool's last month) multiplies a scale first (`_Scales.share`).
    sc = _Scales(
        groups=list(groups.values()),
        pools=pools,
        credits=credits,
        uses=uses,
        token_scale=math.lcm(1, *(p.size.denominator for p in pools)),
        money_scale=math.lcm(line_scale, *(c.size.denominator for c in credits)),
    )
    for d in discounts:
        d.cut = _cut(d.benefit.percent)
        sc.money_scale *= d.cut[1]
    for g in sc.groups:
        g.scaled_list = g.list_num * (sc.money_scale // line_scale)
        g.scaled_tokens = g.tokens * sc.token_scale
    for p in pools:
        p.remaining = p.size.numerator * (sc.token_scale // p.size.denominator)
        p.full_demand = sum(g.scaled_tokens for g in p.groups)
    for c in credits:
        c.remaining = c.size.numerator * (sc.money_scale // c.size.denominator)

    # The last month each benefit can act in: usable(m) is (m - 1) x 30 < valid_days.
    for use in uses:
        days = use.benefit.valid_days
        use.until = months if days is None else min(months, -(-days // DAYS_PER_MONTH))
    limited = [d.benefit.months for d in discounts if d.benefit.months is not None]
    discounts_end = max(limited, default=0)  # after this month the live discounts never change
    always = (True,) * len(discounts)
    ends = [d.benefit.months for d in discounts]
    month_costs = sc.month_costs
    for month in range(1, months + 1):
        live_pools = False
        for p in pools:
            p.live = p.remaining > 0 and month <= p.until and p.full_demand > 0
            live_pools = live_pools or p.live
        live = always if not limited else tuple(end is None or month <= end for end in ends)
        settled = not live_pools and discounts_end < month
        settled = settled and all(c.remaining <= 0 or month > c.until for c in credits)
        found = None if live_pools else sc.quiet.get(live)
        if found is None:
            for g in sc.groups:
                g.u = g.scaled_tokens  # the tokens not yet covered this month
                g.cost = g.scaled_list
            for pool in pools:
                used = value = 0
                if pool.live:
                    chosen = pool.groups
                    demand = sum(g.u for g in chosen)
                    if demand > 0:
                        if pool.remaining >= demand:  # covers the whole demand
                            used = demand
                            for g in chosen:
                                value += g.cost
                                g.u = g.cost = 0
                        else:  # runs out: covers remaining / demand of each group
                            used, demand = sc.share_tokens(chosen, pool.remaining, demand)
                            value = sc.share_money(chosen, used, demand)
                        pool.remaining -= used
                if detail:
                    pool.scaled_used.append(used)
                    pool.scaled_value.append(value)
            sc.values = []
            for discount, on in zip(discounts, live, strict=True):
                sc.values.append(sc.share_money(discount.groups, *discount.cut) if on else 0)
            found = (sum(g.cost for g in sc.groups), sc.values)
            if not live_pools:
                sc.quiet[live] = found
        elif detail:
            for pool in pools:
                pool.scaled_used.append(0)
                pool.scaled_value.append(0)
        cost, values = found
        if detail:
            for discount, value in zip(discounts, values, strict=True):
                discount.scaled_used.append(value)
                discount.scaled_value.append(value)
        for credit in credits:
            used = 0
            if credit.remaining > 0 and month <= credit.until:
                used = min(credit.remaining, cost)
                credit.remaining -= used
                cost -= used
            if detail:
                credit.scaled_used.append(used)
                credit.scaled_value.append(used)
        month_costs.append(cost)
        if settled:
            # Nothing is left to spend: every later month is this one.
            rest = months - month
            if detail:
                for use in uses:
                    use.scaled_used.extend([use.scaled_used[-1]] * rest)
                    use.scaled_value.extend([use.scaled_value[-1]] * rest)
            month_costs.extend([cost] * rest)
            break
    for use in uses:
        use.used_scale = sc.token_scale if use.benefit.kind in _POOLS else sc.money_scale
        use.value_scale = sc.money_scale
    return {
        "monthly_list_cost": month_list,
        "month_costs": _unscaled(month_costs, sc.money_scale) if detail else None,
        "total_cost": Fraction(sum(month_costs), sc.money_scale),
        "benefits": uses,
        "perks": sorted(perks),
        "rates": rates,
    }


@dataclass(slots=True)
class _Scales:
    """The integer state of one simulation and its two scales (money, tokens). Every amount of
    money in it is an int over `money_scale`, every token count an int over `token_scale`; a
    share that would not divide exactly multiplies the scale (and everything over it) first."""

    groups: list
    pools: list
    credits: list
    uses: list  # every benefit: its values are money, and its used too unless it is a pool
    token_scale: int
    money_scale: int
    month_costs: list = field(default_factory=list)
    values: list = field(default_factory=list)  # this month's discount values so far
    quiet: dict = field(default_factory=dict)  # live discounts -> (cost, values) of a pool-free month

    def _money_times(self, k):
        self.money_scale *= k
        for g in self.groups:
            g.scaled_list *= k
            g.cost *= k
        for c in self.credits:
            c.remaining *= k
        for use in self.uses:
            use.scaled_value[:] = [v * k for v in use.scaled_value]
            if use.benefit.kind not in _POOLS:
                use.scaled_used[:] = [v * k for v in use.scaled_used]
        self.month_costs[:] = [v * k for v in self.month_costs]
        self.values[:] = [v * k for v in self.values]
        self.quiet.clear()

    def _tokens_times(self, k):
        self.token_scale *= k
        for g in self.groups:
            g.scaled_tokens *= k
            g.u *= k
        for p in self.pools:
            p.remaining *= k
            p.full_demand *= k
            p.scaled_used[:] = [v * k for v in p.scaled_used]

    def share_tokens(self, groups, used, demand):
        """Take used / demand of each group's uncovered tokens; returns (used, demand) rescaled."""
        k = demand // math.gcd(demand, used * math.gcd(*(g.u for g in groups)))
        if k > 1:
            self._tokens_times(k)
            used, demand = used * k, demand * k
        for g in groups:
            g.u -= g.u * used // demand
        return used, demand

    def share_money(self, groups, num, den):
        """Take num / den of each group's cost this month; returns the sum taken."""
        k = den // math.gcd(den, num * math.gcd(*(g.cost for g in groups)))
        if k > 1:
            self._money_times(k)
        taken = 0
        for g in groups:
            part = g.cost * num // den
            taken += part
            g.cost -= part
        return taken


# --- the estimate -----------------------------------------------------------------------------


def cents(value):
    """An exact amount (Fraction, Decimal or int) in whole cents, rounded half up (away from 0)."""
    if not isinstance(value, Fraction):
        value = Fraction(value)
    num, den = value.numerator, value.denominator
    n = (200 * abs(num) + den) // (2 * den)  # floor(|100 x value| + 1/2)
    return -n if num < 0 else n


def money(value):
    """An exact amount as the contract writes it: 2 places, half up ("123.40", "-0.05")."""
    c = cents(value)
    return f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"


def _money_of(num, den):
    """money(num / den) for integers, den > 0, without building a Fraction (num / den need not
    be reduced: cents() is the same for every form of a number)."""
    n = (200 * abs(num) + den) // (2 * den)
    return f"{'-' if num < 0 and n else ''}{n // 100}.{n % 100:02d}"


def number(value, places=12):
    """An exact non-money number (a rate, a token count) as a plain decimal string, at most
    `places` decimals ("7.13", "0.140252454418", "5000000")."""
    q = Fraction(value)
    if q.denominator == 1:
        return str(q.numerator)
    with localcontext(CONTEXT):
        text = Decimal(q.numerator) / Decimal(q.denominator)
    return fmt_decimal(text.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=CONTEXT))


def _tier_label(row):
    return _tier_text(row.tier_min_input_tokens, row.tier_max_input_tokens)


@lru_cache(maxsize=1024)
def _tier_text(lo, hi):
    """Price.tier_label of a row with these bounds, or None (no model instance per price)."""
    return Price(tier_min_input_tokens=lo, tier_max_input_tokens=hi).tier_label or None


def _with_tier(pl, entry):
    """A response line, with `tier_used` where the line's service tier had no rows (rule 6)."""
    if pl.tier_used != pl.line.service_tier:
        entry["tier_used"] = pl.tier_used
    return entry


def _tokens_text(tokens):
    """Whole token counts stay integers; a share of a line's tokens (rule 6) is a decimal string."""
    return int(tokens) if Fraction(tokens).denominator == 1 else number(tokens, 6)


def _line_detail(pl):
    detail = _line_detail_base(pl)
    detail["service_tier"] = pl.line.service_tier
    if pl.tier_used != pl.line.service_tier:
        detail["tier_used"] = pl.tier_used
    if pl.windows:
        detail["windows"] = [
            {"window": w["window"], "share": number(w["share"], 6), "saved": money(w["saved"])}
            for w in pl.windows
        ]
    return detail


def _line_detail_base(pl):
    return {
        "openai_model": pl.line.model,
        "model": pl.model.slug,
        "model_name": pl.model.name,
        "input_tokens": pl.line.input_tokens,
        "cached_input_tokens": pl.line.cached_input_tokens,
        "output_tokens": pl.line.output_tokens,
        "requests": pl.line.requests,
        "prompt_length": pl.line.prompt_length,
        "monthly_cost": money(pl.monthly_cost),
        "prices": [
            {
                "kind": kind,
                "price_kind": price.kind,
                "tokens": _tokens_text(tokens),
                "amount": fmt_decimal(price.amount),
                "currency": price.currency,
                "tier": _tier_label(price),
                "rate": number(rate),
                "source_url": price.source_url,
                "checked_on": price.checked_on.isoformat(),
                "confidence": price.confidence,
                "service_tier": price.service_tier,
                "region": price.region,
                "time_window": price.time_window,
                "cost": money(tokens * exact(price.amount) * rate / MILLION),
            }
            for kind, tokens, price, rate in pl.parts
        ],
    }


def _benefit_detail(use):
    b = use.benefit
    is_pool = b.kind in POOL_KINDS
    return {
        "program": use.program.slug,
        "program_name": use.program.display_name,
        "kind": b.kind,
        "description": b.description or None,
        "percent": fmt_decimal(b.percent) if b.percent is not None else None,
        "months": b.months,
        "valid_days": b.valid_days,
        "models": None if use.models is None else sorted(m.slug for m in b.models),
        "size": (number(use.size, 6) if is_pool else money(use.size)) if use.size is not None else None,
        "unit": "tokens" if is_pool else "money",
        "used": [number(x, 6) if is_pool else money(x) for x in use.used],
        "value": [money(x) for x in use.value],
        "value_total": money(sum(use.value, Fraction(0))),
        "note": use.note or None,
    }


def estimate(req, snapshot=None):
    """The response document for `req` (raises EstimateError on catalog-dependent errors)."""
    snap = snapshot if snapshot is not None else load_snapshot(req)
    return _estimate(req, snap)


def _estimate(req, snap):
    errors = _Errors()
    for j, slug in snap.unknown_providers:
        errors.add(f"providers[{j}]", _("Unknown provider %(slug)s.") % {"slug": slug})
    fx = Fx(snap.rates, snap.as_of, req.currency)
    dims = Dimensions(req.region, req.hourly_usage, snap.as_of)
    context = _plan_context(fx, dims)
    by_slug = {p.slug: p for p in snap.providers}
    base_slug = getattr(req, "baseline", BASELINE)
    claude = base_slug == "anthropic"

    baseline = []
    for i, line in enumerate(req.usage):
        model = snap.openai_models.get(line.model)
        if model is None:
            errors.add(
                f"usage[{i}].model",
                (_("%(model)s is not a Claude model in the catalog.") if claude
                 else _("%(model)s is not an OpenAI model in the catalog.")) % {"model": line.model},
            )  # fmt: skip
        else:
            try:
                baseline.append(
                    price_line(line, model, snap.prices.get(model.pk, []), fx, dims, snap.plans, context)
                )
            except Unpriced as exc:
                if exc.fx:
                    errors.add(
                        "currency",
                        _("No exchange rate from USD to %(c)s in the catalog.") % {"c": req.currency},
                    )
                else:
                    errors.add(
                        f"usage[{i}].model",
                        (_("Anthropic's price is unknown: %(reason)s.") if claude
                         else _("OpenAI's price is unknown: %(reason)s.")) % {"reason": exc.reason},
                    )  # fmt: skip
        for slug, model_slug in line.overrides.items():
            path = f"usage[{i}].overrides.{slug}"
            if slug == base_slug:
                errors.add(path, _("The baseline always uses the line's own model."))
            elif slug not in by_slug:
                if req.providers is None or slug in req.providers:
                    errors.add(path, _("Unknown provider %(slug)s.") % {"slug": slug})
            elif (slug, model_slug) not in snap.models:
                errors.add(path, _("%(p)s has no model %(m)s.") % {"p": slug, "m": model_slug})
    if errors:
        raise EstimateError({k: sorted(set(v), key=v.index) for k, v in errors.items()})

    months = req.months
    base_monthly = sum((pl.monthly_cost for pl in baseline), Fraction(0))
    base_total = base_monthly * months
    base_n, base_d = base_total.numerator, base_total.denominator
    base_sign = -1 if base_n < 0 else 1
    used_rates = {r.pk: r for pl in baseline for r in pl.rates}

    ranked, incomplete, used_lines = [], [], []
    prices, plans, mappings = snap.prices, snap.plans, snap.mappings
    for provider in snap.providers:
        priced, reasons, rates = [], [], []
        provider_pk, provider_slug = provider.pk, provider.slug
        for line in req.usage:
            model = None
            override = line.overrides.get(provider_slug) if line.overrides else None
            if override is not None:
                model = snap.models.get((provider_slug, override))
            else:
                model = mappings.get((line.model, provider_pk))
            if model is None:
                reasons.append(_("no model mapped for %(model)s") % {"model": line.model})
                continue
            try:
                pl = price_line(line, model, prices.get(model.pk, []), fx, dims, plans, context)
            except Unpriced as exc:
                reasons.append(exc.reason)
                continue
            priced.append(pl)
            rates.extend(pl.rates)
        if reasons:
            incomplete.append({"provider": provider.slug, "reason": "; ".join(dict.fromkeys(reasons))})
            continue
        programs = snap.programs.get(provider_pk, [])
        sim = simulate(priced, programs, snap.benefits, months, fx, req.detail)
        rates.extend(sim["rates"])
        # The totals as numerator / denominator pairs (exact, not reduced: no Fraction per figure).
        month_list, total = sim["monthly_list_cost"], sim["total_cost"]
        list_n, list_d = month_list.numerator * months, month_list.denominator  # total list cost
        total_n, total_d = total.numerator, total.denominator
        savings_n, savings_d = base_n * total_d - total_n * base_d, base_d * total_d
        alt = {
            "provider": provider.slug,
            "monthly_list_cost": money(month_list),
            "total_list_cost": _money_of(list_n, list_d),
            "benefits_value": _money_of(list_n * total_d - total_n * list_d, list_d * total_d),
            "total_cost": money(total),
            "savings": _money_of(savings_n, savings_d),
            # savings / base_total x 100, over a positive denominator
            "savings_percent": (
                _money_of(base_sign * savings_n * base_d * 100, savings_d * abs(base_n)) if base_n else None
            ),
            "lines": [
                _with_tier(
                    pl,
                    {
                        **({} if claude else {"openai_model": pl.line.model}),
                        "baseline_model": pl.line.model,
                        "model": pl.model.slug,
                        "monthly_cost": money(pl.monthly_cost),
                    },
                )
                for pl in priced
            ],
            "programs": [p.slug for p in programs],
            "perks": sim["perks"],
            "programs_left_out": snap.programs_left_out.get(provider_pk, []),
        }
        if req.detail:
            alt["detail"] = _vendor_detail(provider, priced, programs, sim, rates, snap.as_of)
        # The same rate rows come back from every line: each distinct row once, in order.
        used_rates.update((r.pk, r) for r in {id(r): r for r in rates}.values())
        used_lines.extend((provider.slug, pl) for pl in priced)
        ranked.append((cents(total), provider.slug, alt))

    ranked.sort(key=lambda t: (t[0], t[1]))
    warnings = _launch_warnings(snap) + _warnings(
        used_rates.values(), baseline, used_lines, snap.as_of, base_slug
    )
    result = {
        "as_of": snap.as_of.isoformat(),
        "months": months,
        "currency": req.currency,
        "fx": _fx_list(used_rates.values(), snap.as_of),
        "baseline": {
            "provider": base_slug,
            "monthly_cost": money(base_monthly),
            "total_cost": money(base_total),
            "lines": [
                _with_tier(pl, {"model": pl.line.model, "monthly_cost": money(pl.monthly_cost)})
                for pl in baseline
            ],
        },
        "alternatives": [alt for _t, _s, alt in ranked],
        "incomplete": incomplete,
        "warnings": warnings,
    }
    if req.detail:
        result["baseline"]["detail"] = {"lines": [_line_detail(pl) for pl in baseline]}
    return result


def _launch_warnings(snap):
    """A line's OpenAI model had no price yet on as_of: it is priced at its first later price."""
    return [
        {
            "code": "baseline_price_after_as_of",
            "message": _(
                "%(model)s had no price on %(as_of)s (it launched later); its first price, from "
                "%(date)s, is used for the OpenAI baseline."
            )
            % {"model": slug, "as_of": snap.as_of.isoformat(), "date": first.isoformat()},
            "model": slug,
            "date": first.isoformat(),
        }
        for slug, first in sorted(snap.baseline_after.items())
    ]


def _warnings(rates, baseline, alternative_lines, as_of, base_slug=BASELINE):
    """Rates dated more than RATE_OLD_AFTER_DAYS from as_of and stale prices among those used (see the
    module docstring), one warning per rate and per (provider, model), in a stable order."""
    out = []
    for row in sorted(rates, key=lambda r: (r.base, r.quote, r.date)):
        days = abs((row.date - as_of).days)
        if days > RATE_OLD_AFTER_DAYS:
            out.append(
                {
                    "code": "fx_rate_far_from_as_of",
                    "message": _(
                        "The exchange rate %(base)s/%(quote)s used is of %(date)s, %(days)s days from the "
                        "estimate's date."
                    )
                    % {"base": row.base, "quote": row.quote, "date": row.date.isoformat(), "days": days},
                    "base": row.base,
                    "quote": row.quote,
                    "date": row.date.isoformat(),
                    "days": days,
                }
            )
    limit = settings.BANJIA_STALE_AFTER_DAYS
    horizon = as_of - timedelta(days=limit)
    oldest = {}
    for provider_slug, pl in [(base_slug, pl) for pl in baseline] + list(alternative_lines):
        for _kind, _tokens, price, _rate in pl.parts:
            if price.checked_on < horizon:
                key = (provider_slug, pl.model.slug)
                if key not in oldest or price.checked_on < oldest[key]:
                    oldest[key] = price.checked_on
    for (provider_slug, model_slug), checked in sorted(oldest.items()):
        out.append(
            {
                "code": "stale_price",
                "message": _(
                    "A price of %(model)s (%(provider)s) used here was last checked on %(date)s, more than "
                    "%(days)s days before the estimate's date."
                )
                % {
                    "model": model_slug,
                    "provider": provider_slug,
                    "date": checked.isoformat(),
                    "days": limit,
                },
                "provider": provider_slug,
                "model": model_slug,
                "checked_on": checked.isoformat(),
                "days": (as_of - checked).days,
            }
        )
    return out


def _offpeak(priced):
    """Per time window priced at this vendor (rule 6): the share of tokens sent inside it (the
    same for every line: the profile is the request's) and what it saved a month over all lines."""
    windows = {}
    for pl in priced:
        for w in pl.windows:
            key = window_key(w["window"])
            entry = windows.setdefault(
                key, {"window": w["window"], "share": w["share"], "saved": Fraction(0)}
            )
            entry["saved"] += w["saved"]
    return [
        {"window": e["window"], "share": number(e["share"], 6), "monthly_saved": money(e["saved"])}
        for _k, e in sorted(windows.items())
    ]


def _vendor_detail(provider, priced, programs, sim, rates, as_of):
    """What the page shows about one vendor: prices used, month by month costs and benefit use."""
    cumulative, running = [], Fraction(0)
    for cost in sim["month_costs"]:
        running += cost
        cumulative.append(running)
    return {
        "provider_name": provider.display_name,
        "pricing_url": provider.pricing_url or None,
        "lines": [_line_detail(pl) for pl in priced],
        "months": [
            {
                "month": m,
                "list_cost": money(sim["monthly_list_cost"]),
                "cost": money(c),
                "cumulative": money(s),
            }
            for m, (c, s) in enumerate(zip(sim["month_costs"], cumulative, strict=True), start=1)
        ],
        "benefits": [_benefit_detail(use) for use in sim["benefits"]],
        "offpeak": _offpeak(priced),
        "programs": [
            {
                "slug": p.slug,
                "name": p.display_name,
                "source_urls": list(p.source_urls),
                "notes": p.display_notes or None,
            }
            for p in programs
        ],
        "fx": _fx_list(rates, as_of),
    }


def _fx_list(rows, as_of):
    unique = {(r.base, r.quote, r.date): r for r in rows}
    return [fx_entry(unique[k], as_of) for k in sorted(unique)]


def run(data):
    """Parse, load and estimate one request document; raises EstimateError."""
    req = parse_request(data)
    return estimate(req)
