"""Read and write the catalog document `banjia.catalog/1` (see shared/catalog-format.md).

`parse_catalog` validates a whole document and returns plain records or every error with its JSON
path; `import_catalog` writes those records in one transaction (upserting on natural keys, so the
same document twice changes nothing); `export_catalog` writes the canonical document, so that
export -> import into an empty database -> export gives the same bytes.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Prefetch

from .models import (
    Benefit,
    ExchangeRate,
    MigrationProgram,
    Model,
    ModelMapping,
    Price,
    Provider,
    clean_time_window,
    dimensions_key,
)
from .services import lock_providers, lock_rates

FORMAT = "banjia.catalog/1"
# The cost of an import is bounded before and while parsing. The seed catalog is 0.3 MB with 859
# objects; a document above MAX_DOCUMENT_BYTES is refused before it is read (the command stats the
# file, or reads at most that many bytes + 1 from standard input), and parsing stops at
# MAX_JSON_VALUES objects and numbers, so memory stays in the low hundreds of MB whatever the
# input. At most MAX_ERRORS errors are kept; the rest are counted ("... and K more errors").
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
MAX_JSON_VALUES = 500_000
MAX_ERRORS = 100
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
_url_validator = URLValidator(schemes=["http", "https"])

PROVIDER_TEXT = ("name_zh", "website", "pricing_url", "docs_url", "api_base_url", "region", "notes")
PROVIDER_URLS = ("website", "pricing_url", "docs_url", "api_base_url")
PERK_KINDS = {k.value for k in Benefit.PERKS}


class CatalogError(Exception):
    """The document is not a valid catalog; `errors` lists "path: message" strings (the first
    MAX_ERRORS, then one "... and K more errors" line); `total` counts them all."""

    def __init__(self, errors, total=None):
        self.total = len(errors) if total is None else total
        if len(errors) > MAX_ERRORS:
            errors = errors[:MAX_ERRORS]
        if self.total > len(errors):
            errors = [*errors, f"... and {self.total - len(errors)} more errors"]
        self.errors = errors
        super().__init__(f"{self.total} error(s) in the catalog")


class HugeNumber:
    """A JSON number too long to read as one; the checks report it at its path."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return f"<number of {len(self.text)} characters>"


# --- records: the validated document, independent of the database ----------------------------


@dataclass
class PriceRec:
    kind: str
    amount: Decimal
    currency: str
    tier_min: int | None
    tier_max: int | None
    valid_from: date
    valid_to: date | None
    source_url: str
    checked_on: date
    method: str
    confidence: str
    path: str = ""
    service_tier: str = "standard"
    region: str | None = None
    time_window: dict | None = None
    tier_min_output_tokens: int | None = None
    tier_max_output_tokens: int | None = None
    mode: str | None = None
    note: str = ""

    @property
    def dimensions(self):
        return dimensions_key(self)

    @property
    def key(self):
        return (
            self.kind, self.currency, self.tier_min, self.tier_max, self.valid_from, *self.dimensions
        )  # fmt: skip

    @property
    def slot(self):
        return (self.kind, self.currency, self.tier_min or 0, self.tier_max, *self.dimensions)


@dataclass
class ModelRec:
    slug: str
    fields: dict
    prices: list = field(default_factory=list)


@dataclass
class BenefitRec:
    kind: str
    fields: dict
    models: list


@dataclass
class ProgramRec:
    slug: str
    fields: dict
    benefits: list


@dataclass
class ProviderRec:
    slug: str
    fields: dict
    models: list = field(default_factory=list)
    programs: list = field(default_factory=list)


@dataclass
class MappingRec:
    openai_model: str  # the replaced model, of provider `from_provider`
    provider: str
    model: str
    rank: int
    note: str
    fit: str = "like_for_like"
    from_provider: str = "openai"


@dataclass
class RateRec:
    base: str
    quote: str
    rate: Decimal
    date: date
    source_url: str


@dataclass
class Catalog:
    providers: list
    mappings: list
    rates: list


# --- validation ---------------------------------------------------------------------------------


class _Checker:
    """Collects errors while reading typed values out of JSON objects."""

    def __init__(self):
        self.errors = []
        self.total = 0

    def err(self, path, message):
        self.total += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{path}: {message}")

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
        if max_length and len(value) > max_length:
            self.err(where, f"must be at most {max_length} characters")
            return None
        if pattern and not pattern.fullmatch(value):
            self.err(where, f"must match ^{pattern.pattern}$")
            return None
        if url:
            try:
                _url_validator(value)
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


class _TooManyValues(Exception):
    pass


