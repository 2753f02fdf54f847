"""The ECB's daily euro foreign exchange reference rates (eurofxref-daily.xml).

    <Cube><Cube time="2025-05-09"><Cube currency="USD" rate="1.1252"/>
      <Cube currency="CNY" rate="8.1435"/> ...

Each EUR/X rate is stored as published, and for every X also USD/X = (EUR/X) / (EUR/USD),
rounded to 6 decimal places, because prices are compared through USD.
"""

import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from lxml import etree

from ..base import ParseError, Rate

SLUG = "ecb"
KIND = "fx"
URLS = ["https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"]
DERIVED_PLACES = Decimal("0.000001")


def parse(text):
    if not text or not text.strip():
        raise ParseError("ecb: the document is empty")
    try:
        root = etree.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"ecb: not XML ({exc})") from None
    days = [el for el in root.iter() if el.tag.endswith("Cube") and el.get("time")]
    if not days:
        raise ParseError("ecb: no <Cube time=...> element")
    out = []
    for day in days:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.get("time")):
            raise ParseError(f"ecb: time {day.get('time')!r} is not a date")
        on = date.fromisoformat(day.get("time"))
        rates = {}
        for cube in day:
            currency, rate = cube.get("currency"), cube.get("rate")
            if not currency or rate is None:
                continue
            if not re.fullmatch(r"[A-Z]{3}", currency):
                raise ParseError(f"ecb: currency {currency!r} is not an ISO code")
            try:
                value = Decimal(rate)
            except InvalidOperation:
                raise ParseError(f"ecb: rate {rate!r} for {currency} is not a number") from None
            if value <= 0:
                raise ParseError(f"ecb: rate {rate!r} for {currency} is not positive")
            rates[currency] = value
            out.append(Rate(SLUG, "EUR", currency, value, on))
        if not rates:
            raise ParseError(f"ecb: no rates on {on}")
        usd = rates.get("USD")
        if usd is not None:
            out.append(Rate(SLUG, "USD", "EUR", (1 / usd).quantize(DERIVED_PLACES, ROUND_HALF_EVEN), on))
            for currency, value in rates.items():
                if currency != "USD":
                    out.append(
                        Rate(
                            SLUG, "USD", currency, (value / usd).quantize(DERIVED_PLACES, ROUND_HALF_EVEN), on
                        )
                    )
    return sorted(out, key=Rate.sort_key)
