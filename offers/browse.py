"""Read-side services for the browse pages: display currency, current prices, the offer board,
the model table, compare, price history and the migration snippet.

Every function here runs a fixed number of queries whatever the catalog size: lists are
paginated in the database, related rows are fetched in one batch per relation, and exchange
rates are read once per request into a `Converter`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import (
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .counterparts import counterparts
from .fx import PIVOT, Converter, Rate  # noqa: F401  (Rate and PIVOT are part of this module's API)
from .models import (
    AMOUNT_DIGITS,
    WEEKDAYS,
    Benefit,
    MigrationProgram,
    Model,
    Price,
    Provider,
    today,
)
from .safety import clean_or_empty

DISPLAY_CURRENCIES = ("CNY", "USD")
DEFAULT_CURRENCY = {"zh": "CNY"}  # by language prefix; anything else shows USD
CURRENCY_COOKIE = "banjia_currency"
MODELS_PER_PAGE = 50
COMPARE_MAX = 4
MILLION = Decimal(1_000_000)


# --- Currency ---------------------------------------------------------------------------------


def pick_currency(request) -> str:
    """The display currency: ?currency= in the URL, else the remembered cookie, else by language."""
    for raw in (request.GET.get("currency"), request.COOKIES.get(CURRENCY_COOKIE)):
        code = (raw or "").strip().upper()
        if code in DISPLAY_CURRENCIES:
            return code
    language = getattr(request, "LANGUAGE_CODE", "") or ""
    return DEFAULT_CURRENCY.get(language[:2], "USD")


@dataclass
class Money:
    """An amount to display: in the display currency when a rate exists, else the original."""

    amount: Decimal | None
    currency: str
    original: Decimal | None = None
    original_currency: str = ""
    unconverted: bool = False  # True: no rate, `amount` is in the original currency
    rate_date: date | None = None  # the oldest exchange rate behind the conversion

    @classmethod
    def of(cls, amount, currency, converter: Converter, target: str) -> Money:
        if amount is None:
            return cls(None, target)
        converted = converter.convert(amount, currency, target)
        if converted is None:
            return cls(amount, currency, amount, currency, unconverted=True)
        rates = converter.rates_used(currency, target)
        return cls(converted, target, amount, currency, rate_date=min((r.date for r in rates), default=None))

    @property
    def is_known(self):
        return self.amount is not None

    @property
    def was_converted(self):
        return not self.unconverted and self.original_currency not in ("", self.currency)


def rates_behind(moneys, converter: Converter) -> list[Rate]:
    """The stored exchange rates behind the converted amounts among `moneys`, each once, by pair:
    a table shows them once above it instead of a rate date in every cell (no query)."""
    found = {}
    for money in moneys:
        if money is not None and money.was_converted:
            for rate in converter.rates_used(money.original_currency, money.currency):
                found[(rate.base, rate.quote)] = rate
    return [found[pair] for pair in sorted(found)]


# --- Prices -----------------------------------------------------------------------------------


def _tier_key(price: Price):
    return (price.tier_min_input_tokens or 0, price.tier_max_input_tokens or 0)


def _slot_key(price: Price):
    """The slot a current price competes for (Price.same_slot): model, kind, prompt tier,
    currency, service tier, region and time window."""
    return (price.model_id, price.kind, _tier_key(price), price.currency, *price.dimensions_key)


# --- Price dimensions: service tier, region, time window (catalog-format.md) ------------------

ZONE_WORDS = {
    "Asia/Shanghai": gettext_lazy("Beijing time"),
    "America/Los_Angeles": gettext_lazy("California time"),
    "UTC": "UTC",
}
KIND_ORDER = (Price.Kind.INPUT, Price.Kind.CACHED_INPUT, Price.Kind.OUTPUT)
TIER_ORDER = tuple(Price.ServiceTier.values)


def is_headline(price: Price) -> bool:
    """A standard, home, all-day row that an ordinary request pays (a reply-length band with no
    upper bound, any or non-thinking mode): what a single "price of this model" means. GLM-4.7's
    short-reply price and Qwen's thinking-mode price are variants beside it, never the headline."""
    return (
        price.service_tier == Price.ServiceTier.STANDARD
        and price.region is None
        and price.time_window is None
        and price.tier_max_output_tokens is None
        and price.mode in (None, Price.Mode.NON_THINKING)
    )


def band_label(price: Price) -> str:
    """The reply-length band in words ("" without one): "replies up to 199 tokens", "replies of
    200+ tokens", "replies of 200–999 tokens"."""
    lo, hi = price.tier_min_output_tokens, price.tier_max_output_tokens
    if lo is None and hi is None:
        return ""
    if lo is None:
        return _("replies up to %(n)s tokens") % {"n": f"{hi:,}"}
    if hi is None:
        return _("replies of %(n)s+ tokens") % {"n": f"{lo:,}"}
    return _("replies of %(lo)s–%(hi)s tokens") % {"lo": f"{lo:,}", "hi": f"{hi:,}"}


def mode_label(price: Price) -> str:
    """ "thinking mode" / "non-thinking mode" ("" for a row of any mode)."""
    if price.mode == Price.Mode.THINKING:
        return str(_("thinking mode"))
    if price.mode == Price.Mode.NON_THINKING:
        return str(_("non-thinking mode"))
    return ""


