"""Exact arithmetic and how money and numbers are written: catalog Decimals as Fractions, amounts
rounded half up to the cent only when written ("123.40"), rates and token counts as plain decimals."""

from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

from offers.catalog.io import fmt_decimal

MILLION = 1_000_000
CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=4096)
def exact(value):
    """A Decimal from the catalog (price, rate, ratio, percent) as an exact Fraction."""
    return Fraction(value)


@lru_cache(maxsize=4096)
def scaled(amount):
    """A Decimal price as (n, k) with amount = n / 10^k exactly."""
    sign, digits, exponent = amount.as_tuple()
    n = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    if exponent >= 0:
        return n * 10**exponent, 0
    return n, -exponent


def cents_of(num, den):
    """num / den (integers, den > 0, not necessarily reduced) in whole cents, rounded half up
    (away from 0), without building a Fraction."""
    n = (200 * abs(num) + den) // (2 * den)  # floor(|100 x value| + 1/2)
    return -n if num < 0 else n


def cents(value):
    """An exact amount (Fraction, Decimal or int) in whole cents, rounded half up (away from 0)."""
    if not isinstance(value, Fraction):
        value = Fraction(value)
    return cents_of(value.numerator, value.denominator)


def money_of(num, den):
    """money(num / den) for integers, den > 0, without building a Fraction."""
    c = cents_of(num, den)
    return f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"


def money(value):
    """An exact amount as the contract writes it: 2 places, half up ("123.40", "-0.05")."""
    if not isinstance(value, Fraction):
        value = Fraction(value)
    return money_of(value.numerator, value.denominator)


def number(value, places=12):
    """An exact non-money number (a rate, a token count) as a plain decimal string, at most
    `places` decimals ("7.13", "0.140252454418", "5000000")."""
    q = Fraction(value)
    if q.denominator == 1:
        return str(q.numerator)
    with localcontext(CONTEXT):
        text = Decimal(q.numerator) / Decimal(q.denominator)
    return fmt_decimal(text.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=CONTEXT))
