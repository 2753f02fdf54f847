"""The display currency of a request (cookie, language) and amounts shown in it with the rates behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings

from offers.catalog.fx import Converter, Rate

DISPLAY_CURRENCIES = ("CNY", "USD")
DEFAULT_CURRENCY = {"zh": "CNY"}  # by language prefix; anything else shows USD
CURRENCY_COOKIE = "banjia_currency"


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


def stale_after_days() -> int:
    return settings.BANJIA_STALE_AFTER_DAYS