def window_label(window: dict) -> str:
    """ "Off-peak 00:30–08:30 Beijing time", with the days when not every day."""
    zone = ZONE_WORDS.get(window["tz"], window["tz"])
    text = _("Off-peak %(start)s–%(end)s %(zone)s") % {
        "start": window["start"],
        "end": window["end"],
        "zone": zone,
    }
    days = window.get("days")
    if days:
        if days == list(WEEKDAYS[:5]):
            words = _("weekdays")
        elif days == list(WEEKDAYS[5:]):
            words = _("weekends")
        else:
            words = ", ".join(str(WEEKDAYS_ABBR[WEEKDAYS.index(d)]) for d in sorted(days, key=WEEKDAYS.index))
        text = _("%(window)s (%(days)s)") % {"window": text, "days": words}
    return text


def price_terms(price: Price, with_currency=True) -> str:
    """A price row's service tier, region, time window, reply-length band and mode in words ("" for
    a plain row): "Batch", "International (USD)", "Off-peak 00:30–08:30 Beijing time",
    "replies up to 199 tokens", "thinking mode"."""
    parts = []
    if price.service_tier != Price.ServiceTier.STANDARD:
        parts.append(str(Price.ServiceTier(price.service_tier).label))
    if price.region:
        region = Price.Region(price.region).label
        parts.append(
            _("%(region)s (%(currency)s)") % {"region": region, "currency": price.currency}
            if with_currency
            else str(region)
        )
    if price.time_window:
        parts.append(window_label(price.time_window))
    parts += [text for text in (band_label(price), mode_label(price)) if text]
    return " · ".join(parts)


def _dimension_order(price: Price):
    tier = price.service_tier
    return (TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER), *price.dimensions_key)


@dataclass
class PriceRow:
    """One current price of a model (one kind, one tier) ready for display."""

    price: Price
    money: Money
    # The row's tier, region and window in words; a headline row says "Standard" (or "Home
    # prices", "All day") only when the model also has rows that differ in that dimension.
    terms: str = ""

    @property
    def stale(self):
        return self.price.is_stale


def _of_kind(method: str, kind: str):
    """A read-only attribute for templates: `prices.input` is `prices.base("input")`."""
    return property(lambda self: getattr(self, method)(kind))


@dataclass
class ModelPrices:
    """The current prices of one model grouped by kind; `input`/`output` are the headline (standard,
    home, all-day) rows of the base prompt tier; `variants(kind)` the other tiers, regions and windows."""

    rows: dict[str, list[PriceRow]] = field(default_factory=lambda: defaultdict(list))

    def base(self, kind) -> PriceRow | None:
        return next((row for row in self.rows.get(kind) or [] if is_headline(row.price)), None)

    input = _of_kind("base", Price.Kind.INPUT)
    cached_input = _of_kind("base", Price.Kind.CACHED_INPUT)
    output = _of_kind("base", Price.Kind.OUTPUT)

    def each(self):
        """Every row, of every kind."""
        return (row for rows in self.rows.values() for row in rows)

    @property
    def tiered(self):
        """More than one prompt-length tier among the headline rows of a kind."""
        return any(sum(1 for row in rows if is_headline(row.price)) > 1 for rows in self.rows.values())

    @property
    def stale(self):
        return any(row.stale for row in self.each())

    def variants(self, kind) -> list[PriceRow]:
        """One row per (service tier, region, window) other than the headline: its lowest prompt tier."""
        first = {}
        for row in self.rows.get(kind) or []:
            if not is_headline(row.price):
                first.setdefault(row.price.dimensions_key, row)
        return sorted(first.values(), key=lambda row: _dimension_order(row.price))

    input_variants = _of_kind("variants", Price.Kind.INPUT)
    output_variants = _of_kind("variants", Price.Kind.OUTPUT)

    @property
    def has_variants(self):
        return any(not is_headline(row.price) for row in self.each())

    def all_rows(self):
        """Headline rows by kind, then each tier, region and window by kind."""
        rows = [row for kind in KIND_ORDER for row in self.rows.get(kind, [])]
        return sorted(rows, key=lambda row: (not is_headline(row.price), _dimension_order(row.price)))

    def label_rows(self):
        """Set each row's `terms` (see PriceRow)."""
        others = [row.price for row in self.each() if not is_headline(row.price)]
        headline = []
        if any(p.service_tier != Price.ServiceTier.STANDARD for p in others):
            headline.append(str(Price.ServiceTier.STANDARD.label))
        if any(p.region for p in others):
            headline.append(_("Home prices"))
        if any(p.time_window for p in others):
            headline.append(_("All day"))
        for row in self.each():
            if is_headline(row.price):  # its own band or mode, where the model prices others apart
                own = [text for text in (band_label(row.price), mode_label(row.price)) if text]
                row.terms = " · ".join(headline + own)
            else:
                row.terms = price_terms(row.price)


def current_prices(model_ids, converter: Converter, currency: str, on: date | None = None):
    """{model_id: ModelPrices} for the given models, in one query."""
    on = on or converter.on
    result: dict[int, ModelPrices] = defaultdict(ModelPrices)
    rows = Price.objects.current(on=on).filter(model_id__in=list(model_ids)).order_by()

    # Standard, home, all-day rows first: the first row of a kind is the model's headline price.
    def order(p):
        return (p.model_id, p.kind, p.service_tier != "standard", *p.dimensions_key, _tier_key(p), p.currency)

    for price in sorted(rows, key=order):
        result[price.model_id].rows[price.kind].append(
            PriceRow(price, Money.of(price.amount, price.currency, converter, currency))
        )
    for model_prices in result.values():
        model_prices.label_rows()
    return result