class _Counter:
    """JSON decoder hooks that count objects and numbers and stop the parse past the cap."""

    def __init__(self, cap):
        self.left = cap

    def tick(self):
        self.left -= 1
        if self.left < 0:
            raise _TooManyValues

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
    counter = _Counter(MAX_JSON_VALUES)
    try:
        return json.loads(
            raw, parse_float=counter.decimal, parse_int=counter.integer, object_pairs_hook=counter.object
        )
    except _TooManyValues:
        raise CatalogError(
            [f"$: more than {MAX_JSON_VALUES} objects and numbers; not a catalog this program can import"]
        ) from None
    except json.JSONDecodeError as exc:
        raise CatalogError(
            [f"$: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]
        ) from None
    except RecursionError:
        raise CatalogError(["$: not valid JSON: nested too deeply"]) from None


def parse_catalog(document, *, known_models=None):
    """Validate a loaded JSON document; return a Catalog or raise CatalogError with every error.

    `known_models` is a set of (provider_slug, model_slug, kind) already in the database, so a
    document may refer to models it does not itself define.
    """
    ck = _Checker()
    if not isinstance(document, dict):
        raise CatalogError(["$: must be an object with format, providers, mappings, exchange_rates"])
    if document.get("format") != FORMAT:
        ck.err("format", f'must be "{FORMAT}"')

    providers = []
    seen_providers, seen_programs = {}, {}
    for i, raw in enumerate(ck.list(document.get("providers"), "providers", required=False)):
        path = f"providers[{i}]"
        rec = _parse_provider(ck, raw, path)
        if rec is None:
            continue
        if rec.slug in seen_providers:
            ck.err(f"{path}.slug", f"duplicate provider slug {rec.slug!r} (also {seen_providers[rec.slug]})")
        seen_providers.setdefault(rec.slug, path)
        for j, program in enumerate(rec.programs):
            where = f"{path}.programs[{j}].slug"
            if program.slug in seen_programs:
                ck.err(where, f"duplicate program slug {program.slug!r} (also {seen_programs[program.slug]})")
            seen_programs.setdefault(program.slug, where)
        providers.append(rec)

    model_kinds = dict(
        ((p, m), kind) for p, m, kind in (known_models or set())
    )  # fmt: skip
    for prov in providers:
        for m in prov.models:
            model_kinds[(prov.slug, m.slug)] = m.fields["kind"]

    # Benefits may only name models of the programme's own provider.
    for i, prov in enumerate(providers):
        for j, program in enumerate(prov.programs):
            for k, benefit in enumerate(program.benefits):
                for n, slug in enumerate(benefit.models):
                    if (prov.slug, slug) not in model_kinds:
                        ck.err(
                            f"providers[{i}].programs[{j}].benefits[{k}].models[{n}]",
                            f"unknown model {slug!r} of provider {prov.slug!r}",
                        )

    mappings = []
    seen_mappings = {}
    for i, raw in enumerate(ck.list(document.get("mappings"), "mappings", required=False)):
        rec = _parse_mapping(ck, raw, f"mappings[{i}]", model_kinds)
        if rec is None:
            continue
        key = (rec.openai_model, rec.provider, rec.rank)
        if key in seen_mappings:
            ck.err(f"mappings[{i}]", f"duplicate of {seen_mappings[key]} (same openai_model, provider, rank)")
        seen_mappings.setdefault(key, f"mappings[{i}]")
        mappings.append(rec)

    rates = []
    seen_rates = {}
    for i, raw in enumerate(ck.list(document.get("exchange_rates"), "exchange_rates", required=False)):
        path = f"exchange_rates[{i}]"
        d = ck.obj(raw, path)
        if d is None:
            continue
        base = ck.text(d, "base", path, required=True, pattern=CURRENCY_RE)
        quote = ck.text(d, "quote", path, required=True, pattern=CURRENCY_RE)
        rate = ck.decimal(d, "rate", path, required=True, positive=True, maximum=Decimal("1e9"))
        day = ck.day(d, "date", path, required=True)
        source = ck.text(d, "source_url", path, url=True, max_length=1000)
        if base and quote and base == quote:
            ck.err(f"{path}.quote", "must differ from base")
        if None in (base, quote, rate, day):
            continue
        if (base, quote, day) in seen_rates:
            ck.err(path, f"duplicate of {seen_rates[(base, quote, day)]} (same base, quote, date)")
        seen_rates.setdefault((base, quote, day), path)
        rates.append(RateRec(base, quote, rate, day, source or ""))

    for key in sorted(set(document) - {"format", "providers", "mappings", "exchange_rates"}):
        ck.err(str(key), "unknown key")

    if ck.total:
        ck.fail()
    return Catalog(providers, mappings, rates)


def _parse_provider(ck, raw, path):
    d = ck.obj(raw, path)
    if d is None:
        return None
    slug = ck.text(d, "slug", path, required=True, pattern=SLUG_RE, max_length=64)
    fields = {"name": ck.text(d, "name", path, required=True, max_length=200)}
    for key in PROVIDER_TEXT:
        fields[key] = ck.text(d, key, path, url=key in PROVIDER_URLS, max_length=500) or ""
    fields["openai_compatible"] = ck.boolean(d, "openai_compatible", path)
    rec = ProviderRec(slug, fields)

    seen = {}
    for j, raw_model in enumerate(ck.list(d.get("models"), f"{path}.models", required=False)):
        model = _parse_model(ck, raw_model, f"{path}.models[{j}]")
        if model is None:
            continue
        if model.slug in seen:
            ck.err(
                f"{path}.models[{j}].slug", f"duplicate model slug {model.slug!r} (also {seen[model.slug]})"
            )
        seen.setdefault(model.slug, f"{path}.models[{j}]")
        rec.models.append(model)

    for j, raw_program in enumerate(ck.list(d.get("programs"), f"{path}.programs", required=False)):
        program = _parse_program(ck, raw_program, f"{path}.programs[{j}]")
        if program is not None:
            rec.programs.append(program)
    return rec if slug else None


def _parse_model(ck, raw, path):
    d = ck.obj(raw, path)
    if d is None:
        return None
    slug = ck.text(d, "slug", path, required=True, pattern=MODEL_ID_RE, max_length=128)
    fields = {
        "name": ck.text(d, "name", path, required=True, max_length=200),
        "kind": ck.choice(d, "kind", path, set(Model.Kind.values), default="chat"),
        "context_window": ck.integer(d, "context_window", path, minimum=1),
        "max_output_tokens": ck.integer(d, "max_output_tokens", path, minimum=1),
        "released_on": ck.day(d, "released_on", path),
        "deprecated_on": ck.day(d, "deprecated_on", path),
        "tokenizer": ck.text(d, "tokenizer", path, pattern=TOKENIZER_RE, max_length=64) or "",
    }
    caps = ck.list(d.get("capabilities"), f"{path}.capabilities", required=False)
    for n, cap in enumerate(caps):
        if cap not in Model.CAPABILITIES:
            ck.err(f"{path}.capabilities[{n}]", f"must be one of {', '.join(Model.CAPABILITIES)}")
    if len(set(map(str, caps))) != len(caps):
        ck.err(f"{path}.capabilities", "must not repeat a capability")
    fields["capabilities"] = [c for c in caps if c in Model.CAPABILITIES]
    for key in ("context_window", "max_output_tokens"):  # PositiveIntegerField's range
        if fields[key] and fields[key] > 2**31 - 1:
            ck.err(f"{path}.{key}", "is too large")
    rec = ModelRec(slug, fields)

    keys, current = {}, {}
    for k, raw_price in enumerate(ck.list(d.get("prices"), f"{path}.prices", required=False)):
        where = f"{path}.prices[{k}]"
        price = _parse_price(ck, raw_price, where)
        if price is None:
            continue
        if price.key in keys:
            ck.err(
                where,
                f"duplicate of {keys[price.key]} (same kind, currency, tier, valid_from, service "
                "tier, region, time window, mode and reply-length band)",
            )
        keys.setdefault(price.key, where)
        if price.valid_to is None:
            if price.slot in current:
                ck.err(
                    where,
                    f"second current price for the same kind, tier, currency, service tier, region, "
                    f"time window, mode and reply-length band as {current[price.slot]}",
                )
            current.setdefault(price.slot, where)
        rec.prices.append(price)
    return rec if slug else None


def _parse_price(ck, raw, path):
    d = ck.obj(raw, path)
    if d is None:
        return None
    kind = ck.choice(d, "kind", path, set(Price.Kind.values))
    amount = ck.decimal(d, "amount", path, required=True)
    currency = ck.text(d, "currency", path, required=True, pattern=CURRENCY_RE)
    per = ck.integer(d, "per", path, minimum=1)
    tier_min = ck.integer(d, "tier_min_input_tokens", path)
    tier_max = ck.integer(d, "tier_max_input_tokens", path)
    valid_from = ck.day(d, "valid_from", path, required=True)
    valid_to = ck.day(d, "valid_to", path)
    source_url = ck.text(d, "source_url", path, required=True, url=True, max_length=1000)
    checked_on = ck.day(d, "checked_on", path, required=True)
    method = ck.choice(d, "method", path, set(Price.Method.values), default="manual")
    confidence = ck.choice(d, "confidence", path, set(Price.Confidence.values), default="official")
    service_tier = ck.choice(d, "service_tier", path, set(Price.ServiceTier.values), default="standard")
    region = None
    if d.get("region") is not None:
        region = ck.choice(d, "region", path, set(Price.Region.values), default="")
        region = region or None
    time_window = None
    if d.get("time_window") is not None:
        try:
            time_window = clean_time_window(d["time_window"])
        except ValueError as exc:
            ck.err(f"{path}.time_window", str(exc))
    if tier_min is not None and tier_max is not None and tier_max < tier_min:
        ck.err(f"{path}.tier_max_input_tokens", "must be >= tier_min_input_tokens")
    out_min = ck.integer(d, "tier_min_output_tokens", path)
    out_max = ck.integer(d, "tier_max_output_tokens", path)
    if out_min is not None and out_max is not None and out_max < out_min:
        ck.err(f"{path}.tier_max_output_tokens", "must be >= tier_min_output_tokens")
    mode = None
    if d.get("mode") is not None:
        mode = ck.choice(d, "mode", path, set(Price.Mode.values), default="") or None
    note = ck.text(d, "note", path, max_length=2000) or ""
    if valid_from and valid_to and valid_to <= valid_from:
        ck.err(f"{path}.valid_to", "must be after valid_from")
    if amount is not None and per not in (None, PER_MILLION):
        scaled = amount * PER_MILLION / per
        if scaled >= AMOUNT_LIMIT:
            ck.err(f"{path}.amount", "is too large")
            amount = None
        elif scaled != scaled.quantize(AMOUNT_PLACES):
            ck.err(f"{path}.amount", f"is not exact to 10 decimal places per 1M tokens (per {per})")
            amount = None
        else:
            amount = scaled
    if amount is not None and amount >= AMOUNT_LIMIT:
        ck.err(f"{path}.amount", "is too large")
        amount = None
    elif amount is not None and amount != amount.quantize(AMOUNT_PLACES):
        ck.err(f"{path}.amount", "has more than 10 decimal places per 1M tokens")
        amount = None
    if None in (kind, amount, currency, valid_from, source_url, checked_on):
        return None
    return PriceRec(
        kind, amount, currency, tier_min, tier_max, valid_from, valid_to,
        source_url, checked_on, method, confidence, path, service_tier, region, time_window,
        out_min, out_max, mode, note,
    )  # fmt: skip


def _parse_program(ck, raw, path):
    d = ck.obj(raw, path)
    if d is None:
        return None
    slug = ck.text(d, "slug", path, required=True, pattern=SLUG_RE, max_length=100)
    fields = {
        "name": ck.text(d, "name", path, required=True, max_length=300),
        "name_zh": ck.text(d, "name_zh", path, max_length=300) or "",
        "announced_on": ck.day(d, "announced_on", path),
        "starts_on": ck.day(d, "starts_on", path),
        "ends_on": ck.day(d, "ends_on", path),
        "confirmed_on": ck.day(d, "confirmed_on", path),
        "eligibility": ck.text(d, "eligibility", path) or "",
        "openai_users_only": ck.boolean(d, "openai_users_only", path),
        "new_users_only": ck.boolean(d, "new_users_only", path),
        "enterprise_only": ck.boolean(d, "enterprise_only", path),
        "confidence": ck.choice(d, "confidence", path, set(Price.Confidence.values), default="reported"),
        "checked_on": ck.day(d, "checked_on", path),
        "notes": ck.text(d, "notes", path) or "",
        "category": ck.choice(d, "category", path, set(MigrationProgram.Category.values), default="") or "",
        "audience": None,
        # Optional Chinese texts: absent (or null) means none.
        "eligibility_zh": ck.text(d, "eligibility_zh", path) or "",
        "notes_zh": ck.text(d, "notes_zh", path) or "",
    }
    if d.get("audience") is not None:
        fields["audience"] = ck.choice(d, "audience", path, set(MigrationProgram.Audience.values)) or None
    if fields["starts_on"] and fields["ends_on"] and fields["ends_on"] < fields["starts_on"]:
        ck.err(f"{path}.ends_on", "must not be before starts_on")
    urls = ck.list(d.get("source_urls"), f"{path}.source_urls")
    if isinstance(d.get("source_urls"), list) and not urls:
        ck.err(f"{path}.source_urls", "must list at least one URL")
    clean_urls = []
    for n, url in enumerate(urls):
        if not isinstance(url, str):
            ck.err(f"{path}.source_urls[{n}]", "must be an http(s) URL")
            continue
        try:
            _url_validator(url)
        except ValidationError:
            ck.err(f"{path}.source_urls[{n}]", "must be an http(s) URL")
            continue
        clean_urls.append(url)
    fields["source_urls"] = clean_urls
    benefits = []
    for k, raw_benefit in enumerate(ck.list(d.get("benefits"), f"{path}.benefits", required=False)):
        benefit = _parse_benefit(ck, raw_benefit, f"{path}.benefits[{k}]")
        if benefit is not None:
            benefits.append(benefit)
    return ProgramRec(slug, fields, benefits) if slug else None


BENEFIT_FIELDS = {
    "free_tokens": ("tokens", "models", "valid_days", "per_model"),
    "matched_tokens": ("ratio", "models", "valid_days"),
    "discount": ("percent", "months", "models"),
    "credit": ("amount", "currency", "valid_days"),
    "plan": ("price", "currency", "period"),
}
# Document key -> model field, where they differ: a plan's price is stored in `amount`.
BENEFIT_COLUMNS = {"price": "amount"}


def _parse_benefit(ck, raw, path):
    d = ck.obj(raw, path)
    if d is None:
        return None
    kind = ck.choice(d, "kind", path, set(Benefit.Kind.values))
    if kind is None:
        return None
    allowed = set(BENEFIT_FIELDS.get(kind, ("models",))) | {"kind", "description"}
    for key in sorted(set(d) - allowed):
        ck.err(f"{path}.{key}", f"is not a field of a {kind} benefit")
    fields = {"description": ck.text(d, "description", path) or ""}
    if kind == "free_tokens":
        fields["tokens"] = ck.integer(d, "tokens", path, required=True, minimum=1)
        fields["per_model"] = bool(ck.boolean(d, "per_model", path))
    elif kind == "matched_tokens":
        fields["ratio"] = ck.decimal(d, "ratio", path, required=True, positive=True, maximum=Decimal("1e5"))
        if fields["ratio"] is not None and fields["ratio"] != fields["ratio"].quantize(Decimal("1e-6")):
            ck.err(f"{path}.ratio", "has more than 6 decimal places")
    elif kind == "discount":
        fields["percent"] = ck.decimal(d, "percent", path, required=True, positive=True, maximum=Decimal(100))
        fields["months"] = ck.integer(d, "months", path, minimum=1)
    elif kind == "credit":
        fields["amount"] = ck.decimal(d, "amount", path, required=True, positive=True, maximum=AMOUNT_LIMIT)
        fields["currency"] = ck.text(d, "currency", path, required=True, pattern=CURRENCY_RE) or ""
    elif kind == "plan":
        price = ck.decimal(d, "price", path, required=True, maximum=AMOUNT_LIMIT)
        if price is not None and price < 0:
            ck.err(f"{path}.price", "must be a decimal >= 0")
        fields["amount"] = price
        fields["currency"] = ck.text(d, "currency", path, required=True, pattern=CURRENCY_RE) or ""
        fields["period"] = ck.choice(d, "period", path, set(Benefit.Period.values)) or ""
    if kind in ("free_tokens", "matched_tokens", "credit"):
        fields["valid_days"] = ck.integer(d, "valid_days", path, minimum=1)
    models = []
    for n, slug in enumerate(ck.list(d.get("models"), f"{path}.models", required=False)):
        if not isinstance(slug, str) or not slug:
            ck.err(f"{path}.models[{n}]", "must be a model slug")
        elif slug not in models:
            models.append(slug)
    return BenefitRec(kind, fields, sorted(models))


def _parse_mapping(ck, raw, path, model_kinds):
    """A mapping from an OpenAI model (`openai_model`) or from another baseline's model
    (`from_provider` + `from_model`, e.g. Anthropic's)."""
    d = ck.obj(raw, path)
    if d is None:
        return None
    if "from_provider" in d or "from_model" in d:
        if "openai_model" in d:
            ck.err(f"{path}.openai_model", "give either openai_model or from_provider and from_model")
        from_provider = ck.text(d, "from_provider", path, required=True, pattern=SLUG_RE, max_length=64)
        source, source_key = ck.text(d, "from_model", path, required=True), "from_model"
    else:
        from_provider = "openai"
        source, source_key = ck.text(d, "openai_model", path, required=True), "openai_model"
    provider = ck.text(d, "provider", path, required=True)
    model = ck.text(d, "model", path, required=True)
    rank = ck.integer(d, "rank", path, minimum=1)
    if d.get("rank") is None:
        rank = 1
    note = ck.text(d, "note", path) or ""
    fit = ck.choice(d, "fit", path, set(ModelMapping.Fit.values), default="like_for_like")
    if source and from_provider and (from_provider, source) not in model_kinds:
        ck.err(f"{path}.{source_key}", f"unknown model {source!r} of provider {from_provider!r}")
    if provider and provider == from_provider:
        ck.err(f"{path}.provider", f"must be a provider other than {from_provider}")
    if provider and model and (provider, model) not in model_kinds:
        ck.err(f"{path}.model", f"unknown model {model!r} of provider {provider!r}")
    if None in (source, from_provider, provider, model, rank, fit):
        return None
    return MappingRec(source, provider, model, rank, note, fit, from_provider)


# --- writing ------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)

    def count(self, bucket, name, n=1):
        bucket[name] = bucket.get(name, 0) + n

    @property
    def changed(self):
        return bool(self.created or self.updated)

    def summary(self):
        if not self.changed:
            return "No changes: the catalog already matches the document."
        parts = [f"created {n} {k}" for k, n in sorted(self.created.items())]
        parts += [f"updated {n} {k}" for k, n in sorted(self.updated.items())]
        return "; ".join(parts) + "."


def known_models():
    return set(Model.objects.values_list("provider__slug", "slug", "kind"))


def import_catalog(raw, *, dry_run=False):
    """Validate and write a catalog document (bytes, str or loaded JSON). Atomic.

    Raises CatalogError (nothing written) on any problem; returns an ImportResult.
    """
    document = raw if isinstance(raw, dict | list) else load_document(raw)
    catalog = parse_catalog(document, known_models=known_models())
    with transaction.atomic():
        result = _write(catalog)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _apply_fields(obj, fields):
    changed = False
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _write(catalog):
    result = ImportResult()
    errors = []
    # The per-provider write lock, shared with the scrapers' apply: a concurrent apply on the same
    # providers waits for this import (or this import for it) instead of failing on a constraint.
    locked = lock_providers({r.slug: r.fields for r in catalog.providers})
    providers = {}
    for prec in catalog.providers:
        provider, created = locked[prec.slug]
        providers[prec.slug] = provider
        if created:
            result.count(result.created, "providers")
        elif _apply_fields(provider, prec.fields):
            provider.save()
            result.count(result.updated, "providers")
        _write_models(provider, prec, result, errors)

    all_models = {(m.provider.slug, m.slug): m for m in Model.objects.select_related("provider")}
    for prec in catalog.providers:
        for program_rec in prec.programs:
            _write_program(providers[prec.slug], program_rec, all_models, result)

    _write_mappings(catalog.mappings, all_models, result)
    _write_rates(catalog.rates, result)
    if errors:
        raise CatalogError(errors)
    return result


def _write_models(provider, prec, result, errors):
    existing = {
        m.slug: m
        for m in provider.models.prefetch_related(Prefetch("prices", queryset=Price.objects.approved()))
    }
    for mrec in prec.models:
        model = existing.get(mrec.slug)
        if model is None:
            model = Model.objects.create(provider=provider, slug=mrec.slug, **mrec.fields)
            result.count(result.created, "models")
            prices = {}
        else:
            if _apply_fields(model, mrec.fields):
                model.save()
                result.count(result.updated, "models")
            prices = {
                (p.kind, p.currency, p.tier_min_input_tokens, p.tier_max_input_tokens, p.valid_from,
                 *p.dimensions_key): p
                for p in model.prices.all()  # approved only: see the prefetch above
            }  # fmt: skip
        # Rows the document closes (valid_to set) no longer count as current.
        closed_by_document = {rec.key for rec in mrec.prices if rec.valid_to is not None}
        current_elsewhere = {
            (p.kind, p.currency, p.tier_min_input_tokens or 0, p.tier_max_input_tokens, *p.dimensions_key): p
            for key, p in prices.items()
            if p.valid_to is None and key not in closed_by_document
        }
        new_rows = []
        for rec in mrec.prices:
            fields = {
                "amount": rec.amount,
                "valid_to": rec.valid_to,
                "source_url": rec.source_url,
                "checked_on": rec.checked_on,
                "method": rec.method,
                "confidence": rec.confidence,
                "note": rec.note,
            }
            row = prices.get(rec.key)
            if rec.valid_to is None:
                other = current_elsewhere.get(rec.slot)
                if other is not None and other.valid_from != rec.valid_from:
                    errors.append(
                        f"{rec.path}.valid_from: the catalog already has a current {rec.kind} price "
                        f"for {provider.slug}/{mrec.slug} valid from {other.valid_from}; close it "
                        "(valid_to) in the document or the admin first"
                    )
                    continue
            if row is None:
                new_rows.append(
                    Price(
                        model=model,
                        kind=rec.kind,
                        currency=rec.currency,
                        tier_min_input_tokens=rec.tier_min,
                        tier_max_input_tokens=rec.tier_max,
                        valid_from=rec.valid_from,
                        service_tier=rec.service_tier,
                        region=rec.region,
                        time_window=rec.time_window,
                        tier_min_output_tokens=rec.tier_min_output_tokens,
                        tier_max_output_tokens=rec.tier_max_output_tokens,
                        mode=rec.mode,
                        **fields,
                    )
                )
            elif _apply_fields(row, fields):
                row.save()
                result.count(result.updated, "prices")
        if new_rows:
            Price.objects.bulk_create(new_rows)
            result.count(result.created, "prices", len(new_rows))


def _benefit_state(kind, fields, models):
    return (kind, tuple(sorted(fields.items())), tuple(models))


def _write_program(provider, rec, all_models, result):
    program = MigrationProgram.objects.filter(slug=rec.slug).first()
    fields = dict(rec.fields, provider_id=provider.pk)
    if program is None:
        program = MigrationProgram.objects.create(slug=rec.slug, **fields)
        result.count(result.created, "programs")
        existing_state = None
    else:
        if _apply_fields(program, fields):
            program.save()
            result.count(result.updated, "programs")
        existing_state = [
            _benefit_state(b.kind, _benefit_fields(b), sorted(m.slug for m in b.models.all()))
            for b in program.benefits.prefetch_related("models")
        ]
    wanted = [_benefit_state(b.kind, b.fields, b.models) for b in rec.benefits]
    if existing_state == wanted:
        return
    if existing_state is not None:
        program.benefits.all().delete()
        result.count(result.updated, "benefit lists")
    for position, brec in enumerate(rec.benefits):
        benefit = Benefit.objects.create(program=program, position=position, kind=brec.kind, **brec.fields)
        if brec.models:
            benefit.models.set([all_models[(provider.slug, slug)] for slug in brec.models])
        if existing_state is None:
            result.count(result.created, "benefits")


def _benefit_fields(benefit):
    names = ["description", *[f for f in BENEFIT_FIELDS.get(benefit.kind, ()) if f != "models"]]
    columns = [BENEFIT_COLUMNS.get(name, name) for name in names]
    return {column: getattr(benefit, column) for column in columns}


def _write_mappings(recs, all_models, result):
    existing = {
        (m.openai_model.provider.slug, m.openai_model.slug, m.provider.slug, m.rank): m
        for m in ModelMapping.objects.select_related("openai_model__provider", "provider", "model")
    }
    for rec in recs:
        model = all_models[(rec.provider, rec.model)]
        mapping = existing.get((rec.from_provider, rec.openai_model, rec.provider, rec.rank))
        if mapping is None:
            ModelMapping.objects.create(
                openai_model=all_models[(rec.from_provider, rec.openai_model)],
                provider=model.provider,
                model=model,
                rank=rec.rank,
                note=rec.note,
                fit=rec.fit,
            )
            result.count(result.created, "mappings")
        elif _apply_fields(mapping, {"model": model, "note": rec.note, "fit": rec.fit}):
            mapping.save()
            result.count(result.updated, "mappings")


def _write_rates(recs, result):
    if recs:
        lock_rates()
    existing = {(r.base, r.quote, r.date): r for r in ExchangeRate.objects.all()}
    new = []
    for rec in recs:
        row = existing.get((rec.base, rec.quote, rec.date))
        if row is None:
            new.append(
                ExchangeRate(
                    base=rec.base, quote=rec.quote, rate=rec.rate, date=rec.date, source_url=rec.source_url
                )
            )
        elif _apply_fields(row, {"rate": rec.rate, "source_url": rec.source_url}):
            row.save()
            result.count(result.updated, "exchange rates")
    if new:
        ExchangeRate.objects.bulk_create(new)
        result.count(result.created, "exchange rates", len(new))


# --- export -------------------------------------------------------------------------------------


def fmt_decimal(value):
    """Decimal -> canonical string: no exponent, no trailing zeros ("2.5", "100", "0")."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _iso(value):
    return value.isoformat() if value else None


def export_document(*, include_unpublished=False):
    """The catalog as a canonical dict (key order and list order as catalog-format.md)."""
    providers = Provider.objects.all() if include_unpublished else Provider.objects.published()
    programs = (
        MigrationProgram.objects.all()
        if include_unpublished
        else MigrationProgram.objects.filter(is_published=True)
    )
    providers = providers.order_by("slug").prefetch_related(
        Prefetch("models", queryset=Model.objects.order_by("slug")),
        Prefetch("models__prices", queryset=Price.objects.approved()),
        Prefetch("programs", queryset=programs.order_by("slug")),
        Prefetch("programs__benefits", queryset=Benefit.objects.order_by("position", "id")),
        Prefetch("programs__benefits__models", queryset=Model.objects.only("id", "slug")),
    )
    doc_providers = []
    exported = set()
    for provider in providers:
        exported.add(provider.pk)
        doc_providers.append(
            {
                "slug": provider.slug,
                "name": provider.name,
                "name_zh": provider.name_zh or None,
                "website": provider.website or None,
                "pricing_url": provider.pricing_url or None,
                "docs_url": provider.docs_url or None,
                "api_base_url": provider.api_base_url or None,
                "openai_compatible": provider.openai_compatible,
                "region": provider.region or None,
                "notes": provider.notes or None,
                "models": [_export_model(m) for m in provider.models.all()],
                "programs": [_export_program(p) for p in provider.programs.all()],
            }
        )
    mappings = sorted(
        (
            m
            for m in ModelMapping.objects.select_related("openai_model__provider", "provider", "model")
            if m.provider_id in exported and m.openai_model.provider_id in exported
        ),
        key=mapping_sort_key,
    )
    return {
        "format": FORMAT,
        "providers": doc_providers,
        "mappings": [export_mapping(m) for m in mappings],
        "exchange_rates": [
            {
                "base": r.base,
                "quote": r.quote,
                "rate": fmt_decimal(r.rate),
                "date": _iso(r.date),
                "source_url": r.source_url or None,
            }
            for r in ExchangeRate.objects.order_by("base", "quote", "date")
        ],
    }


def mapping_sort_key(m):
    """OpenAI's mappings first (by openai_model, provider, rank), then other baselines' (by
    from_provider, from_model, provider, rank)."""
    source = m.openai_model.provider.slug
    return (source != "openai", source, m.openai_model.slug, m.provider.slug, m.rank)


def export_mapping(m):
    source = m.openai_model.provider.slug
    head = (
        {"openai_model": m.openai_model.slug}
        if source == "openai"
        else {"from_provider": source, "from_model": m.openai_model.slug}
    )
    return {
        **head,
        "provider": m.provider.slug,
        "model": m.model.slug,
        "rank": m.rank,
        "note": m.note or None,
        "fit": m.fit,
    }


def _price_sort_key(p):
    return (
        p.kind,
        *p.dimensions_key,
        p.tier_min_input_tokens if p.tier_min_input_tokens is not None else -1,
        p.tier_max_input_tokens if p.tier_max_input_tokens is not None else 2**64,
        p.currency,
        p.valid_from,
    )


def _export_model(model):
    return {
        "slug": model.slug,
        "name": model.name,
        "kind": model.kind,
        "context_window": model.context_window,
        "max_output_tokens": model.max_output_tokens,
        "capabilities": list(model.capabilities or []),
        "released_on": _iso(model.released_on),
        **({"tokenizer": model.tokenizer} if model.tokenizer else {}),
        "deprecated_on": _iso(model.deprecated_on),
        "prices": [
            {
                "kind": p.kind,
                "amount": fmt_decimal(p.amount),
                "currency": p.currency,
                "per": PER_MILLION,
                "tier_min_input_tokens": p.tier_min_input_tokens,
                "tier_max_input_tokens": p.tier_max_input_tokens,
                "valid_from": _iso(p.valid_from),
                "valid_to": _iso(p.valid_to),
                "source_url": p.source_url,
                "checked_on": _iso(p.checked_on),
                "method": p.method,
                "confidence": p.confidence,
                **_price_dimensions(p),
            }
            for p in sorted(model.prices.all(), key=_price_sort_key)
        ],
    }


def _price_dimensions(price):
    """The optional pricing dimensions, each left out at its default (always the same way)."""
    out = {}
    if price.service_tier != Price.ServiceTier.STANDARD:
        out["service_tier"] = price.service_tier
    if price.region:
        out["region"] = price.region
    if getattr(price, "tier_min_output_tokens", None) is not None:
        out["tier_min_output_tokens"] = price.tier_min_output_tokens
    if getattr(price, "tier_max_output_tokens", None) is not None:
        out["tier_max_output_tokens"] = price.tier_max_output_tokens
    if getattr(price, "mode", None):
        out["mode"] = price.mode
    if getattr(price, "note", ""):
        out["note"] = price.note
    if price.time_window:
        window = clean_time_window(price.time_window)
        out["time_window"] = {"start": window["start"], "end": window["end"], "tz": window["tz"],
                              "days": window["days"]}  # fmt: skip
    return out


def _export_benefit(benefit):
    out = {"kind": benefit.kind}
    names = BENEFIT_FIELDS.get(benefit.kind)
    slugs = sorted(m.slug for m in benefit.models.all())
    if names is None:  # a perk: models only when it names some
        if slugs:
            out["models"] = slugs
    else:
        for name in names:
            if name == "models":
                out["models"] = slugs
            elif name == "per_model":  # optional, written only when true
                if getattr(benefit, "per_model", False):
                    out["per_model"] = True
            else:
                value = getattr(benefit, BENEFIT_COLUMNS.get(name, name))
                out[name] = fmt_decimal(value) if isinstance(value, Decimal) else (value or None)
    if benefit.description:
        out["description"] = benefit.description
    return out


def _export_program(program):
    out = {
        "slug": program.slug,
        "name": program.name,
        "name_zh": program.name_zh or None,
        "announced_on": _iso(program.announced_on),
        "starts_on": _iso(program.starts_on),
        "ends_on": _iso(program.ends_on),
        **({"confirmed_on": _iso(program.confirmed_on)} if program.confirmed_on else {}),
        **({"category": program.category} if getattr(program, "category", "") else {}),
        **({"audience": program.audience} if getattr(program, "audience", None) else {}),
        "eligibility": program.eligibility or None,
        "openai_users_only": program.openai_users_only,
        "new_users_only": program.new_users_only,
        "enterprise_only": program.enterprise_only,
        "benefits": [_export_benefit(b) for b in program.benefits.all()],
        "source_urls": list(program.source_urls),
        "confidence": program.confidence,
        "checked_on": _iso(program.checked_on),
        "notes": program.notes or None,
    }
    # Optional keys, written only when set, so catalogs without them export unchanged.
    if program.eligibility_zh:
        out["eligibility_zh"] = program.eligibility_zh
    if program.notes_zh:
        out["notes_zh"] = program.notes_zh
    return out


def dumps(document):
    """The canonical bytes of a document."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
