"""Shared reading of the aggregated price feeds (LiteLLM, OpenRouter, models.dev)."""

from decimal import Decimal, InvalidOperation

from ..base import ParseError

PER_MILLION = Decimal(1_000_000)


def decimal_or_none(value, what):
    """A feed number (JSON number or string) as Decimal; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ParseError(f"{what}: {value!r} is not a price")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ParseError(f"{what}: {value!r} is not a price") from None
    if not number.is_finite():
        raise ParseError(f"{what}: {value!r} is not a price")
    return number


def per_token_to_million(value, what):
    number = decimal_or_none(value, what)
    if number is None:
        return None
    if number < 0:
        return None  # feeds mark "not offered" with -1
    return (number * PER_MILLION).normalize()