def current_price_subquery(kind: str, on: date, converter: Converter, currency: str, currencies):
    """Correlated subquery: a model's base-tier current price of `kind`, in `currency`."""
    rows = (
        Price.objects.current(on=on)
        .headline()
        .filter(model=OuterRef("pk"), kind=kind)
        .order_by(Coalesce("tier_min_input_tokens", Value(0)), "currency")
        .annotate(display=converter.sql_convert("amount", "currency", currency, currencies))
        .values("display")[:1]
    )
    return Subquery(rows, output_field=DecimalField(**AMOUNT_DIGITS))


# --- Programmes -------------------------------------------------------------------------------


class ProgramState:
    """A programme's state on a date for display, from MigrationProgram.status_on (rule 5)."""

    ACTIVE = "active"
    UPCOMING = "upcoming"  # not started
    UNCONFIRMED = "unconfirmed"  # no end date, not seen for BANJIA_UNCONFIRMED_AFTER_DAYS: may have ended
    EXPIRED = "expired"  # ended on its end date

    RANK = {ACTIVE: 0, UPCOMING: 1, UNCONFIRMED: 2, EXPIRED: 3}
    FROM_STATUS = {
        MigrationProgram.ACTIVE: ACTIVE,
        MigrationProgram.NOT_STARTED: UPCOMING,
        MigrationProgram.UNCONFIRMED: UNCONFIRMED,
        MigrationProgram.ENDED: EXPIRED,
        MigrationProgram.UNPUBLISHED: EXPIRED,
    }


@dataclass
class FreeTokenValue:
    """What a programme's free tokens would cost at the models' list input price."""

    tokens: int
    money: Money | None  # None: unknown (a benefit without models or a model without a price)
    reason: str = ""


@dataclass
class ProgramCard:
    program: MigrationProgram
    state: str
    free_tokens: int
    value: FreeTokenValue
    benefits: list[Benefit]
    perks: list[Benefit]
    state_date: date | None = None  # ended on / not confirmed since / starts on
    last_confirmed: date | None = None  # confirmed_on, else announced_on, else starts_on

    @property
    def provider(self):
        return self.program.provider

    @property
    def applies(self):
        return self.state == ProgramState.ACTIVE

    @property
    def lapsed(self):
        """Ended or not confirmed for too long: shown, but not counted as on offer."""
        return self.state in (ProgramState.UNCONFIRMED, ProgramState.EXPIRED)


def program_state(program: MigrationProgram, on: date) -> tuple[str, date | None]:
    """(display state, its date) on `on` by rule 5: "active" only for programmes that apply."""
    status, when = program.status_on(on)
    return ProgramState.FROM_STATUS[status], when


def program_card(program, prices, converter, currency, on) -> ProgramCard:
    """One programme as a card: its state on `on`, free-token value, benefits and perks."""
    benefits = list(program.benefits.all())
    value = free_token_value(benefits, prices, converter, currency)
    state, state_date = program_state(program, on)
    return ProgramCard(
        program=program,
        state=state,
        state_date=state_date,
        last_confirmed=program.last_confirmed_on,
        free_tokens=value.tokens,
        value=value,
        benefits=[b for b in benefits if not b.is_perk],
        perks=[b for b in benefits if b.is_perk],
    )


def free_token_value(benefits, prices: dict[int, ModelPrices], converter, currency) -> FreeTokenValue:
    """Sum over free_tokens benefits of tokens x the cheapest listed model's input price.

    The tokens of one benefit may be spent on any of its models, so the cheapest of them gives
    the value the user is sure to get. A benefit naming no model (every model of the vendor) or a
    model with no current input price makes the value unknown, never 0.
    """
    total_tokens = 0
    totals: dict[str, Decimal] = defaultdict(Decimal)
    unknown = ""
    for benefit in benefits:
        if benefit.kind != Benefit.Kind.FREE_TOKENS:
            continue
        total_tokens += benefit.tokens or 0
        models = list(benefit.models.all())
        if not models:
            unknown = unknown or _("the tokens apply to every model")
            continue
        candidates = []
        for model in models:
            row = prices.get(model.pk) and prices[model.pk].input
            if row is None:
                unknown = unknown or _("%(model)s has no current input price") % {"model": model.name}
                break
            # Compare in the display currency where possible, so mixed currencies rank right.
            candidates.append(row)
        else:
            cheapest = min(
                candidates,
                key=lambda r: r.money.amount if not r.money.unconverted else r.price.amount,
            )
            totals[cheapest.price.currency] += Decimal(benefit.tokens) * cheapest.price.amount / MILLION
    if not total_tokens:
        return FreeTokenValue(0, None)
    if unknown:
        return FreeTokenValue(total_tokens, None, unknown)
    converted = [converter.convert(amount, code, currency) for code, amount in totals.items()]
    if all(value is not None for value in converted):
        original_currency = next(iter(totals)) if len(totals) == 1 else ""
        original = totals[original_currency] if original_currency else None
        return FreeTokenValue(
            total_tokens, Money(sum(converted, Decimal(0)), currency, original, original_currency)
        )
    if len(totals) == 1:
        code, amount = next(iter(totals.items()))
        return FreeTokenValue(total_tokens, Money(amount, code, amount, code, unconverted=True))
    return FreeTokenValue(total_tokens, None, _("no exchange rate"))


OFFER_SORTS = {
    "state": gettext_lazy("Active first"),
    "newest": gettext_lazy("Newest first"),
    "value": gettext_lazy("Free-token value"),
    "tokens": gettext_lazy("Free tokens"),
    "vendor": gettext_lazy("Vendor"),
}


