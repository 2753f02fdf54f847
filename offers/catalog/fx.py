"""Dated currency conversion for display and review: the latest stored rate on or before a date,
the inverse pair as 1/rate, otherwise a cross through USD. (The estimator applies the same rule
with exact Fractions and a rate-after-as_of fallback; see offers.estimator.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Value, When

from offers.models import AMOUNT_DIGITS, ExchangeRate, today

# A rate more than this many days from the date it is used for is old: the pages mark it and the
# estimate warns (one number for both).
RATE_OLD_AFTER_DAYS = 45

PIVOT = "USD"  # cross rates go through this currency


@dataclass(frozen=True)
class Rate:
    base: str
    quote: str
    rate: Decimal
    date: date


class Converter:
    """Converts money with the latest stored rate on or before `on`.

    A direct pair is used as is, the inverse pair as 1/rate, otherwise a cross through USD.
    `convert` returns None when no chain of rates exists: the caller shows the original
    currency, never 0.
    """

    def __init__(self, rates, on: date):
        self.on = on
        self.rates: dict[tuple[str, str], Rate] = {(r.base, r.quote): r for r in rates}

    @classmethod
    def load(cls, on: date | None = None) -> Converter:
        """One query: the latest rate of every pair on or before `on`."""
        on = on or today()
        latest = (
            ExchangeRate.objects.filter(base=OuterRef("base"), quote=OuterRef("quote"), date__lte=on)
            .order_by("-date")
            .values("date")[:1]
        )
        rows = ExchangeRate.objects.filter(date__lte=on, date=Subquery(latest)).order_by()
        return cls([Rate(r.base, r.quote, r.rate, r.date) for r in rows], on)

    def factor(self, source: str, target: str) -> Decimal | None:
        """How many `target` one `source` buys, or None when unknown."""
        if source == target:
            return Decimal(1)
        direct = self.rates.get((source, target))
        if direct:
            return direct.rate
        inverse = self.rates.get((target, source))
        if inverse:
            return Decimal(1) / inverse.rate
        if PIVOT not in (source, target):
            first, second = self.factor(source, PIVOT), self.factor(PIVOT, target)
            if first is not None and second is not None:
                return first * second
        return None

    def rates_used(self, source: str, target: str) -> list[Rate]:
        """The stored rows behind factor(source, target), to show their dates."""
        if source == target:
            return []
        for pair in ((source, target), (target, source)):
            if pair in self.rates:
                return [self.rates[pair]]
        if PIVOT not in (source, target):
            return self.rates_used(source, PIVOT) + self.rates_used(PIVOT, target)
        return []

    def convert(self, amount: Decimal | None, source: str, target: str) -> Decimal | None:
        if amount is None:
            return None
        factor = self.factor(source, target)
        return None if factor is None else amount * factor

    def sql_convert(self, amount_field: str, currency_field: str, target: str, currencies):
        """A SQL expression converting `amount_field` into `target`; NULL where no rate exists."""
        whens = []
        for code in sorted(set(currencies)):
            factor = self.factor(code, target)
            if factor is not None:
                whens.append(
                    When(
                        **{currency_field: code},
                        then=ExpressionWrapper(
                            F(amount_field) * Value(factor.quantize(Decimal("1e-10"))),
                            output_field=DecimalField(**AMOUNT_DIGITS),
                        ),
                    )
                )
        if not whens:
            return Value(None, output_field=DecimalField(**AMOUNT_DIGITS))
        return Case(*whens, default=Value(None), output_field=DecimalField(**AMOUNT_DIGITS))

    def currencies(self) -> set[str]:
        codes = {PIVOT}
        for base, quote in self.rates:
            codes.update((base, quote))
        return codes
