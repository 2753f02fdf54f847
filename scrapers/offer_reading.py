"""Reading offers off vendor pages: the page's visible words, Chinese amounts ("2000万", "2亿"),
discounts written as 折 ("限时8折" = 20% off) and the grouping of offer observations.

Pure functions of text, shared by the sources' `parse_offers`; nothing here touches the network or
the database. Offer text keeps the page's own characters (full-width punctuation included), only
whitespace and invisible characters are tidied.
"""

import re
from decimal import Decimal, InvalidOperation

from bs4 import BeautifulSoup

from .base import Offer, ParseError

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
# Chinese magnitudes of a token count: 万 = 10^4, 亿 = 10^8; "M"/"K" in English.
MAGNITUDE = {None: 1, "": 1, "万": 10_000, "亿": 100_000_000, "k": 1000, "m": 1_000_000, "b": 10**9}
CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def tidy(text):
    """Collapse whitespace and drop invisible characters, keeping the page's own characters."""
    return re.sub(r"\s+", " ", str(text or "").translate(INVISIBLE)).strip()


def visible_text(markup):
    """The words of an HTML page as a reader sees them (scripts and styles left out)."""
    page = BeautifulSoup(markup, "lxml")
    for node in page(["script", "style", "noscript"]):
        node.decompose()
    return tidy(page.get_text(" "))


def token_count(number, magnitude):
    """'2000', '万' -> 20000000; raises ParseError on a number it cannot read."""
    try:
        value = Decimal(number.replace(",", "")) * MAGNITUDE[(magnitude or "").lower()]
    except (InvalidOperation, KeyError):
        raise ParseError(f"{number}{magnitude or ''} is not a token count") from None
    if value != value.to_integral_value() or value <= 0:
        raise ParseError(f"{number}{magnitude or ''} is not a whole, positive token count")
    return int(value)


def percent_off_zhe(zhe):
    """A price written as 折 (tenths of the list price) as the percent taken off:
    '8' -> 20, '5' -> 50, '8.5' -> 15, '五' -> 50."""
    if zhe in CHINESE_DIGITS:
        zhe = str(CHINESE_DIGITS[zhe])
    try:
        value = Decimal(zhe)
    except InvalidOperation:
        raise ParseError(f"{zhe}折 is not a discount") from None
    if value >= 10:  # "85折" is 8.5折
        value = value / 10
    if not 0 < value < 10:
        raise ParseError(f"{zhe}折 is not a discount")
    return normal(100 - value * 10)


def normal(value):
    """A Decimal without trailing zeros (20.0 -> 20)."""
    value = Decimal(value).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def money(text):
    try:
        return normal(Decimal(text.replace(",", "")))
    except InvalidOperation:
        raise ParseError(f"{text!r} is not an amount") from None


def snippet(text, match, *, before=0, after=0):
    """The page's words of a match, widened by a few characters on either side."""
    start, end = match.span()
    return tidy(text[max(0, start - before) : end + after])


def merge(offers):
    """One observation per slot (pages of one source may show the same offer twice), sorted."""
    seen, out = set(), []
    for o in offers:
        if o.slot not in seen:
            seen.add(o.slot)
            out.append(o)
    return sorted(out, key=Offer.sort_key)