def offer_board(*, vendor="", benefit_kind="", active_only=False, sort="state", currency="USD", on=None):
    """The programme cards for the home page; five queries whatever the number of programmes."""
    on = on or today()
    converter = Converter.load(on)  # 1
    programs = MigrationProgram.objects.published().select_related("provider")
    if vendor:
        programs = programs.filter(provider__slug=vendor)
    if benefit_kind:
        programs = programs.filter(benefits__kind=benefit_kind).distinct()
    if active_only:
        programs = programs.active(on=on)
    programs = programs.prefetch_related(  # 2 + 3 + 4
        Prefetch(
            "benefits",
            queryset=Benefit.objects.order_by("position", "id").prefetch_related(
                Prefetch("models", queryset=Model.objects.order_by("slug"))
            ),
        )
    )
    programs = list(programs)
    model_ids = {m.pk for p in programs for b in p.benefits.all() for m in b.models.all()}
    prices = current_prices(model_ids, converter, currency, on) if model_ids else {}  # 5
    cards = [program_card(program, prices, converter, currency, on) for program in programs]
    state_rank = ProgramState.RANK

    def newest(card):
        d = card.program.starts_on or card.program.announced_on or date.min
        return -d.toordinal()

    def value_key(card):
        money = card.value.money
        known = money is not None and not money.unconverted
        return (0 if known else 1, -(money.amount if known else 0))

    keys = {
        "state": lambda c: (state_rank[c.state], newest(c), c.program.slug),
        "newest": lambda c: (newest(c), c.program.slug),
        "value": lambda c: (c.lapsed, *value_key(c), c.program.slug),
        "tokens": lambda c: (c.lapsed, -c.free_tokens, c.program.slug),
        "vendor": lambda c: (c.provider.display_name.lower(), state_rank[c.state], c.program.slug),
    }
    cards.sort(key=keys.get(sort, keys["state"]))
    return cards


def vendor_choices():
    """(slug, display name) of published vendors, for filter selects: one query."""
    return [(p.slug, p.display_name) for p in Provider.objects.published().only("slug", "name", "name_zh")]


# --- Model table ------------------------------------------------------------------------------

MODEL_SORTS = {
    "name": gettext_lazy("Name (A–Z)"),
    "-name": gettext_lazy("Name (Z–A)"),
    "input": gettext_lazy("Input price (low to high)"),
    "-input": gettext_lazy("Input price (high to low)"),
    "output": gettext_lazy("Output price (low to high)"),
    "-output": gettext_lazy("Output price (high to low)"),
    "-context": gettext_lazy("Context window (large to small)"),
    "context": gettext_lazy("Context window (small to large)"),
}


@dataclass
class ModelRow:
    model: Model
    prices: ModelPrices
    picked: bool = False  # ticked for comparison (in the page's ?m=)

    @property
    def key(self):
        return f"{self.model.provider.slug}/{self.model.slug}"


@dataclass
class CompareTray:
    """The models picked for comparison on a browse page: `?m=provider/model`, in the order picked.

    `refused` holds the picks beyond COMPARE_MAX (the last ticked first to go): the page says they
    were not added, and its links carry only `keys`.
    """

    models: list[Model] = field(default_factory=list)
    refused: list[Model] = field(default_factory=list)
    off_page: list[str] = field(default_factory=list)  # picked keys with no checkbox on this page
    max: int = COMPARE_MAX

    @property
    def keys(self) -> list[str]:
        return [f"{m.provider.slug}/{m.slug}" for m in self.models]

    @property
    def is_full(self):
        return len(self.models) >= self.max

    @property
    def query(self) -> str:
        """`m=zhipu%2Fglm-4&m=...`: the picks alone, for links that reset everything else."""
        return urlencode([("m", key) for key in self.keys])

    @property
    def refused_names(self) -> str:
        return ", ".join(m.name for m in self.refused)


def compare_tray(keys) -> CompareTray:
    """The picked models by (provider, model) key: one query, none when nothing is picked.

    Unknown keys are dropped. Only the first few keys are looked up, so a crafted URL with many
    `m` cannot grow the query; anything past COMPARE_MAX is refused, not silently dropped.
    """
    keys = list(keys)[: COMPARE_MAX * 2]
    if not keys:
        return CompareTray()
    condition = Q(pk__in=[])
    for provider, slug in keys:
        condition |= Q(provider__slug=provider, slug=slug)
    found = {
        (m.provider.slug, m.slug): m
        for m in Model.objects.published().filter(condition).select_related("provider")
    }
    picked = [found[k] for k in keys if k in found]
    return CompareTray(models=picked[:COMPARE_MAX], refused=picked[COMPARE_MAX:])


@dataclass
class ModelTable:
    page: object  # django.core.paginator.Page of ModelRow
    total: int
    converter: Converter
    tray: CompareTray = field(default_factory=CompareTray)

    @property
    def rates(self) -> list[Rate]:
        """The exchange rates behind the prices the table shows (headline rows and variants)."""
        shown = []
        for row in self.page.object_list:
            prices = row.prices
            shown += [prices.input, prices.output, *prices.input_variants, *prices.output_variants]
        return rates_behind((r.money for r in shown if r), self.converter)


