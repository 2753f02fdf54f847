"""Price a team's OpenAI usage at every vendor, month by month (shared/DESIGN.md, "Estimator rules").

Three steps, each usable alone:

- `parse_request(data)` checks the JSON request (types, ranges) and returns an `EstimateRequest`,
  or raises `EstimateError` with messages keyed by JSON path ("usage[0].output_tokens").
- `load_snapshot(request)` reads what the request needs from the catalog in a fixed number of
  queries (at most 8, whatever the size of the catalog or the number of usage lines).
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
- A mapped model deprecated on or before as_of cannot replace anything: the best-ranked mapping
  whose model is still served is used (so rank 1 wherever the catalog retires nothing).
- A programme with no starts_on has started, with no ends_on has not ended ("open ends").
- `perks` lists each perk kind once, sorted.
- Every benefit selects lines by alternative model, so lines sharing an alternative model share
  their uncovered fraction u; the simulation runs per model group, which keeps 10,000 lines fast.
- FX: direct rate on or before as_of, else inverse, else cross via USD (each leg direct or
  inverse on or before as_of); only then the earliest later rate (direct, inverse, cross), and the
  fx entry carries `"after_as_of": true`. A credit that cannot be converted is not counted (noted
  in the detail); a price that cannot be converted makes the vendor incomplete.
- savings_percent is null when the baseline total is 0. Ties in the ranking are on total_cost at
  the cent, then provider slug.
- Arithmetic is exact: prices, rates and benefits are read as Decimals and computed as Fractions
  (1/rate and c/E are not finite decimals), so a result of exactly half a cent rounds up however
  it was reached; money is rounded half up (away from 0) to 2 places only when written. Token
  counts in `detail` and derived rates are written with at most 6 and 12 decimals.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .catalog_io import fmt_decimal
from .models import Benefit, ExchangeRate, MigrationProgram, Model, ModelMapping, Price, Provider

BASELINE = "openai"
USD = "USD"
DEFAULT_MONTHS = 12
MAX_MONTHS = 60
# 10,000 lines are accepted and priced (lines are grouped by model, so this stays fast);
# more are refused with an error on "usage".
MAX_USAGE_LINES = 10_000
# A quadrillion tokens a month is far beyond any real bill; the cap keeps numbers sane.
MAX_TOKENS = 10**15
DAYS_PER_MONTH = 30
MILLION = 1_000_000
CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
POOL_KINDS = (Benefit.Kind.FREE_TOKENS, Benefit.Kind.MATCHED_TOKENS)
PERK_KINDS = {str(k) for k in Benefit.PERKS}


@lru_cache(maxsize=4096)
def exact(value):
    """A Decimal from the catalog (price, rate, ratio, percent) as an exact Fraction."""
    return Fraction(value)


class EstimateError(Exception):
    """Bad input; `errors` maps a JSON path to a list of messages."""

    def __init__(self, errors):
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

    @property
    def tokens(self):
        return self.input_tokens + self.output_tokens

    @property
    def prompt_length(self):
        """Whole tokens per request (rounded up), or None without `requests`."""
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


def _parse_line(raw, path, errors):
    if not isinstance(raw, dict):
        errors.add(path, _("Expected an object with model and token counts."))
        return None
    model = raw.get("model")
    if not isinstance(model, str) or not model.strip():
        errors.add(f"{path}.model", _("Enter an OpenAI model id, e.g. gpt-4o."))
        model = None
    counts = {
        key: _tokens(raw, key, f"{path}.{key}", errors)
        for key in ("input_tokens", "cached_input_tokens", "output_tokens")
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
    else:
        for slug, model_slug in overrides.items():
            if not isinstance(model_slug, str) or not model_slug:
                errors.add(f"{path}.overrides.{slug}", _("Expected a model id of this provider."))
    if None not in counts.values() and counts["cached_input_tokens"] > counts["input_tokens"]:
        errors.add(
            f"{path}.cached_input_tokens",
            _("Cached input tokens are part of the input tokens, so they cannot exceed them."),
        )
    if model is None or None in counts.values():
        return None
    return UsageLine(model=model.strip(), requests=requests, overrides=dict(overrides), **counts)


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
        else:
            for j, slug in enumerate(providers):
                if not isinstance(slug, str) or not slug:
                    errors.add(f"providers[{j}]", _("Expected a provider slug."))

    detail = data.get("detail", False)
    if not isinstance(detail, bool):
        errors.add("detail", _("Expected true or false."))

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
    )


def _parse_date(value):
    if not isinstance(value, str) or not DATE_RE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# --- the catalog snapshot ---------------------------------------------------------------------


# Rows are read with values_list into small tuples: building thousands of model instances (and
# prefetch managers) cost more than the estimate itself on a 50-vendor catalog.
PRICE_FIELDS = (
    "id", "model_id", "kind", "amount", "currency", "tier_min_input_tokens", "tier_max_input_tokens",
    "source_url", "checked_on", "confidence",
)  # fmt: skip
BENEFIT_FIELDS = (
    "id", "program_id", "kind", "tokens", "ratio", "percent", "months", "amount", "currency", "valid_days",
    "description",
)  # fmt: skip


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
    openai_models: dict  # slug -> ModelRef
    models: dict  # (provider slug, model slug) -> ModelRef, for overrides
    mappings: dict  # (openai slug, provider id) -> rank-1 ModelRef
    prices: dict  # model id -> [price row (PRICE_FIELDS)] in force on as_of
    programs: dict  # provider id -> [MigrationProgram] in application order
    benefits: dict  # programme id -> [BenefitRow] by position
    rates: list  # candidate ExchangeRate rows (latest <= as_of and earliest later, per pair)
    unknown_providers: list = field(default_factory=list)  # (index, slug) asked for, not published


def load_snapshot(req):
    """Read the catalog for `req` in at most 8 queries, whatever its size:
    providers, models, mappings, prices, programmes, benefits, benefit models, rates."""
    as_of = req.as_of
    openai_slugs = sorted({line.model for line in req.usage})
    override_pairs = {(p, m) for line in req.usage for p, m in line.overrides.items() if isinstance(m, str)}

    # 1. The alternative providers.
    providers = Provider.objects.published().exclude(slug=BASELINE).order_by("slug")
    if req.providers is not None:
        providers = providers.filter(slug__in=req.providers)
    providers = list(providers)
    found = {p.slug for p in providers}
    unknown = [
        (j, slug) for j, slug in enumerate(req.providers or ()) if slug not in found and slug != BASELINE
    ]
    provider_ids = [p.pk for p in providers]

    # 2. The OpenAI models of the lines and the models named by overrides.
    wanted = Q(provider__slug=BASELINE, slug__in=openai_slugs)
    if override_pairs:
        wanted |= Q(
            provider__slug__in={p for p, _m in override_pairs}, slug__in={m for _p, m in override_pairs}
        )
    models = {
        (provider_slug, slug): ModelRef(pk, slug, name, kind)
        for pk, slug, name, kind, provider_slug in Model.objects.filter(wanted).values_list(
            "pk", "slug", "name", "kind", "provider__slug"
        )
    }
    openai_models = {slug: m for (p, slug), m in models.items() if p == BASELINE}

    # 3. The best-ranked mapping of each OpenAI model at each provider: rank 1, unless that
    #    model is retired (deprecated_on <= as_of), in which case the next rank stands in.
    mappings = {}
    for openai_slug, provider_id, pk, slug, name, kind in (
        ModelMapping.objects.filter(
            openai_model__in=[m.pk for m in openai_models.values()], provider_id__in=provider_ids
        )
        .filter(Q(model__deprecated_on__isnull=True) | Q(model__deprecated_on__gt=as_of))
        .order_by("rank")
        .values_list(
            "openai_model__slug", "provider_id", "model_id", "model__slug", "model__name", "model__kind"
        )
    ):
        mappings.setdefault((openai_slug, provider_id), ModelRef(pk, slug, name, kind))

    # 4. Prices in force on as_of of every model involved.
    model_ids = {m.pk for m in models.values()} | {m.pk for m in mappings.values()}
    prices = {}
    for price in (
        Price.objects.current(on=as_of)
        .filter(model_id__in=model_ids)
        # Until rule 6 (tiers, regions, windows) is priced, only the standard, home, all-day rows.
        .headline()
        .order_by("id")
        .values_list(*PRICE_FIELDS, named=True)
    ):
        prices.setdefault(price.model_id, []).append(price)

    # 5-7. Published programmes (in force on as_of unless include_expired), benefits, their models.
    programs_qs = MigrationProgram.objects.published().filter(provider_id__in=provider_ids)
    if not req.include_expired:
        programs_qs = programs_qs.active(on=as_of)
    programs, benefits = {}, {}
    for program in programs_qs.order_by("slug"):
        programs.setdefault(program.provider_id, []).append(program)
        benefits[program.pk] = []
    if benefits:
        by_id = {}
        for row in (
            Benefit.objects.filter(program_id__in=benefits)
            .order_by("position", "id")
            .values_list(*BENEFIT_FIELDS)
        ):
            benefit = BenefitRow(*row)
            by_id[benefit.id] = benefit
            benefits[benefit.program_id].append(benefit)
        links = Benefit.models.through.objects.filter(
            benefit_id__in=Benefit.objects.filter(program_id__in=benefits).values("id")
        )
        for benefit_id, pk, slug, name in links.values_list(
            "benefit_id", "model_id", "model__slug", "model__name"
        ):
            by_id[benefit_id].models.append(ModelRef(pk, slug, name))

    # 8. Rates between every currency involved (and USD, for crosses): per pair the latest on or
    # before as_of and the earliest after it, picked by correlated subqueries on the unique index.
    currencies = {req.currency, USD} | {p.currency for rows in prices.values() for p in rows}
    currencies |= {
        b.currency for rows in benefits.values() for b in rows if b.kind == Benefit.Kind.CREDIT and b.currency
    }
    rates = []
    if len(currencies) > 1:
        pair = {"base": OuterRef("base"), "quote": OuterRef("quote")}
        latest = ExchangeRate.objects.filter(**pair, date__lte=as_of).order_by("-date").values("date")[:1]
        later = ExchangeRate.objects.filter(**pair, date__gt=as_of).order_by("date").values("date")[:1]
        rates = list(
            ExchangeRate.objects.filter(base__in=currencies, quote__in=currencies).filter(
                Q(date=Subquery(latest)) | Q(date=Subquery(later))
            )
        )
    return Snapshot(
        as_of=as_of,
        providers=providers,
        openai_models=openai_models,
        models=models,
        mappings=mappings,
        prices=prices,
        programs=programs,
        benefits=benefits,
        rates=rates,
        unknown_providers=unknown,
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
    for kind in (Price.Kind.INPUT, Price.Kind.CACHED_INPUT, Price.Kind.OUTPUT):
        kind_rows = by_kind.get(kind)
        if not kind_rows:
            continue
        same = [p for p in kind_rows if p.currency == home]
        if not same:
            other = _home_currency(kind_rows)
            same = [p for p in kind_rows if p.currency == other]
        tier = _pick_tier(same, length)
        if tier is None and kind != Price.Kind.CACHED_INPUT:
            raise Unpriced(
                _("%(model)s has no %(kind)s price tier for a prompt of %(n)s tokens")
                % {"model": model.slug, "kind": Price.Kind(kind).label.lower(), "n": f"{length:,}"}
            )
        if tier is not None:
            chosen[kind] = tier
    chosen.setdefault(Price.Kind.CACHED_INPUT, chosen[Price.Kind.INPUT])
    return chosen


def _input_only(model, line):
    return model.kind == Model.Kind.EMBEDDING and line.output_tokens == 0


def price_line(line, model, rows, fx):
    """Monthly cost of `line` at `model` in the output currency; raises Unpriced."""
    chosen = choose_prices(model, rows, line, fx.as_of)
    parts = []
    used = []
    # Tokens x price summed exactly in integers per currency (prices are n / 10^k), then
    # converted once: a Fraction per part made 10,000 lines twice as slow.
    sums = {}
    for kind, tokens in (
        (Price.Kind.INPUT, line.input_tokens - line.cached_input_tokens),
        (Price.Kind.CACHED_INPUT, line.cached_input_tokens),
        (Price.Kind.OUTPUT, line.output_tokens),
    ):
        price = chosen.get(kind)
        if price is None:  # an embedding line: no output tokens, no output price needed
            continue
        got = fx.factor(price.currency)
        if got is None:
            raise Unpriced(
                _("no exchange rate from %(a)s to %(b)s") % {"a": price.currency, "b": fx.currency}, fx=True
            )
        rate, rows_used = got
        used.extend(rows_used)
        parts.append((kind, tokens, price, rate))
        n, scale = _scaled(price.amount)
        total, top, _rate = sums.get(price.currency, (0, 0, rate))
        if scale > top:
            total, top = total * 10 ** (scale - top), scale
        sums[price.currency] = (total + tokens * n * 10 ** (top - scale), top, rate)
    cost = Fraction(0)
    for total, top, rate in sums.values():
        part = Fraction(total, MILLION * 10**top)
        cost += part if rate == 1 else part * rate
    return PricedLine(line=line, model=model, parts=parts, monthly_cost=cost, rates=tuple(used))


@lru_cache(maxsize=4096)
def _scaled(amount):
    """A Decimal price as (n, k) with amount = n / 10^k exactly."""
    sign, digits, exponent = amount.as_tuple()
    n = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    if exponent >= 0:
        return n * 10**exponent, 0
    return n, -exponent


# --- programmes -------------------------------------------------------------------------------


@dataclass
class _Group:
    """Lines sharing one alternative model: they share their uncovered fraction u."""

    tokens: int
    list_cost: Fraction
    u: Fraction | int = 1
    factor: Fraction | int = 1  # product of the discounts applied this month

    @property
    def cost(self):
        # Most groups are untouched in most months; skip two Fraction products for them.
        if self.u == 1 and self.factor == 1:
            return self.list_cost
        return self.u * self.list_cost * self.factor


@dataclass
class _BenefitUse:
    benefit: BenefitRow
    program: MigrationProgram
    models: frozenset | None  # model ids, None = every line
    size: Fraction | None = None  # pool tokens or credit amount in the output currency
    remaining: Fraction | None = None
    used: list = field(default_factory=list)  # per month: tokens (pools) or money (credits)
    value: list = field(default_factory=list)  # per month: money saved
    note: str = ""

    def usable(self, month):
        days = self.benefit.valid_days
        return days is None or (month - 1) * DAYS_PER_MONTH < days

    def covers(self, model_id):
        return self.models is None or model_id in self.models


def simulate(priced, programs, benefits, months, fx):
    """Apply the programmes to priced lines month by month; returns a dict of exact Fractions."""
    groups = {}
    for pl in priced:
        g = groups.setdefault(pl.model.pk, _Group(tokens=0, list_cost=Fraction(0)))
        g.tokens += pl.line.tokens
        g.list_cost += pl.monthly_cost
    openai_tokens = sum(pl.line.tokens for pl in priced)

    uses, perks, rates = [], set(), []
    for program in programs:
        for b in benefits.get(program.pk, ()):
            if b.kind in PERK_KINDS:
                perks.add(b.kind)
                continue
            ids = frozenset(m.pk for m in b.models) or None
            use = _BenefitUse(benefit=b, program=program, models=ids)
            if b.kind == Benefit.Kind.FREE_TOKENS:
                use.size = Fraction(b.tokens)
            elif b.kind == Benefit.Kind.MATCHED_TOKENS:
                use.size = exact(b.ratio) * openai_tokens
            elif b.kind == Benefit.Kind.CREDIT:
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
            elif b.kind != Benefit.Kind.DISCOUNT:
                continue
            use.remaining = use.size
            uses.append(use)
    pools = [x for x in uses if x.benefit.kind in POOL_KINDS]
    discounts = [x for x in uses if x.benefit.kind == Benefit.Kind.DISCOUNT]
    credits = [x for x in uses if x.benefit.kind == Benefit.Kind.CREDIT]

    month_list = sum((g.list_cost for g in groups.values()), Fraction(0))
    month_costs = []
    for month in range(1, months + 1):
        for g in groups.values():
            g.u = 1
            g.factor = 1
        for pool in pools:
            used = value = Fraction(0)
            if pool.remaining > 0 and pool.usable(month):
                chosen = [g for pk, g in groups.items() if pool.covers(pk)]
                demand = sum((g.u * g.tokens for g in chosen), Fraction(0))
                if demand > 0:
                    used = min(pool.remaining, demand)
                    keep = 1 - used / demand
                    for g in chosen:
                        value += g.u * (1 - keep) * g.list_cost
                        g.u *= keep
                    pool.remaining -= used
            pool.used.append(used)
            pool.value.append(value)
        for discount in discounts:
            value = Fraction(0)
            n = discount.benefit.months
            if n is None or month <= n:
                cut = exact(discount.benefit.percent) / 100
                for pk, g in groups.items():
                    if discount.covers(pk):
                        value += g.cost * cut
                        g.factor *= 1 - cut
            discount.used.append(value)
            discount.value.append(value)
        cost = sum((g.cost for g in groups.values()), Fraction(0))
        for credit in credits:
            used = Fraction(0)
            if credit.remaining > 0 and credit.usable(month):
                used = min(credit.remaining, cost)
                credit.remaining -= used
                cost -= used
            credit.used.append(used)
            credit.value.append(used)
        month_costs.append(cost)
    return {
        "monthly_list_cost": month_list,
        "month_costs": month_costs,
        "benefits": uses,
        "perks": sorted(perks),
        "rates": rates,
    }


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
    label = Price(
        tier_min_input_tokens=row.tier_min_input_tokens, tier_max_input_tokens=row.tier_max_input_tokens
    )
    return label.tier_label or None


def _line_detail(pl):
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
                "tokens": tokens,
                "amount": fmt_decimal(price.amount),
                "currency": price.currency,
                "tier": _tier_label(price),
                "rate": number(rate),
                "source_url": price.source_url,
                "checked_on": price.checked_on.isoformat(),
                "confidence": price.confidence,
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
    by_slug = {p.slug: p for p in snap.providers}

    baseline = []
    for i, line in enumerate(req.usage):
        model = snap.openai_models.get(line.model)
        if model is None:
            errors.add(
                f"usage[{i}].model",
                _("%(model)s is not an OpenAI model in the catalog.") % {"model": line.model},
            )
        else:
            try:
                baseline.append(price_line(line, model, snap.prices.get(model.pk, []), fx))
            except Unpriced as exc:
                if exc.fx:
                    errors.add(
                        "currency",
                        _("No exchange rate from USD to %(c)s in the catalog.") % {"c": req.currency},
                    )
                else:
                    errors.add(
                        f"usage[{i}].model",
                        _("OpenAI's price is unknown: %(reason)s.") % {"reason": exc.reason},
                    )
        for slug, model_slug in line.overrides.items():
            path = f"usage[{i}].overrides.{slug}"
            if slug == BASELINE:
                errors.add(path, _("The baseline always uses the line's own OpenAI model."))
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
    used_rates = {r.pk: r for pl in baseline for r in pl.rates}

    ranked, incomplete = [], []
    for provider in snap.providers:
        priced, reasons, rates = [], [], []
        for line in req.usage:
            model = None
            override = line.overrides.get(provider.slug)
            if override is not None:
                model = snap.models.get((provider.slug, override))
            else:
                model = snap.mappings.get((line.model, provider.pk))
            if model is None:
                reasons.append(_("no model mapped for %(model)s") % {"model": line.model})
                continue
            try:
                pl = price_line(line, model, snap.prices.get(model.pk, []), fx)
            except Unpriced as exc:
                reasons.append(exc.reason)
                continue
            priced.append(pl)
            rates.extend(pl.rates)
        if reasons:
            incomplete.append({"provider": provider.slug, "reason": "; ".join(dict.fromkeys(reasons))})
            continue
        programs = snap.programs.get(provider.pk, [])
        sim = simulate(priced, programs, snap.benefits, months, fx)
        rates.extend(sim["rates"])
        total_list = sim["monthly_list_cost"] * months
        total = sum(sim["month_costs"], Fraction(0))
        savings = base_total - total
        alt = {
            "provider": provider.slug,
            "monthly_list_cost": money(sim["monthly_list_cost"]),
            "total_list_cost": money(total_list),
            "benefits_value": money(total_list - total),
            "total_cost": money(total),
            "savings": money(savings),
            "savings_percent": money(savings / base_total * 100) if base_total else None,
            "lines": [
                {
                    "openai_model": pl.line.model,
                    "model": pl.model.slug,
                    "monthly_cost": money(pl.monthly_cost),
                }
                for pl in priced
            ],
            "programs": [p.slug for p in programs],
            "perks": sim["perks"],
        }
        if req.detail:
            alt["detail"] = _vendor_detail(provider, priced, programs, sim, rates, snap.as_of)
        used_rates.update((r.pk, r) for r in rates)
        ranked.append((cents(total), provider.slug, alt))

    ranked.sort(key=lambda t: (t[0], t[1]))
    result = {
        "as_of": snap.as_of.isoformat(),
        "months": months,
        "currency": req.currency,
        "fx": _fx_list(used_rates.values(), snap.as_of),
        "baseline": {
            "provider": BASELINE,
            "monthly_cost": money(base_monthly),
            "total_cost": money(base_total),
            "lines": [{"model": pl.line.model, "monthly_cost": money(pl.monthly_cost)} for pl in baseline],
        },
        "alternatives": [alt for _t, _s, alt in ranked],
        "incomplete": incomplete,
    }
    if req.detail:
        result["baseline"]["detail"] = {"lines": [_line_detail(pl) for pl in baseline]}
    return result


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
        "programs": [
            {"slug": p.slug, "name": p.display_name, "source_urls": list(p.source_urls)} for p in programs
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
