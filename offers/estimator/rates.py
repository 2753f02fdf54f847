"""Exchange rates for one estimate: conversion factors into the output currency by the rule of
DESIGN.md step 6 (direct, inverse, cross via USD; a later rate only when no earlier one exists)."""

from fractions import Fraction

from offers.catalog.io import fmt_decimal
from offers.estimator.money import exact
from offers.estimator.request import USD


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


def fx_list(rows, as_of):
    unique = {(r.base, r.quote, r.date): r for r in rows}
    return [fx_entry(unique[k], as_of) for k in sorted(unique)]