def model_queryset(filters: dict, converter: Converter, currency: str, on: date):
    """Published models filtered and sorted in SQL; prices converted to `currency` in SQL."""
    qs = Model.objects.published().select_related("provider")
    q = clean_or_empty(filters.get("q")).strip()
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(slug__icontains=q)
            | Q(provider__name__icontains=q)
            | Q(provider__name_zh__icontains=q)
            | Q(provider__slug__icontains=q)
        )
    if filters.get("vendor"):
        qs = qs.filter(provider__slug=filters["vendor"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("capability"):
        # JSON text match with the quotes, so "json" does not match "json_schema"; works on SQLite
        # and PostgreSQL alike (jsonb containment is PostgreSQL-only).
        qs = qs.filter(capabilities__icontains=f'"{filters["capability"]}"')
    if filters.get("min_context"):
        qs = qs.filter(context_window__gte=filters["min_context"])
    if filters.get("compatible"):
        qs = qs.filter(provider__openai_compatible=True)
    qs = _dimension_filters(qs, filters, on)
    currencies = converter.currencies()
    sort = filters.get("sort") or "name"
    needs_input = sort.lstrip("-") == "input" or filters.get("max_input") is not None
    needs_output = sort.lstrip("-") == "output" or filters.get("max_output") is not None
    if needs_input:
        qs = qs.annotate(
            input_sort=current_price_subquery(Price.Kind.INPUT, on, converter, currency, currencies)
        )
    if needs_output:
        qs = qs.annotate(
            output_sort=current_price_subquery(Price.Kind.OUTPUT, on, converter, currency, currencies)
        )
    if filters.get("max_input") is not None:
        qs = qs.filter(input_sort__lte=filters["max_input"])
    if filters.get("max_output") is not None:
        qs = qs.filter(output_sort__lte=filters["max_output"])
    name_order = [Lower("name").asc(), "provider__slug", "slug"]
    orders = {
        "name": name_order,
        "-name": [Lower("name").desc(), "provider__slug", "slug"],
        "input": [F("input_sort").asc(nulls_last=True), *name_order],
        "-input": [F("input_sort").desc(nulls_last=True), *name_order],
        "output": [F("output_sort").asc(nulls_last=True), *name_order],
        "-output": [F("output_sort").desc(nulls_last=True), *name_order],
        "context": [F("context_window").asc(nulls_last=True), *name_order],
        "-context": [F("context_window").desc(nulls_last=True), *name_order],
    }
    return qs.order_by(*orders.get(sort, name_order))


def _dimension_filters(qs, filters: dict, on: date):
    """has_batch, has_offpeak, region ("home", "cn", "intl"): models with a current approved row of
    that tier, with a time window, of that region. Subqueries of the same SQL statement."""
    current = Price.objects.current(on=on)
    if filters.get("has_batch"):
        qs = qs.filter(pk__in=current.filter(service_tier=Price.ServiceTier.BATCH).values("model_id"))
    if filters.get("has_offpeak"):
        qs = qs.filter(pk__in=current.filter(time_window__isnull=False).values("model_id"))
    region = filters.get("region")
    if region == "home":
        qs = qs.filter(pk__in=current.filter(region__isnull=True).values("model_id"))
    elif region in Price.Region.values:
        qs = qs.filter(pk__in=current.filter(region=region).values("model_id"))
    return qs


def model_table(
    filters: dict, *, page=1, picks=(), currency="USD", on=None, per_page=MODELS_PER_PAGE
) -> ModelTable:
    """One page of the model table and the compare tray: rates, count, page, prices (four
    queries), and one more for the picked models' names when something is picked."""
    on = on or today()
    converter = Converter.load(on)
    paginator = Paginator(model_queryset(filters, converter, currency, on), per_page)
    page_obj = paginator.get_page(page)
    models = list(page_obj.object_list)
    prices = current_prices([m.pk for m in models], converter, currency, on)
    tray = compare_tray(picks)
    rows = [ModelRow(m, prices.get(m.pk) or ModelPrices()) for m in models]
    picked = set(tray.keys)
    for row in rows:
        row.picked = row.key in picked
    shown = {row.key for row in rows}
    tray.off_page = [key for key in tray.keys if key not in shown]
    page_obj.object_list = rows
    return ModelTable(page=page_obj, total=paginator.count, converter=converter, tray=tray)


# --- Vendor page ------------------------------------------------------------------------------


@dataclass
class Snippet:
    openai_model: str
    model: Model | None
    base_url: str
    key_variable: str
    python: str
    node: str
    curl: str


def key_variable(provider: Provider) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", provider.slug.upper()).strip("_") + "_API_KEY"


def migration_snippet(provider: Provider, openai_model: str, model: Model | None) -> Snippet:
    base_url = provider.api_base_url or "https://api.example.com/v1"
    var = key_variable(provider)
    target = model.slug if model else "MODEL_ID"
    python = (
        "import os\n"
        "from openai import OpenAI\n\n"
        "client = OpenAI(\n"
        f'    api_key=os.environ["{var}"],\n'
        f'    base_url="{base_url}",\n'
        ")\n"
        "response = client.chat.completions.create(\n"
        f'    model="{target}",  # was "{openai_model}"\n'
        '    messages=[{"role": "user", "content": "Hello"}],\n'
        ")\n"
        "print(response.choices[0].message.content)\n"
    )
    node = (
        'import OpenAI from "openai";\n\n'
        "const client = new OpenAI({\n"
        f"  apiKey: process.env.{var},\n"
        f'  baseURL: "{base_url}",\n'
        "});\n"
        "const response = await client.chat.completions.create({\n"
        f'  model: "{target}", // was "{openai_model}"\n'
        '  messages: [{ role: "user", content: "Hello" }],\n'
        "});\n"
        "console.log(response.choices[0].message.content);\n"
    )
    curl = (
        f'curl "{base_url.rstrip("/")}/chat/completions" \\\n'
        f'  -H "Authorization: Bearer ${var}" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        f'  -d \'{{"model": "{target}", "messages": [{{"role": "user", "content": "Hello"}}]}}\'\n'
    )
    return Snippet(openai_model, model, base_url, var, python, node, curl)


@dataclass
class VendorPage:
    provider: Provider
    models: list[ModelRow]
    programs: list[ProgramCard]
    openai_models: list[str]
    openai_model: str
    mapped: dict[str, Model]
    snippet: Snippet
    converter: Converter

    @property
    def rates(self) -> list[Rate]:
        """The exchange rates behind the model table's prices, shown once above it."""
        return rates_behind((r.money for row in self.models for r in row.prices.all_rows()), self.converter)


def vendor_page(provider: Provider, *, openai_model="", currency="USD", on=None) -> VendorPage:
    """Everything on a vendor page in seven queries (the provider itself is the caller's)."""
    on = on or today()
    converter = Converter.load(on)  # 1
    models = list(provider.models.order_by("kind", Lower("name"), "slug"))  # 2
    model_ids = {m.pk for m in models}
    programs = list(  # 3, 4, 5
        provider.programs.filter(is_published=True).prefetch_related(
            Prefetch(
                "benefits",
                queryset=Benefit.objects.order_by("position", "id").prefetch_related(
                    Prefetch("models", queryset=Model.objects.order_by("slug"))
                ),
            )
        )
    )
    model_ids |= {m.pk for p in programs for b in p.benefits.all() for m in b.models.all()}
    prices = current_prices(model_ids, converter, currency, on)  # 6
    # 7: the counterpart of each OpenAI model on `on` (rule 4, as the estimator picks it)
    mapped: dict[str, Model] = {
        model.mapping_openai_model.slug: model for model in counterparts(on, providers=[provider.pk]).values()
    }
    mapped = dict(sorted(mapped.items()))
    openai_models = sorted(mapped) or ["gpt-4o"]
    if openai_model not in openai_models:
        openai_model = "gpt-4o" if "gpt-4o" in openai_models else openai_models[0]
    target = mapped.get(openai_model) or next((m for m in models if m.kind == Model.Kind.CHAT), None)
    cards = [program_card(program, prices, converter, currency, on) for program in programs]
    cards.sort(key=lambda c: (ProgramState.RANK[c.state], c.program.slug))
    return VendorPage(
        provider=provider,
        models=[ModelRow(m, prices.get(m.pk) or ModelPrices()) for m in models],
        programs=cards,
        openai_models=openai_models,
        openai_model=openai_model,
        mapped=mapped,
        snippet=migration_snippet(provider, openai_model, target),
        converter=converter,
    )


# --- Model page: price history ----------------------------------------------------------------


@dataclass
class Series:
    label: str
    kind: str
    currency: str
    points: list[tuple[date, date | None, Decimal]]  # (from, to, amount)
    path: str = ""
    colour: str = ""


@dataclass
class Chart:
    width: int
    height: int
    series: list[Series]
    start: date
    end: date
    max_amount: Decimal
    y_ticks: list[tuple[float, Decimal]]
    x_ticks: list[tuple[float, date]]
    currency: str
    higher_tiers_left_out: bool = False


# Mirrored in static/css/banjia.css (legend swatches; no inline styles under the CSP).
CHART_COLOURS = ("#1f6feb", "#d1495b", "#2a9d8f", "#e9a23b", "#6d597a", "#577590", "#8f2d56", "#3a7d44")
CHART_W, CHART_H, CHART_PAD_L, CHART_PAD_B, CHART_PAD_T, CHART_PAD_R = 640, 240, 56, 28, 12, 12


def price_chart(history: list[Price], on: date) -> Chart | None:
    """Step lines of each price slot over time, as SVG paths (no JavaScript needed).

    Only rows in the model's most common currency are drawn (one y axis), and of a prompt-length
    ladder only its first tier (a model with tiers, batch and international rows would otherwise
    draw some 18 lines); the table below the chart lists every row. The y axis has round ticks.
    """
    if not history:
        return None
    counts: dict[str, int] = defaultdict(int)
    for row in history:
        counts[row.currency] += 1
    currency = max(counts, key=lambda c: (counts[c], c == "USD"))
    in_currency = [r for r in history if r.currency == currency]
    rows = [r for r in in_currency if (r.tier_min_input_tokens or 0) == 0] or in_currency
    start = min(r.valid_from for r in rows)
    end = max([on, *(r.valid_to for r in rows if r.valid_to)])
    if end <= start:
        end = date.fromordinal(start.toordinal() + 1)
    peak = max(r.amount for r in rows) or Decimal(1)
    step = _nice_step(peak)
    top = step * math.ceil(peak * Decimal("1.05") / step)
    plot_w = CHART_W - CHART_PAD_L - CHART_PAD_R
    plot_h = CHART_H - CHART_PAD_T - CHART_PAD_B
    span = end.toordinal() - start.toordinal()

    def x(d: date) -> float:
        return round(CHART_PAD_L + plot_w * (d.toordinal() - start.toordinal()) / span, 1)

    def y(amount: Decimal) -> float:
        return round(CHART_PAD_T + plot_h * float(1 - amount / top), 1)

    slots: dict[tuple, Series] = {}
    labels = dict(Price.Kind.choices)
    for row in sorted(rows, key=lambda r: (r.kind, _dimension_order(r), _tier_key(r), r.valid_from)):
        key = (row.kind, row.dimensions_key, _tier_key(row))
        if key not in slots:
            label = str(labels.get(row.kind, row.kind))
            if row.tier_label:
                label = f"{label} ({row.tier_label})"
            if not is_headline(row):
                label = f"{label} · {price_terms(row)}"
            slots[key] = Series(label, row.kind, currency, [])
        slots[key].points.append((row.valid_from, row.valid_to, row.amount))
    series = list(slots.values())
    for index, s in enumerate(series):
        s.colour = CHART_COLOURS[index % len(CHART_COLOURS)]
        parts = []
        for valid_from, valid_to, amount in s.points:
            stop = min(valid_to or end, end)
            parts.append(f"M{x(valid_from)},{y(amount)} H{x(stop)}")
        s.path = " ".join(parts)
    y_ticks = [(y(step * i), step * i) for i in range(int(top / step) + 1)]
    x_ticks = [(x(start), start), (x(end), end)]
    if span > 60:
        middle = date.fromordinal(start.toordinal() + span // 2)
        x_ticks.insert(1, (x(middle), middle))
    return Chart(
        CHART_W, CHART_H, series, start, end, top, y_ticks, x_ticks, currency, len(rows) < len(in_currency)
    )


def _nice_step(peak: Decimal) -> Decimal:
    """A round tick step (1, 2, 2.5 or 5 x 10^k) giving about four intervals up to `peak`."""
    raw = peak / 4
    power = Decimal(10) ** math.floor(math.log10(raw))
    for m in (1, 2, Decimal("2.5"), 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


@dataclass
class ModelPage:
    model: Model
    prices: ModelPrices
    history: list[tuple[Price, Money]]
    chart: Chart | None
    programs: list[ProgramCard]
    replaces: list[str]
    converter: Converter

    @property
    def rates(self) -> list[Rate]:
        """The exchange rates behind the current prices and the history's converted column."""
        moneys = [r.money for r in self.prices.all_rows()] + [money for _price, money in self.history]
        return rates_behind(moneys, self.converter)


def model_page(model: Model, *, currency="USD", on=None) -> ModelPage:
    on = on or today()
    converter = Converter.load(on)  # 1
    history = list(Price.objects.approved().filter(model=model).order_by("-valid_from", "kind"))  # 2
    programs = list(  # 3, 4, 5
        MigrationProgram.objects.published()
        .select_related("provider")
        .filter(provider_id=model.provider_id)
        .filter(Q(benefits__models=model) | Q(benefits__models__isnull=True))
        .distinct()
        .prefetch_related(
            Prefetch(
                "benefits",
                queryset=Benefit.objects.order_by("position", "id").prefetch_related(
                    Prefetch("models", queryset=Model.objects.order_by("slug"))
                ),
            )
        )
    )
    # 6: the OpenAI models this model is the counterpart of on `on` (rule 4)
    replaces = sorted(
        m.mapping_openai_model.slug
        for m in counterparts(on, providers=[model.provider_id]).values()
        if m.pk == model.pk
    )
    ids = {model.pk} | {m.pk for p in programs for b in p.benefits.all() for m in b.models.all()}
    prices = current_prices(ids, converter, currency, on)  # 7
    model_prices = prices.get(model.pk) or ModelPrices()
    cards = [program_card(program, prices, converter, currency, on) for program in programs]
    return ModelPage(
        model=model,
        prices=model_prices,
        history=[(p, Money.of(p.amount, p.currency, converter, currency)) for p in history],
        chart=price_chart(history, on),
        programs=cards,
        replaces=replaces,
        converter=converter,
    )


# --- Compare ----------------------------------------------------------------------------------


@dataclass
class CompareColumn:
    model: Model
    prices: ModelPrices
    programs: list[MigrationProgram]
    input_ratio: Decimal | None
    output_ratio: Decimal | None
    counterpart: Model | None = None  # the vendor's counterpart of the baseline model (rule 4)


@dataclass
class CompareLine:
    """One price kind at one service tier, region and window, across the compared models."""

    label: str
    cells: list[PriceRow | None]
    baseline: PriceRow | None = None


@dataclass
class Comparison:
    columns: list[CompareColumn]
    baseline: Model | None
    baseline_prices: ModelPrices | None
    openai_models: list[Model]
    missing: list[str]
    converter: Converter
    capabilities: tuple = Model.CAPABILITIES
    variant_lines: list[CompareLine] = field(default_factory=list)
    # False when the baseline is one of the picked models: it is not shown twice.
    baseline_column: bool = True


def variant_lines(columns: list[CompareColumn], baseline: ModelPrices | None) -> list[CompareLine]:
    """A line per (tier, region, window, kind) that any compared model has besides its headline
    prices; the baseline's cell is filled where OpenAI has the same kind of row."""
    found = {}
    for col in columns:
        for kind in KIND_ORDER:
            for row in col.prices.variants(kind):
                found.setdefault((row.price.dimensions_key, kind), row.price)
    order = sorted(found, key=lambda key: (_dimension_order(found[key]), KIND_ORDER.index(key[1])))
    labels = dict(Price.Kind.choices)

    def cell(prices, key):
        dims, kind = key
        return next((row for row in prices.variants(kind) if row.price.dimensions_key == dims), None)

    lines = []
    for key in order:
        price = found[key]
        # Vendors' regional rows differ in currency: the line names the region alone.
        terms = price_terms(price, with_currency=False)
        lines.append(
            CompareLine(
                label=f"{labels[key[1]]} · {terms}",
                cells=[cell(col.prices, key) for col in columns],
                baseline=cell(baseline, key) if baseline else None,
            )
        )
    return lines


def parse_model_keys(values) -> list[tuple[str, str]]:
    """'provider/model-id' strings to (provider, model) pairs, deduplicated, in order."""
    keys = []
    for value in values:
        # A key with a NUL or a lone surrogate names no model (and must not reach a query).
        provider, sep, slug = clean_or_empty(value).strip().partition("/")
        if sep and provider and slug and (provider, slug) not in keys:
            keys.append((provider, slug))
    return keys


def _ratio(value: Money | None, base: Money | None) -> Decimal | None:
    if not value or not base or value.amount is None or base.amount is None:
        return None
    if value.unconverted or base.unconverted or value.currency != base.currency or base.amount == 0:
        return None
    return value.amount / base.amount


def compare(keys, *, baseline="gpt-4o", currency="USD", on=None) -> Comparison:
    """Up to four models side by side with the ratio of their prices to an OpenAI model."""
    on = on or today()
    keys = keys[:COMPARE_MAX]
    converter = Converter.load(on)  # 1
    condition = Q(pk__in=[])
    for provider, slug in keys:
        condition |= Q(provider__slug=provider, slug=slug)
    found = {  # 2
        (m.provider.slug, m.slug): m
        for m in Model.objects.published().filter(condition).select_related("provider")
    }
    openai_models = list(  # 3
        Model.objects.filter(provider__slug="openai", kind=Model.Kind.CHAT).select_related("provider")
    )
    base_model = next((m for m in openai_models if m.slug == baseline), None)
    if base_model is None and openai_models:
        base_model = next((m for m in openai_models if m.slug == "gpt-4o"), openai_models[0])
    chosen = [found[k] for k in keys if k in found]
    ids = {m.pk for m in chosen} | ({base_model.pk} if base_model else set())
    prices = current_prices(ids, converter, currency, on)  # 4
    provider_ids = {m.provider_id for m in chosen}
    programs = list(  # 5, 6
        MigrationProgram.objects.published()
        .active(on=on)
        .select_related("provider")
        .filter(provider_id__in=provider_ids)
        .prefetch_related("benefits__models")
    )
    base_prices = prices.get(base_model.pk) if base_model else None
    # 7: each column's vendor's counterpart of the baseline model today (rule 4)
    mapped = (
        counterparts(on, openai_models=[base_model.pk], providers=provider_ids)
        if base_model and provider_ids
        else {}
    )
    columns = []
    for model in chosen:
        model_prices = prices.get(model.pk) or ModelPrices()
        applying = []
        for program in programs:
            if program.provider_id != model.provider_id:
                continue
            for benefit in program.benefits.all():
                ids_ = {m.pk for m in benefit.models.all()}
                if not ids_ or model.pk in ids_:
                    applying.append(program)
                    break
        columns.append(
            CompareColumn(
                model=model,
                prices=model_prices,
                programs=applying,
                input_ratio=_ratio(
                    model_prices.input and model_prices.input.money,
                    base_prices and base_prices.input and base_prices.input.money,
                ),
                output_ratio=_ratio(
                    model_prices.output and model_prices.output.money,
                    base_prices and base_prices.output and base_prices.output.money,
                ),
                counterpart=mapped.get((base_model.pk, model.provider_id)) if base_model else None,
            )
        )
    missing = [f"{p}/{s}" for p, s in keys if (p, s) not in found]
    shown = list(chosen) + ([base_model] if base_model else [])
    # Only the capabilities some model on the page has: no row empty for every model.
    capabilities = tuple(
        cap for cap in Model.CAPABILITIES if any(cap in (m.capabilities or ()) for m in shown)
    )
    comparison = Comparison(
        columns,
        base_model,
        base_prices,
        openai_models,
        missing,
        converter,
        capabilities=capabilities,
        baseline_column=base_model is not None and base_model not in chosen,
    )
    comparison.variant_lines = variant_lines(columns, base_prices)
    return comparison


# --- Feed -------------------------------------------------------------------------------------


@dataclass
class FeedItem:
    kind: str  # "price" or "program"
    on: date
    price: Price | None = None
    previous: Price | None = None
    program: MigrationProgram | None = None


def recent_changes(limit=40) -> list[FeedItem]:
    """New price rows (with the row they replaced) and new programmes, newest first: 5 queries."""
    prices = list(
        Price.objects.approved()
        .filter(model__provider__is_published=True)
        .select_related("model__provider")
        .order_by("-valid_from", "-id")[:limit]
    )
    closed = Price.objects.approved().filter(
        model_id__in={p.model_id for p in prices}, valid_to__isnull=False
    )
    # A new row replaces the one of the same slot (model, kind, prompt tier, currency, service
    # tier, region, time window) that closed the day it opened: a batch or off-peak row is never
    # paired with a standard all-day one.
    by_slot = {(*_slot_key(p), p.valid_to): p for p in closed}
    items = [
        FeedItem("price", p.valid_from, price=p, previous=by_slot.get((*_slot_key(p), p.valid_from)))
        for p in prices
    ]
    programs = (
        MigrationProgram.objects.published()
        .select_related("provider")
        .prefetch_related(
            Prefetch("benefits", queryset=Benefit.objects.order_by("position", "id")), "benefits__models"
        )
    )
    programs = programs.annotate(
        first_day=Coalesce("announced_on", "starts_on", Value(date(2000, 1, 1)))
    ).order_by("-first_day", "slug")[:limit]
    items += [FeedItem("program", p.first_day, program=p) for p in programs]
    items.sort(key=lambda item: item.on, reverse=True)
    return items[:limit]


def stale_after_days() -> int:
    return settings.BANJIA_STALE_AFTER_DAYS


def compare_search(q: str, *, exclude=(), limit=10) -> list[Model]:
    """Models matching `q` to add to a comparison: one query, none for fewer than 2 characters."""
    q = clean_or_empty(q).strip()
    if len(q) < 2:
        return []
    rows = model_queryset({"q": q}, Converter([], today()), "USD", today())[: limit + len(exclude)]
    excluded = set(exclude)
    return [m for m in rows if (m.provider.slug, m.slug) not in excluded][:limit]
