"""The catalog document read under its limits (size, number of JSON values, number length) and the
checker that validates values and records each error at its JSON path."""

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from offers.catalog.io.records import (
    MAX_ERRORS,
    CatalogError,
)
from offers.catalog.safety import is_clean, printable
from offers.models import (
    Benefit,
)

# The cost of an import is bounded before and while parsing. The seed catalog is 0.3 MB with 859
# objects; a document above MAX_DOCUMENT_BYTES is refused before it is read (the command stats the
# file, or reads at most that many bytes + 1 from standard input), and parsing stops at
# MAX_JSON_VALUES objects and numbers, so memory stays in the low hundreds of MB whatever the
# input.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
MAX_JSON_VALUES = 500_000
# JSON numbers longer than this are not read as numbers (Python refuses ints of 4,300+ digits).
MAX_NUMBER_CHARS = 40
PER_MILLION = 1_000_000
AMOUNT_PLACES = Decimal("1e-10")
AMOUNT_LIMIT = Decimal("1e14")  # Price.amount holds 14 integer digits

# Matched with fullmatch: `$` would also accept a trailing newline ("vendor\n", "CNY\n").
SLUG_RE = re.compile(r"[a-z0-9-]+")
MODEL_ID_RE = re.compile(r"\S+")
CURRENCY_RE = re.compile(r"[A-Z]{3}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
TOKENIZER_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
url_validator = URLValidator(schemes=["http", "https"])

PROVIDER_TEXT = ("name_zh", "website", "pricing_url", "docs_url", "api_base_url", "region", "notes")
PROVIDER_URLS = ("website", "pricing_url", "docs_url", "api_base_url")
PERK_KINDS = {k.value for k in Benefit.PERKS}


class HugeNumber:
    """A JSON number too long to read as one; the checks report it at its path."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return f"<number of {len(self.text)} characters>"


# --- validation ---------------------------------------------------------------------------------


class Checker:
    """Collects errors while reading typed values out of JSON objects."""

    def __init__(self):
        self.errors = []
        self.total = 0

    def err(self, path, message):
        self.total += 1
        if len(self.errors) < MAX_ERRORS:
            # A key or value quoted in a path or message may hold a bad character: print it escaped.
            self.errors.append(printable(f"{path}: {message}"))

    def fail(self):
        raise CatalogError(self.errors, self.total)

    def obj(self, value, path):
        if not isinstance(value, dict):
            self.err(path, "must be an object")
            return None
        return value

    def list(self, value, path, *, required=True):
        if value is None and not required:
            return []
        if not isinstance(value, list):
            self.err(path, "must be a list")
            return []
        return value

    def text(self, d, key, path, *, required=False, pattern=None, max_length=None, url=False):
        value = d.get(key)
        where = f"{path}.{key}"
        if value is None:
            if required:
                self.err(where, "is required")
            return None
        if not isinstance(value, str):
            self.err(where, "must be a string")
            return None
        if value == "":
            self.err(where, "must not be empty (use null for unknown)")
            return None
        if not is_clean(value):
            # PostgreSQL refuses NUL in text and no driver encodes a lone surrogate.
            self.err(where, "must not contain a NUL or an unpaired surrogate (\\u0000, \\ud800-\\udfff)")
            return None
        if max_length and len(value) > max_length:
            self.err(where, f"must be at most {max_length} characters")
            return None
        if pattern and not pattern.fullmatch(value):
            self.err(where, f"must match ^{pattern.pattern}$")
            return None
        if url:
            try:
                url_validator(value)
            except ValidationError:
                self.err(where, "must be an http(s) URL")
                return None
        return value

    def integer(self, d, key, path, *, required=False, minimum=0):
        value = d.get(key)
        where = f"{path}.{key}"
        if value is None:
            if required:
                self.err(where, "is required")
            return None
        if isinstance(value, HugeNumber):
            self.err(where, "is too large")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.err(where, "must be an integer")
            return None
        if value < minimum:
            self.err(where, f"must be an integer >= {minimum}")
            return None
        if value > 2**63 - 1:
            self.err(where, "is too large")
            return None
        return value

    def decimal(self, d, key, path, *, required=False, positive=False, maximum=None):
        value = d.get(key)
        where = f"{path}.{key}"
        if value is None:
            if required:
                self.err(where, "is required")
            return None
        bound = "> 0" if positive else ">= 0"
        if isinstance(value, HugeNumber) or (isinstance(value, str) and len(value) > MAX_NUMBER_CHARS):
            self.err(where, f"must be a decimal {bound} of at most {MAX_NUMBER_CHARS} characters")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            self.err(where, f"must be a decimal {bound}")
            return None
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0 or (positive and number == 0):
            self.err(where, f"must be a decimal {bound}")
            return None
        if abs(number.adjusted()) > MAX_NUMBER_CHARS:  # 1e999999: Overflow in any arithmetic
            self.err(where, "is out of range")
            return None
        if maximum is not None and number > maximum:
            self.err(where, f"must be at most {maximum}")
            return None
        return number

    def boolean(self, d, key, path):
        value = d.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.err(f"{path}.{key}", "must be true, false or null")
        return None

    def day(self, d, key, path, *, required=False):
        value = d.get(key)
        where = f"{path}.{key}"
        if value is None:
            if required:
                self.err(where, "is required")
            return None
        if not isinstance(value, str) or not DATE_RE.fullmatch(value):
            self.err(where, "must be a date YYYY-MM-DD")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.err(where, "must be a real date YYYY-MM-DD")
            return None

    def choice(self, d, key, path, choices, *, default=None):
        value = d.get(key)
        if value is None:
            if default is None:
                self.err(f"{path}.{key}", "is required")
            return default
        if not isinstance(value, str) or value not in choices:
            self.err(f"{path}.{key}", f"must be one of {', '.join(sorted(choices))}")
            return default
        return value


class TooManyValues(Exception):
    pass


class Counter:
    """JSON decoder hooks that count objects and numbers and stop the parse past the cap."""

    def __init__(self, cap):
        self.left = cap

    def tick(self):
        self.left -= 1
        if self.left < 0:
            raise TooManyValues

    def object(self, pairs):
        self.tick()
        return dict(pairs)

    def integer(self, text):
        self.tick()
        return int(text) if len(text) <= MAX_NUMBER_CHARS else HugeNumber(text)

    def decimal(self, text):
        self.tick()
        return Decimal(text) if len(text) <= MAX_NUMBER_CHARS else HugeNumber(text)


def too_large_error():
    return CatalogError([f"$: document is larger than {MAX_DOCUMENT_BYTES} bytes"])


def load_document(raw):
    """Bytes or str -> JSON value, decimals kept exact. Raises CatalogError."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise too_large_error()
    if isinstance(raw, bytes | bytearray):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CatalogError([f"$: not UTF-8 text (byte {exc.start})"]) from None
    counter = Counter(MAX_JSON_VALUES)
    try:
        return json.loads(
            raw, parse_float=counter.decimal, parse_int=counter.integer, object_pairs_hook=counter.object
        )
    except TooManyValues:
        raise CatalogError(
            [f"$: more than {MAX_JSON_VALUES} objects and numbers; not a catalog this program can import"]
        ) from None
    except json.JSONDecodeError as exc:
        raise CatalogError(
            [f"$: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]
        ) from None
    except RecursionError:
        raise CatalogError(["$: not valid JSON: nested too deeply"]) from None
