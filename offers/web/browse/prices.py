"""Current prices as the browse pages show them: per model and kind, converted, with their
dimensions (service tier, region, time window) in words."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    DecimalField,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers.catalog.fx import Converter
from offers.models import (
    AMOUNT_DIGITS,
    WEEKDAYS,
    Price,
)
from offers.web.browse.currency import Money

MILLION = Decimal(1_000_000)


# --- Prices -----------------------------------------------------------------------------------


def _tier_key(price: Price):
    return (price.tier_min_input_tokens or 0, price.tier_max_input_tokens or 0)


def slot_key(price: Price):
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
