"""Monthly average exchange rates: the Federal Reserve's H.10 monthly averages (via FRED),
republished by the datasets/exchange-rates project as one CSV.

    Date,Country,Exchange rate
    2024-07-01,China,7.2609          <- CNY per 1 USD, the average over July 2024
    2024-07-01,Euro,1.0844           <- USD per 1 EUR: a few series are quoted the other way

Each row is the average of a whole month, dated the first day of that month; it is not a daily
reference rate, so every rate says so (`NOTE`) and keeps this source's own URL. Countries whose
currency is not listed in CURRENCIES are skipped; a file without the three columns, or with a
value that is not a positive number, raises.
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from ..base import ParseError, Rate

SLUG = "fx-monthly"
KIND = "fx"
URLS = ["https://raw.githubusercontent.com/datasets/exchange-rates/main/data/monthly.csv"]
NOTE = "monthly average (Federal Reserve H.10 via datasets/exchange-rates), not a daily rate"

# Series quoted as units of the currency per 1 USD, and those quoted as USD per 1 unit.
CURRENCIES = {
    "Brazil": "BRL", "Canada": "CAD", "China": "CNY", "Denmark": "DKK", "Hong Kong": "HKD",
    "India": "INR", "Japan": "JPY", "Malaysia": "MYR", "Mexico": "MXN", "Norway": "NOK",
    "Singapore": "SGD", "South Africa": "ZAR", "South Korea": "KRW", "Sri Lanka": "LKR",
    "Sweden": "SEK", "Switzerland": "CHF", "Taiwan": "TWD", "Thailand": "THB",
}  # fmt: skip
USD_PER_UNIT = {"Euro": "EUR", "United Kingdom": "GBP", "Australia": "AUD", "New Zealand": "NZD"}
COLUMNS = ("Date", "Country", "Exchange rate")


def parse(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    if not text or not text.strip():
        raise ParseError("fx-monthly: the document is empty")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ParseError(f"fx-monthly: expected the columns {', '.join(COLUMNS)}, got {reader.fieldnames}")
    out = []
    for n, row in enumerate(reader, start=2):
        country, raw = row["Country"], (row["Exchange rate"] or "").strip()
        if country in CURRENCIES:
            base, quote = "USD", CURRENCIES[country]
        elif country in USD_PER_UNIT:
            base, quote = USD_PER_UNIT[country], "USD"
        else:
            continue
        if not raw:  # a month the series has no value for
            continue
        if not re.fullmatch(r"\d{4}-\d{2}-01", row["Date"] or ""):
            raise ParseError(f"fx-monthly: line {n}: date {row['Date']!r} is not the first of a month")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ParseError(f"fx-monthly: line {n}: rate {raw!r} is not a number") from None
        if not value.is_finite() or value <= 0:
            raise ParseError(f"fx-monthly: line {n}: rate {raw!r} is not positive")
        out.append(Rate(SLUG, base, quote, value, date.fromisoformat(row["Date"]), NOTE))
    if not out:
        raise ParseError("fx-monthly: no rate of a known currency")
    return sorted(out, key=Rate.sort_key)
